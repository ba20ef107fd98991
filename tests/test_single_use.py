"""Single-use means single-use under concurrency; a registration in an outage is journaled."""
from __future__ import annotations

import html
import re
import threading

from flask import Flask
from flask.testing import FlaskClient

import workflow
from records import requests as reqs
from records import surveys
from records.store import journal
from sheets import Workbook, schema
from sheets.errors import WriteConflict
from sync import job
from tests.conftest import TODAY, AuthActions, Server, sheet_values
from tests.helpers import COMMITTEE, PERSON, register, text
from tests.test_outage import at_committee
from tests.test_surveys import invitation, link, served

R, S, A, B = schema.REQUESTS.name, schema.SURVEYS.name, schema.AUDIT.name, schema.BENEFICIARIES.name


def test_eight_answers_to_one_link_at_once_keep_exactly_one(app: Flask, wb: Workbook) -> None:
    served(wb)
    job.run(wb, TODAY)
    url = link(app, invitation(wb)["id"])
    start = threading.Barrier(8)
    pages: dict[int, tuple[int, str]] = {}

    def answer(i: int) -> None:
        client = app.test_client()
        data = {k: str(1 + i % 5) for k in ("q_reception", "q_clarity", "q_speed", "q_staff",
                                               "q_overall")} | {"comment": f"إجابة {i}"}
        start.wait()
        got = client.post(url, data=data)
        pages[i] = (got.status_code, text(got))

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    thanked = [i for i, (code, page) in pages.items() if code == 200 and "شكرًا لك" in page]
    refused = [i for i, (code, _) in pages.items() if code == 410]
    assert len(thanked) == 1 and len(refused) == 7, pages
    row = invitation(wb)
    assert row["comment"] == f"إجابة {thanked[0]}" and row["status"] == "مكتملة"


def test_a_second_click_in_the_same_process_is_refused_before_writing(
        client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server) -> None:
    at_committee(wb)
    auth.login("committee")
    data = {"decision": "مقبول", "decision_reason": "", "decided_on": "2026-11-22", **COMMITTEE}
    assert client.post("/requests/R-1/decide", data=data).status_code == 302
    server.api.reset()
    again = client.post("/requests/R-1/decide", data=data | {"decision": "مرفوض",
                                                            "decision_reason": "تكرار"})
    assert again.status_code == 302 and server.api.calls["spreadsheets.batchUpdate"] == 0
    wb.invalidate()
    assert wb.table(R).get("R-1")["decision"] == "مقبول"


def test_a_decision_sent_from_two_processes_at_once_lands_once(
        client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server) -> None:
    at_committee(wb)
    auth.login("committee")

    other = Workbook(wb.sh)  # the other tab is served by another app process

    def other_tab_decides_first() -> None:
        reqs.step(other, "R-1", "decide", "manager", {"decision": "مقبول", "decision_reason": "",
                                                   "decided_on": "2026-11-22", **COMMITTEE}, "المدير",
                  target="مقبول")

    server.api.before("spreadsheets.batchUpdate", other_tab_decides_first)
    reason = "الدخل يتجاوز حد الاستحقاق"
    page = text(client.post("/requests/R-1/decide", data={
        "decision": "مرفوض", "decision_reason": reason, "decided_on": "2026-11-22", **COMMITTEE}))
    assert "تغيّر هذا السجل" in page and reason in page  # told, and what was typed is kept
    wb.invalidate()
    row = wb.table(R).get("R-1")
    assert (row["status"], row["decision"], row["decision_reason"]) == ("مقبول", "مقبول", "")
    audit = [r for r in sheet_values(wb, A)[1:] if r[4] == "R-1"]
    decisions = [r for r in audit if r[2] == workflow.ACTIONS["decide"].label]
    assert [r[1] for r in decisions] == ["المدير", "لجنة البحث"]
    assert any(r[2].startswith("تراجع") and "مرفوض → مقبول" in r[5] for r in audit)


def test_a_registration_after_a_write_in_an_outage_is_journaled_not_503(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook,
        server: Server) -> None:
    auth.login()
    register(client)  # a write: the tab's snapshot is stale now
    server.api.inject(503, times=1000)
    response = register(client, national_id="1000000016", mobile="0551234568", full_name="منى سالم")
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "محليًا" in page
    with app.test_request_context():
        waiting = journal().pending()
    assert [t for _, t, _ in waiting] == [B, A]  # the file and its audit row, together
    server.api.reset()
    with app.test_request_context():
        journal().replay(wb)
    names = [r[1] for r in sheet_values(wb, B)[1:]]
    assert names.count("منى سالم") == 1


def test_answers_from_separate_processes_at_once_keep_exactly_one(app: Flask,
                                                                  wb: Workbook) -> None:
    """No shared lock between processes: the pre-image catches each late writer, and undos
    taken last-in, first-out leave the first answer standing."""
    served(wb)
    job.run(wb, TODAY)
    survey = invitation(wb)
    for trial in range(3):
        start = threading.Barrier(6)
        outcome: dict[int, str] = {}

        def answer(i: int, trial: int = trial, start: threading.Barrier = start,
                   outcome: dict[int, str] = outcome) -> None:
            own = Workbook(wb.sh)  # each writer is its own process, with its own locks
            ratings = dict.fromkeys(surveys.QUESTION_KEYS, 1 + (i + trial) % 5)
            start.wait()
            try:
                surveys.answer(own, survey, ratings, f"إجابة {trial}-{i}", False, TODAY)
                outcome[i] = "accepted"
            except WriteConflict:
                outcome[i] = "refused"

        threads = [threading.Thread(target=answer, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        accepted = [i for i, o in outcome.items() if o == "accepted"]
        row = invitation(wb)
        if trial == 0:
            assert len(accepted) == 1, outcome
            assert row["comment"] == f"إجابة 0-{accepted[0]}"
            first = row["comment"]
        else:  # already answered: every later answer is refused and the first stands
            assert accepted == [], outcome
            assert row["comment"] == first


def test_a_request_made_by_another_process_opens_at_once(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    at_committee(wb)
    auth.login("committee")
    assert client.get("/requests/R-1").status_code == 200  # the snapshot is fresh now
    other = Workbook(wb.sh)  # another app process takes a new request
    other.append(R, {"id": "R-2", "beneficiary_id": "B-1", "service": "سلة غذائية",
                     "channel": "المقابلة", "submitted_on": "2026-11-22",
                     "completed_on": "2026-11-22", "status": "لدى اللجنة"})
    assert client.get("/requests/R-2").status_code == 200
    assert client.get("/requests/R-2/decide").status_code == 200
    assert client.get("/requests/R-404").status_code == 404


def test_updating_data_writes_only_what_the_person_changed(
        client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server) -> None:
    auth.login()
    register(client)
    wb.invalidate()
    bid = next(r["id"] for r in wb.table(B).records)
    page = client.get(f"/beneficiaries/{bid}/edit").get_data(as_text=True)
    shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', page)
    assert shown is not None
    notes = schema.BENEFICIARIES.keys.index("notes")
    wb.sh.values_update(f"'{B}'!{chr(65 + notes)}2", params={"valueInputOption": "RAW"},
                        body={"values": [["كتبها متطوع بعد فتح الصفحة"]]})
    data = {**PERSON, "city": "طريف", "shown": html.unescape(shown.group(1))}
    assert client.post(f"/beneficiaries/{bid}/edit", data=data).status_code == 302
    row = sheet_values(wb, B)[1]
    city = schema.BENEFICIARIES.keys.index("city")
    assert row[city] == "طريف" and row[notes] == "كتبها متطوع بعد فتح الصفحة"
