"""``flask export-workbook`` / ``import-workbook`` (issue 13): a workbook moves from the local
backend to Google Sheets and back, identical cell for cell, volunteers' hazards included."""
from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import Workbook as XlsxBook
from openpyxl import load_workbook

import sheets.transfer
import vault
from app import create_app
from sheets import Workbook, get_workbook, preimage, schema
from sheets.client import local_server
from sheets.local.a1 import index_to_col
from sheets.table import a1
from sheets.transfer import (
    MAX_PAYLOAD,
    NotABackup,
    WorkbookNotEmpty,
    chunks,
    records,
    trimmed,
)
from tests.conftest import AuthActions, Server, app_config, calls
from tests.google_fake import Offline
from tests.helpers import file_number, intake, latest_request, register, text
from tests.test_google_path import Google, all_calls_authenticated, google, google_app

__all__ = ["google"]  # the fixture, imported for the tests below

B = schema.BENEFICIARIES.name
OWN_TAB = "متابعات المتطوعين"
LONG_TAB = "قائمة المتطوعين في الحي الشمالي: [ربيع ١٤٤٨]"  # Excel allows 31 characters, no :[]
EXTRA_HEADER = "ملاحظة المتطوع"


def local_app(tmp_path: Path, name: str) -> Flask:
    """The app on the embedded local backend, its workbook in a folder of its own."""
    return create_app({**app_config(tmp_path), "INSTANCE_PATH": str(tmp_path / f"{name}-inst"),
                       "SHEETS_BACKEND": "local", "SHEETS_LOCAL_URL": "", "GOOGLE_SHEET_ID": "",
                       "SHEETS_LOCAL_DIR": str(tmp_path / name)})


@pytest.fixture
def closing(tmp_path: Path) -> Iterator[list[str]]:
    """Names of embedded local workbooks under ``tmp_path``, closed after the test."""
    names: list[str] = []
    yield names
    for name in names:
        local_server(tmp_path / name).store.close()


def contents(app: Flask) -> list[tuple[str, list[list[str]]]]:
    """Every tab, in order, with its cells as stored (trailing empties aside)."""
    with app.app_context():
        wb = get_workbook()
        titles = wb.titles(refresh=True)
        grids = wb.raw_values([a1(t) for t in titles])
    return [(t, trimmed(g)) for t, g in zip(titles, grids, strict=False)]


