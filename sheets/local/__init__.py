"""A local server for the part of the Sheets API v4 (and Drive v3) that gspread uses."""
from __future__ import annotations

from .api import LocalSheets
from .transport import in_process_session, url_session

__all__ = ["LocalSheets", "in_process_session", "url_session"]
