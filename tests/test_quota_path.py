"""The quota-proof data path: a step in two Sheets calls, an intake in one, the app's own writes
taken into the snapshot, Drive asked before a tab is read again, a page reading only the
big tabs it shows."""
from __future__ import annotations

import threading
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sheets import Workbook, schema
from sheets.changes import ChangeCheck
from sheets.table import a1
from tests.conftest import AuthActions, Server, sheet_values
from tests.helpers import (
    file_number,
    first_then_others,
    intake,
    register,
    spy_reads,
    text,
)

B, R, Q, AUDIT = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.INQUIRIES.name,
                  schema.AUDIT.name)


def sheets_calls(server: Server) -> dict[str, int]:
    """The calls that count against the Sheets quota (Drive has its own)."""
    return {k: v for k, v in server.api.calls.items()
            if k.startswith("spreadsheets") and v}


def version(server: Server, wb: Workbook) -> str:
    return server.gspread_client().http_client.request(
        "get", f"https://www.googleapis.com/drive/v3/files/{wb.sh.id}",
        params={"fields": "version,modifiedTime"}).json()["version"]


@pytest.fixture
def request_id(client: FlaskClient, auth: AuthActions, wb: Workbook) -> str:
    auth.login("reception")
    register(client)
    intake(client, file_number(wb))
    wb.invalidate()
    return wb.table(R).records[-1]["id"]


def test_a_step_costs_two_sheets_calls_and_the_next_page_none(
        client: FlaskClient, server: Server, wb: Workbook, request_id: str) -> None:
    client.get("/requests")  # the snapshot in place, as at a desk
    server.api.reset()
    response = client.post(f"/requests/{request_id}/assign", data={"researcher": "سارة الباحثة"})
    assert response.status_code == 302
    assert sheets_calls(server) == {"spreadsheets.values.batchGet": 1,
                                    "spreadsheets.batchUpdate": 1}
    server.api.reset()
    page = text(client.get(f"/requests/{request_id}"))
    assert "لدى الباحث" in page and "سارة الباحثة" in page
    assert sheets_calls(server) == {}
    row = next(r for r in sheet_values(wb, R) if r and r[0] == request_id)
    assert "لدى الباحث" in row and "سارة الباحثة" in row
    assert any(request_id in r and "لدى الباحث" in "".join(r) for r in sheet_values(wb, AUDIT))


def test_the_narrow_read_asks_for_the_row_not_the_tab(
        client: FlaskClient, server: Server, wb: Workbook, request_id: str) -> None:
    client.get("/requests")
    seen = spy_reads(wb)
    client.post(f"/requests/{request_id}/assign", data={"researcher": "سارة الباحثة"})
    row = wb.cached(R).get(request_id).row
    assert seen == [[a1(R, "1:1"), a1(R, "A:A"), a1(R, f"{row}:{row}"), a1(AUDIT, "1:1")]]