def invoke(app: Flask, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def hand_typed(wb: Workbook) -> dict[str, Any]:
    """What volunteers type by hand: a row with a zero-led mobile and ID, a formula-looking
    text and an empty cell mid-row, a column of their own right of the headers, and tabs of
    their own (one with a name Excel cannot hold)."""
    header = wb.raw_values([a1(B, "1:1")])[0][0]
    last = len(wb.raw_values([a1(B)])[0])
    row = [""] * len(header)
    row[0], row[1], row[4] = "0012", "عبدالرحمن بن سعيد الغامدي", "0551234567"
    row[17] = "=SUM(A1)"
    row[9] = "تبوك"  # the national ID (column C) stays empty, mid-row
    extra = len(header) + 1  # one empty column, then the volunteer's own
    raw = {"valueInputOption": "RAW"}
    wb.sh.worksheet(B).add_cols(3)  # as the Sheets UI does when a volunteer types past the grid
    wb.sh.values_update(a1(B, f"A{last + 2}"), params=raw,
                        body={"values": [[*row, "", "اتصلت بها يوم الأحد"]]})
    wb.sh.values_update(a1(B, f"{index_to_col(extra)}1"), params=raw,
                        body={"values": [[EXTRA_HEADER]]})
    own = [["الاسم", "الجوال", "ملاحظة"], ["سعاد", "0500000001", '=HYPERLINK("x")'], [],
           ["", "", "بعد سطر فارغ"], ["٠٥٥١٢٣٤٥٦٧", "", " مسافة قبل وبعد "]]
    for title, rows in ((OWN_TAB, own), (LONG_TAB, [["أ", "", "ب"], ["0001"]])):
        wb.sh.add_worksheet(title, rows=100, cols=10)
        wb.sh.values_update(a1(title, "A1"), params=raw, body={"values": rows})
    wb.titles(refresh=True)
    wb.invalidate()
    return {"row": row, "own": own}


# -- local -> Google -> local ------------------------------------------------------------

def test_local_to_google_and_back_is_identical_cell_for_cell(
        server: Server, google: Google, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        closing: list[str]) -> None:
    closing += ["source", "dest"]
    source = local_app(tmp_path, "source")
    assert invoke(source, "init-sheets").exit_code == 0
    demo = invoke(source, "demo", "--requests", "12", "--seed", "7")
    assert demo.exit_code == 0, demo.output
    client = source.test_client()
    AuthActions(client).login("reception")
    assert register(client).status_code == 302
    with source.app_context():
        wb = get_workbook()
        bid = file_number(wb)
        assert intake(client, bid).status_code == 302
        rid = latest_request(wb)["id"]
        assert client.post(f"/requests/{rid}/assign",
                           data={"researcher": "سارة الباحثة"}).status_code == 302
        typed = hand_typed(wb)
    before = contents(source)
    titles = [t for t, _ in before]
    assert titles[-2:] == [OWN_TAB, LONG_TAB] and preimage.SCRATCH in titles
    beneficiaries = dict(before)[B]
    assert typed["row"] + ["", "اتصلت بها يوم الأحد"] in beneficiaries
    assert EXTRA_HEADER in beneficiaries[0]
    assert dict(before)[preimage.SCRATCH]  # the writes' pre-images, copied too

    exported = tmp_path / "from-local.xlsx"
    result = invoke(source, "export-workbook", str(exported))
    assert result.exit_code == 0, result.output
    assert f"{B} {len(beneficiaries) - 1}" in result.output
    assert exported.stat().st_mode & 0o077 == 0
    with source.app_context():  # a whole workbook left the system: the access log says so
        assert "flask export-workbook" in vault.access_rows(1)[0].what
    book = load_workbook(exported)
    assert LONG_TAB not in book.sheetnames and len(book.sheetnames) == len(titles)

    # Onto Google: the service account's workbook, freshly laid out by init-sheets (empty).
    on_google = google_app(server, google, tmp_path, monkeypatch)
    result = invoke(on_google, "import-workbook", str(exported))
    assert result.exit_code == 0, result.output
    assert f"{B} {len(beneficiaries) - 1}" in result.output and "+ " not in result.output
    api = dict(server.api.calls)
    writes = sum(n for k, n in api.items() if k.startswith("spreadsheets") and
                 ("batchUpdate" in k or "append" in k or "update" in k))
    reads = calls(server) - writes
    assert (reads, writes) == (7, 3), api  # see the report: the import's whole cost
    assert contents(on_google) == before
    with on_google.app_context():
        meta = get_workbook().sh.fetch_sheet_metadata()
    props = {s["properties"]["title"]: s for s in meta["sheets"]}
    assert props[preimage.SCRATCH]["properties"].get("hidden") is True
    assert not props[B]["properties"].get("hidden")
    assert props[B]["properties"]["gridProperties"]["frozenRowCount"] == 1
    protected = [p["description"] for s in meta["sheets"] for p in s.get("protectedRanges", [])]
    assert sum("mustafid:computed" in d for d in protected) == \
        sum(c.computed for t in schema.TABS for c in t.columns)

    # Back from Google, into a fresh local workbook (never laid out).
    again = tmp_path / "from-google.xlsx"
    assert invoke(on_google, "export-workbook", str(again)).exit_code == 0
    assert calls(server) == 10 + 3 + 2  # the import, this test's own looks, the export
    all_calls_authenticated(server, google)
    dest = local_app(tmp_path, "dest")
    result = invoke(dest, "import-workbook", str(again))
    assert result.exit_code == 0, result.output
    after = contents(dest)
    assert [t for t, _ in after] == titles
    for (title, want), (_, got) in zip(before, after, strict=False):
        assert got == want, title
    assert Offline.attempts == []

    # The app works on what it imported.
    client = dest.test_client()
    AuthActions(client).login("reception")
    page = client.get(f"/beneficiaries/{bid}")
    assert page.status_code == 200 and "فاطمة عبدالله القحطاني" in text(page)
    assert client.get("/requests").status_code == 200
    assert invoke(dest, "init-sheets").output.strip().endswith("nothing changed.")


# -- refusals ------------------------------------------------------------------------------

def backup_of(app: Flask, path: Path) -> Path:
    result = invoke(app, "export-workbook", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_a_laid_out_workbook_holds_no_records_but_an_audit_row_is_one(wb: Workbook) -> None:
    assert records(wb) == {}
    settings = schema.SETTINGS.name
    wb.append(schema.AUDIT.name, {"time": "2026-11-22T10:00", "user": "x", "action": "y"})
    assert records(wb) == {schema.AUDIT.name: 1}
    wb.sh.values_update(a1(settings, "B2"), params={"valueInputOption": "RAW"},
                        body={"values": [["جمعية البر"]]})  # a setting the association chose
    assert records(wb) == {schema.AUDIT.name: 1, settings: 1}


def test_import_refuses_a_workbook_with_records_unless_replace(
        app: Flask, wb: Workbook, server: Server, tmp_path: Path) -> None:
    wb.append(B, {"id": "B-1", "full_name": "سارة", "national_id": "1000000008",
                  "mobile": "0551234567"})
    file = backup_of(app, tmp_path / "mine.xlsx")
    wb.append(B, {"id": "B-2", "full_name": "نورة", "national_id": "1000000016",
                  "mobile": "0551234568"})
    before = contents(app)
    result = invoke(app, "import-workbook", str(file))
    assert result.exit_code == 1
    assert WorkbookNotEmpty.message in result.output and "--replace" in result.output
    assert f"{B}: 2" in result.output and "Traceback" not in result.output
    assert contents(app) == before  # nothing written, no tab left behind

    result = invoke(app, "import-workbook", str(file), "--replace")
    assert result.exit_code == 0, result.output
    after = dict(contents(app))
    assert [r[0] for r in after[B][1:]] == ["B-1"]
    with app.app_context():
        assert get_workbook().table(B).get("B-1")["full_name"] == "سارة"


def test_replace_removes_tabs_the_file_does_not_have(app: Flask, wb: Workbook,
                                                    tmp_path: Path) -> None:
    file = backup_of(app, tmp_path / "plain.xlsx")
    wb.sh.add_worksheet("ورقة قديمة", rows=10, cols=3)
    wb.sh.values_update(a1("ورقة قديمة", "A1"), params={"valueInputOption": "RAW"},
                        body={"values": [["قديم"]]})
    refused = invoke(app, "import-workbook", str(file))
    assert refused.exit_code == 1 and "ورقة قديمة: 1" in refused.output
    assert invoke(app, "import-workbook", str(file), "--replace").exit_code == 0
    assert "ورقة قديمة" not in [t for t, _ in contents(app)]


def test_a_file_that_is_not_a_backup_is_refused_in_words(app: Flask, wb: Workbook,
                                                          tmp_path: Path) -> None:
    before = contents(app)
    text_file = tmp_path / "notes.xlsx"
    text_file.write_text("الاسم,الجوال\nسارة,0551234567\n")
    other = tmp_path / "other.xlsx"
    book = XlsxBook()
    book.active.append(["الاسم", "الجوال"])
    book.active.append(["سارة", "0551234567"])
    book.save(other)
    for path in (text_file, other):
        result = invoke(app, "import-workbook", str(path))
        assert result.exit_code == 1, result.output
        assert NotABackup.message in result.output and "Traceback" not in result.output
    assert "cannot be read as XLSX" in invoke(app, "import-workbook", str(text_file)).output
    missing = invoke(app, "import-workbook", str(tmp_path / "nowhere.xlsx"))
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert contents(app) == before


def test_a_failed_load_leaves_the_workbook_as_it_was(app: Flask, wb: Workbook, server: Server,
                                                     tmp_path: Path) -> None:
    wb.append(B, {"id": "B-1", "full_name": "سارة", "national_id": "1000000008"})
    file = backup_of(app, tmp_path / "mine.xlsx")
    wb.append(B, {"id": "B-2", "full_name": "نورة", "national_id": "1000000016"})
    before = contents(app)
    server.api.inject(503, times=100, methods=["spreadsheets.values.batchUpdate"])
    result = invoke(app, "import-workbook", str(file), "--replace")
    assert result.exit_code == 1 and "Traceback" not in result.output
    server.api.reset()
    assert contents(app) == before  # the half-filled new tabs are gone


def test_a_swap_whose_answer_was_lost_is_found_applied(app: Flask, wb: Workbook, server: Server,
                                                       tmp_path: Path) -> None:
    wb.append(B, {"id": "B-1", "full_name": "سارة", "national_id": "1000000008"})
    file = backup_of(app, tmp_path / "mine.xlsx")
    want = contents(app)
    wb.append(B, {"id": "B-2", "full_name": "نورة", "national_id": "1000000016"})
    server.api.reset()
    # Just before the read-back, arm a 500 that comes after the swap batch was applied.
    server.api.before("spreadsheets.values.batchGet", lambda: server.api.inject(
        500, after_write=True, methods=["spreadsheets.batchUpdate"]))
    result = invoke(app, "import-workbook", str(file), "--replace")
    assert result.exit_code == 0, result.output
    assert [f.remaining for f in server.api.faults] == [0]  # the 500 was met, and judged
    assert contents(app) == want


# -- the cost ---------------------------------------------------------------------------------

def test_a_big_import_costs_a_bounded_number_of_calls(
        app: Flask, wb: Workbook, server: Server, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    invoke(app, "demo", "--requests", "600", "--seed", "3")
    file = backup_of(app, tmp_path / "big.xlsx")
    want = contents(app)
    limit = 50_000
    monkeypatch.setattr(sheets.transfer, "MAX_PAYLOAD", limit)
    sent: list[int] = []
    original = wb.sh.client.request

    def spy(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.endswith("values:batchUpdate"):
            sent.append(len(kwargs["data"]))
        return original(method, url, *args, **kwargs)

    wb.sh.client.request = spy  # the CLI uses the app's workbook, opened here
    server.api.reset()
    result = invoke(app, "import-workbook", str(file), "--replace")
    assert result.exit_code == 0, result.output
    expected = sum(1 for _ in chunks([(t, rows) for t, rows in want if rows], limit))
    assert expected >= 5 and len(sent) == expected
    assert max(sent) <= limit + 1000
    assert calls(server) == 7 + expected, dict(server.api.calls)
    assert contents(app) == want


def test_chunks_keep_a_50000_row_tab_under_the_documented_payload() -> None:
    rows = [[f"{i:07d}", "فاطمة عبدالله القحطاني", "0551234567", "=SUM(A1)", "", "القريات",
             "ملاحظات " * 10] for i in range(50_000)]
    bodies = list(chunks([(B, rows), ("ورقة", [["x"]])]))
    sizes = [len(json.dumps({"valueInputOption": "RAW", "data": d}, ensure_ascii=False)
                 .encode()) for d in bodies]
    assert max(sizes) <= MAX_PAYLOAD
    assert len(bodies) <= math.ceil(sum(sizes) / MAX_PAYLOAD) + 1
    back = [r for d in bodies for item in d if item["range"].startswith(a1(B))
            for r in item["values"]]
    assert back == rows
    starts = [item["range"] for d in bodies for item in d]
    assert starts[0] == a1(B, "A1") and starts[-1] == a1("ورقة", "A1")

