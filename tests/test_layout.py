"""``flask init-sheets`` builds every tab and changes nothing the second time."""
from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner

from sheets import get_workbook, schema
from sheets.client import local_server
from sheets.table import a1
from tests.conftest import Server, calls, sheet_values

WRITES = ("spreadsheets.batchUpdate", "spreadsheets.values.batchUpdate",
          "spreadsheets.values.append", "spreadsheets.values.update")


def test_init_sheets_on_embedded_default(tmp_path) -> None:
    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SHEETS_LOCAL_DIR": str(tmp_path / "embedded")})
    result = app.test_cli_runner().invoke(args=["init-sheets"])
    assert result.exit_code == 0, result.output
    assert "tab المستفيدون created" in result.output
    api = local_server(tmp_path / "embedded")
    with app.app_context():
        titles = get_workbook().titles(refresh=True)
    assert {t.name for t in schema.TABS} <= set(titles)
    api.reset()
    again = app.test_cli_runner().invoke(args=["init-sheets"])
    assert "nothing changed" in again.output
    assert not any(api.calls[m] for m in WRITES)


def test_layout_of_every_tab(app: Flask, server: Server) -> None:
    with app.app_context():
        wb = get_workbook()
        meta = wb.sh.fetch_sheet_metadata()["sheets"]
        by_title = {s["properties"]["title"]: s for s in meta}
        for tab in schema.TABS:
            props = by_title[tab.name]["properties"]
            assert props["rightToLeft"] is True
            assert props["gridProperties"]["frozenRowCount"] == 1
            assert sheet_values(wb, tab.name)[0] == [c.header for c in tab.columns]
        protected = {p["description"].split(" ")[0]
                     for p in by_title["الطلبات"].get("protectedRanges", [])}
        assert protected == {f"mustafid:computed:الطلبات:{k}"
                             for k in ("decision_due", "days_left", "overdue", "followup",
                                       "survey_sent")}
        book = server.api.store
        with book.open(wb.sh.id) as b:
            grid = b.by_title("الطلبات")
            status_col = schema.REQUESTS.keys.index("status")
            rule = next(v for v in grid.validations
                        if v["range"]["startColumnIndex"] == status_col)["rule"]
        assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == \
            list(schema.STATUSES)
        settings = wb.table("الإعدادات")
        assert settings.get("decision_days")["value"] == "14"


def test_person_added_column_kept_and_missing_one_added(app: Flask, server: Server,
                                                        runner: FlaskCliRunner) -> None:
    with app.app_context():
        wb = get_workbook()
        tab = "الخدمات"
        wb.sh.values_batch_clear(body={"ranges": [a1(tab, "B1")]})
        wb.sh.values_update(a1(tab, "D1"), params={"valueInputOption": "RAW"},
                            body={"values": [["ملاحظات المتطوعين"]]})
        server.api.reset()
        result = runner.invoke(args=["init-sheets"])
        assert "المستندات المطلوبة" in result.output
        assert sheet_values(wb, tab)[0] == ["الخدمة", "", "مفعلة", "ملاحظات المتطوعين",
                                            "الاستحقاق والمقدار", "الفئات المستفيدة",
                                            "المستندات المطلوبة", "الدراسة الاجتماعية"]
        server.api.reset()
        runner.invoke(args=["init-sheets"])
        assert not any(server.api.calls[m] for m in WRITES)
        assert calls(server) == 2