def test_a_sort_before_the_narrow_read_falls_back_and_stays_on_its_row(
        client: FlaskClient, server: Server, wb: Workbook, request_id: str) -> None:
    """The snapshot saw the request in one row; a volunteer's sort moved it before the step
    read: the whole tab is read again and the step lands on the request's row."""
    bid = wb.table(R).get(request_id)["beneficiary_id"]
    wb.append_many(R, [{"id": f"R-2026-9{i:04d}", "beneficiary_id": bid, "service": "سلة غذائية",
                        "channel": "المقابلة", "status": "جديد", "submitted_on": "2026-11-01"}
                       for i in range(3)])
    client.get("/requests")
    sid = wb.sheet_id(R)
    server.api.before("spreadsheets.values.batchGet", lambda: server.gspread_client()
                      .open_by_key(wb.sh.id).batch_update({"requests": [{"sortRange": {
                          "range": {"sheetId": sid, "startRowIndex": 1},
                          "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}}]}))
    assert client.post(f"/requests/{request_id}/assign",
                       data={"researcher": "سارة الباحثة"}).status_code == 302
    rows = {r[0]: r for r in sheet_values(wb, R)[1:] if r}
    assert "لدى الباحث" in rows[request_id]
    assert all("لدى الباحث" not in r for rid, r in rows.items() if rid != request_id)
    assert "لدى الباحث" in text(client.get(f"/requests/{request_id}"))


def test_an_intake_costs_one_sheets_call_and_its_receipt_none(
        client: FlaskClient, server: Server, wb: Workbook) -> None:
    auth = AuthActions(client)
    auth.login("reception")
    register(client)
    bid = file_number(wb)
    client.get("/requests")
    client.get(f"/beneficiaries/{bid}/requests/new?service=سلة غذائية")
    server.api.reset()
    response = intake(client, bid)
    assert sheets_calls(server) == {"spreadsheets.batchUpdate": 1}
    rid = response.headers["Location"].split("/")[2]
    server.api.reset()
    assert rid in text(client.get(f"/requests/{rid}/receipt"))
    assert rid in text(client.get("/requests"))
    assert sheets_calls(server) == {}
    assert any(r and r[0] == rid for r in sheet_values(wb, R))


def test_an_unchanged_workbook_is_not_read_again_and_a_hand_edit_is(
        client: FlaskClient, server: Server, wb: Workbook, request_id: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [time.monotonic()]  # the clock the fixture's writes were timed by, then moved by hand
    monkeypatch.setattr(wb, "clock", lambda: now[0])
    monkeypatch.setattr(wb.changes, "clock", lambda: now[0])
    wb.invalidate()
    client.get("/requests")
    server.api.reset()
    now[0] += wb.ttl + 1  # the snapshot expired; nothing changed meanwhile
    client.get("/requests")
    assert sheets_calls(server) == {} and server.api.calls["drive.files.get"] == 1

    row = next(i for i, r in enumerate(sheet_values(wb, R), start=1) if r and r[0] == request_id)
    column = sheet_values(wb, R)[0].index(schema.REQUESTS.column("notes").header)
    server.gspread_client().open_by_key(wb.sh.id).worksheet(R).update_cell(
        row, column + 1, "كتبها متطوع بيده")
    server.api.reset()
    client.get("/requests")
    assert sheets_calls(server) == {}  # still within the cache time
    now[0] += wb.ttl + 1
    assert "كتبها متطوع بيده" in text(client.get(f"/requests/{request_id}"))
    assert sheets_calls(server) == {"spreadsheets.values.batchGet": 1}


def test_after_max_age_the_tabs_are_read_whatever_drive_says(
        client: FlaskClient, server: Server, wb: Workbook, request_id: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [time.monotonic()]
    monkeypatch.setattr(wb, "clock", lambda: now[0])
    monkeypatch.setattr(wb.changes, "fetch", lambda: "7")  # Drive that never moves
    wb.invalidate()
    client.get("/requests")
    server.api.reset()
    now[0] += wb.ttl + 1
    client.get("/requests")
    assert sheets_calls(server) == {}
    now[0] += wb.changes.max_age
    client.get("/requests")
    assert sheets_calls(server) == {"spreadsheets.values.batchGet": 1}


def test_the_check_turns_itself_off_when_a_write_does_not_move_the_version() -> None:
    answers = iter(["5", "5", "6"])
    now = [0.0]
    check = ChangeCheck(lambda: next(answers), max_age=600, clock=lambda: now[0])
    assert check.version() == "5"
    now[0] = 1.0
    check.wrote(began=1.0)  # a write of ours began after that answer, and ended
    now[0] = 2.0
    assert check.version() is None and not check.working
    assert check.version() is None  # no more Drive calls: the TTL alone decides


def test_a_write_under_way_during_the_question_does_not_turn_it_off() -> None:
    answers = iter(["5", "5"])
    now = [10.0]
    check = ChangeCheck(lambda: next(answers), max_age=600, clock=lambda: now[0])
    check.wrote(began=9.0)  # began before the first answer: it may be in it already
    assert check.version() == "5"
    assert check.version() == "5" and check.working


def test_the_local_server_moves_its_drive_version_with_every_write_and_only_then(
        server: Server, wb: Workbook) -> None:
    first = version(server, wb)
    wb.raw_values([a1(R)])
    assert version(server, wb) == first
    wb.write_cells([{"range": a1(Q, "Z5"), "values": [["x"]]}])
    second = version(server, wb)
    assert int(second) > int(first)
    wb.append(B, {"id": "B-2026-77777", "full_name": "اسم"})
    assert int(version(server, wb)) > int(second)
    got = server.gspread_client().http_client.request(
        "get", f"https://www.googleapis.com/drive/v3/files/{wb.sh.id}",
        params={"fields": "version,modifiedTime"}).json()
    assert set(got) == {"version", "modifiedTime"}


def test_a_page_reads_only_the_big_tabs_it_shows(app: Flask, server: Server,
                                                  wb: Workbook) -> None:
    wb.append_many(Q, [{"id": f"Q-2026-{i:05d}", "type": "استفسار", "channel": "المقابلة",
                        "subject": f"موضوع {i}", "received_on": "2026-11-01", "status": "مفتوح"}
                       for i in range(2100)])
    wb.invalidate()
    seen = spy_reads(wb)
    wb.read(R, B)
    assert a1(Q) not in seen[0]  # 2,100 inquiries wait for a page that shows them
    assert a1(schema.SETTINGS.name) in seen[0]  # a small tab rides along
    wb.read(Q)
    assert seen[1][0] == a1(Q)


def test_an_expired_snapshot_is_shown_while_it_is_read_again_in_the_background(
        client: FlaskClient, server: Server, wb: Workbook, request_id: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [time.monotonic()]
    monkeypatch.setattr(wb, "clock", lambda: now[0])
    monkeypatch.setattr(wb.changes, "clock", lambda: now[0])
    monkeypatch.setattr(wb, "background", True)
    client.get(f"/requests/{request_id}")
    row = next(i for i, r in enumerate(sheet_values(wb, R), start=1) if r and r[0] == request_id)
    column = sheet_values(wb, R)[0].index(schema.REQUESTS.column("notes").header)
    server.gspread_client().open_by_key(wb.sh.id).worksheet(R).update_cell(
        row, column + 1, "كتبها متطوع بيده")
    now[0] += wb.ttl + 1
    reads = server.api.calls["spreadsheets.values.batchGet"]
    gate = threading.Event()
    server.api.before("spreadsheets.values.batchGet", lambda: gate.wait(10))  # a slow read
    try:
        page = text(client.get(f"/requests/{request_id}"))  # answered before the read ends
        assert "كتبها متطوع بيده" not in page and request_id in page
    finally:
        gate.set()
    wb.wait_for_refresh()
    assert server.api.calls["spreadsheets.values.batchGet"] == reads + 1
    assert "كتبها متطوع بيده" in text(client.get(f"/requests/{request_id}"))


def test_a_tab_known_to_be_out_of_date_is_read_before_the_page(
        client: FlaskClient, server: Server, wb: Workbook, request_id: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wb, "background", True)
    client.get(f"/requests/{request_id}")
    wb.sh.worksheet(R).update_cell(wb.cached(R).get(request_id).row,
                                   wb.cached(R).columns["notes"] + 1, "ملاحظة جديدة")
    wb.invalidate(R)
    assert "ملاحظة جديدة" in text(client.get(f"/requests/{request_id}"))


def test_a_failed_background_read_leaves_the_last_read_on_the_pages(
        client: FlaskClient, server: Server, wb: Workbook, request_id: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [time.monotonic()]
    monkeypatch.setattr(wb, "clock", lambda: now[0])
    monkeypatch.setattr(wb, "background", True)
    monkeypatch.setattr(wb, "changes", None)
    client.get(f"/requests/{request_id}")
    now[0] += wb.ttl + 1
    server.api.inject(503, times=1000)
    assert request_id in text(client.get(f"/requests/{request_id}"))
    wb.wait_for_refresh()
    page = client.get(f"/requests/{request_id}")
    assert page.status_code == 200 and request_id in text(page)


def test_steps_sent_at_once_share_their_calls_and_a_refused_one_fails_alone(
        app: Flask, server: Server, wb: Workbook) -> None:
    """Six people send a step at the same moment: the first is written alone, the five that
    gathered meanwhile together, each on its own row with its own audit row; the one whose
    row changed is refused and the others land."""
    from records import store
    from sheets.errors import WriteConflict

    wb.append_many(R, [{"id": f"R-2026-{i:05d}", "beneficiary_id": "B-1", "service": "سلة غذائية",
                        "channel": "المقابلة", "status": "جديد", "submitted_on": "2026-11-01"}
                       for i in range(6)])
    wb.read(R, fresh=True)
    server.api.reset()
    server.api.latency = 0.3  # the first batch is still on its way when the others arrive
    outcome: dict[int, str] = {}

    def step(i: int) -> None:
        with app.app_context():
            try:
                store.update(wb, schema.REQUESTS, f"R-2026-{i:05d}",
                             {"status": "لدى الباحث", "researcher": f"باحث {i}"}, f"موظف {i}",
                             "إحالة", expect={"status": "مغلق" if i == 3 else "جديد"})
                outcome[i] = "saved"
            except WriteConflict:
                outcome[i] = "refused"

    first_then_others([threading.Thread(target=step, args=(i,)) for i in range(6)],
                      lambda: time.sleep(0.1))
    server.api.latency = 0.0
    assert outcome == {0: "saved", 1: "saved", 2: "saved", 3: "refused", 4: "saved", 5: "saved"}
    assert server.api.calls["spreadsheets.batchUpdate"] == 2
    assert server.api.calls["spreadsheets.values.batchGet"] == 2
    rows = {r[0]: r for r in sheet_values(wb, R)[1:] if r}
    for i in (0, 1, 2, 4, 5):
        assert "لدى الباحث" in rows[f"R-2026-{i:05d}"] and f"باحث {i}" in rows[f"R-2026-{i:05d}"]
    assert "جديد" in rows["R-2026-00003"] and "باحث 3" not in rows["R-2026-00003"]
    audit = [r for r in sheet_values(wb, AUDIT)[1:] if "إحالة" in r]
    assert sorted(r[1] for r in audit) == [f"موظف {i}" for i in (0, 1, 2, 4, 5)]
    assert all(f"R-2026-0000{r[1][-1]}" in r for r in audit)  # each by its own author


@pytest.mark.parametrize("when", ["spreadsheets.values.batchGet", "spreadsheets.batchUpdate"])
def test_a_sort_while_steps_are_written_together_sends_none_to_another_row(
        app: Flask, server: Server, wb: Workbook, when: str) -> None:
    """A volunteer sorts the tab just before the shared read, or between it and the shared
    write: every step still lands on its own request's row, and no other row changes."""
    from records import store

    wb.append_many(R, [{"id": f"R-2026-{i:05d}", "beneficiary_id": f"B-{i}",
                        "service": "سلة غذائية", "channel": "المقابلة", "status": "جديد",
                        "submitted_on": f"2026-11-{1 + i:02d}"} for i in range(8)])
    wb.read(R, fresh=True)
    sid = wb.sheet_id(R)
    server.api.reset()
    server.api.before(when, lambda: server.gspread_client().open_by_key(wb.sh.id).batch_update(
        {"requests": [{"sortRange": {"range": {"sheetId": sid, "startRowIndex": 1},
                                     "sortSpecs": [{"dimensionIndex": 0,
                                                    "sortOrder": "DESCENDING"}]}}]}), nth=2)
    server.api.latency = 0.3

    def step(i: int) -> None:
        with app.app_context():
            store.update(wb, schema.REQUESTS, f"R-2026-{i:05d}",
                         {"status": "لدى الباحث", "researcher": f"باحث {i}"}, f"موظف {i}",
                         "إحالة", expect={"status": "جديد"})

    first_then_others([threading.Thread(target=step, args=(i,)) for i in (0, 2, 4, 6)],
                      lambda: time.sleep(0.1))
    server.api.latency = 0.0
    rows = {r[0]: r for r in sheet_values(wb, R)[1:] if r}
    for i in range(8):
        row = rows[f"R-2026-{i:05d}"]
        mine = [c for c in row if c.startswith("باحث")]
        assert mine == ([f"باحث {i}"] if i % 2 == 0 else []), (i, row)
        assert ("لدى الباحث" in row) == (i % 2 == 0)


def test_a_block_pasted_in_the_grid_costs_two_sheets_calls(
        client: FlaskClient, server: Server, wb: Workbook) -> None:
    """Three rows by three cells: one narrow read and one batch, an audit row per row."""
    auth = AuthActions(client)
    auth.login("reception")
    for n, nid in enumerate(("1000000008", "1000000016", "1000000024")):
        register(client, national_id=nid, mobile=f"055123456{n}", full_name=f"اسم {n}")
    wb.invalidate()
    rows = wb.table(B).records
    client.get(f"/sheet/{B}/data")  # the page the person pasted into
    server.api.reset()
    edits = [{"id": r["id"], "field": field, "value": f"{field} {n}", "seen": r.get(field, "")}
             for n, r in enumerate(rows) for field in ("city", "district", "address")]
    results = client.post(f"/sheet/{B}/cell", json={"edits": edits}).get_json()["results"]
    assert [r["ok"] for r in results] == [True] * 9
    assert sheets_calls(server) == {"spreadsheets.values.batchGet": 1,
                                    "spreadsheets.batchUpdate": 1}
    wb.invalidate()
    assert [wb.table(B).get(r["id"])["district"] for r in rows] == [
        "district 0", "district 1", "district 2"]
    logged = [r for r in sheet_values(wb, AUDIT)[1:] if r[2] == "تعديل من الجدول"]
    assert sorted(r[4] for r in logged) == sorted(r["id"] for r in rows)
