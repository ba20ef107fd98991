"""KPIs, charts and exports: plain functions over records (no Flask, no gspread)."""
