"""When the workbook cannot be reached: pages show the last read, and no typed input is lost."""
from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from records import surveys
from sheets import Workbook, schema
from sheets.errors import WorkbookUnavailable
from sync import job
from tests.conftest import TODAY, AuthActions, Server
from tests.helpers import COMMITTEE, text
from tests.test_surveys import answer, invitation, link, served

B, R = schema.BENEFICIARIES.name, schema.REQUESTS.name
OUTAGE = "تعذر الوصول إلى ملف البيانات منذ الساعة"
KEPT = "ما أدخلته باقٍ في النموذج أدناه"


def at_committee(wb: Workbook) -> None:
    wb.append(B, {"id": "B-1", "full_name": "هيا الشمري", "national_id": "1000000008",
                  "mobile": "+966551234567", "registered_on": "2026-01-01"})
    wb.append(R, {"id": "R-1", "beneficiary_id": "B-1", "service": "سلة غذائية",
                  "channel": "المقابلة", "submitted_on": "2026-11-10",
                  "completed_on": "2026-11-10", "status": "لدى اللجنة"})


def test_reads_fall_back_to_the_last_good_read_and_retry_once_per_ttl(
        wb: Workbook, server: Server) -> None:
    at_committee(wb)
    now = [1000.0]
    wb.ttl, wb.clock = 60.0, lambda: now[0]
    wb.changes = None  # Drive down too: nothing says the workbook is unchanged
    wb.invalidate()
    assert wb.table(R).get("R-1")["status"] == "لدى اللجنة"
    never = Workbook(wb.sh, ttl=60.0, clock=lambda: now[0])
    server.api.inject(503, times=1000)
    try:
        never.read(B, R)  # a process that never read B: nothing to fall back to
        raise AssertionError("expected WorkbookUnavailable")
    except WorkbookUnavailable:
        pass
    now[0] += 61
    server.api.reset()
    server.api.inject(503, times=1000)
    assert wb.read(R)[R].get("R-1")["status"] == "لدى اللجنة"
    assert wb.offline_since is not None
    tried = server.api.total_calls()
    now[0] += 30
    wb.read(R)
    assert server.api.total_calls() == tried  # no retry storm on every page
    now[0] += 31
    server.api.reset()
    wb.read(R)
    assert wb.offline_since is None and server.api.total_calls() == 1
    wb.invalidate(R)  # a write made it stale, then the workbook went away: pages still show it
    server.api.inject(503, times=1000)
    assert wb.read(R)[R].get("R-1")["status"] == "لدى اللجنة"


def test_a_decision_in_an_outage_keeps_what_was_typed(
        client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server) -> None:
    at_committee(wb)
    auth.login("committee")
    assert client.get("/requests/R-1/decide").status_code == 200
    wb.ttl = 0.0  # every read goes to the server, so the pages below meet the outage
    server.api.inject(503, times=1000)
    reason = "الدخل يتجاوز حد الاستحقاق في لائحة الجمعية"
    page = text(client.post("/requests/R-1/decide", data={
        "decision": "مرفوض", "decision_reason": reason, "decided_on": "2026-11-22", **COMMITTEE}))
    assert KEPT in page and reason in page and OUTAGE in page
    server.api.reset()
    response = client.post("/requests/R-1/decide", data={
        "decision": "مرفوض", "decision_reason": reason, "decided_on": "2026-11-22", **COMMITTEE})
    assert response.status_code == 302
    wb.invalidate()
    row = wb.table(R).get("R-1")
    assert (row["status"], row["decision_reason"]) == ("مرفوض", reason)
    assert OUTAGE not in text(client.get("/requests/R-1"))


def test_a_reply_in_an_outage_keeps_what_was_typed(
        client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server) -> None:
    wb.append(schema.INQUIRIES.name, {"id": "Q-1", "type": "استفسار", "channel": "المقابلة",
                                      "name": "سالم", "subject": "موعد التوزيع",
                                      "received_on": "2026-11-22", "status": "مفتوح"})
    auth.login()
    client.get("/inquiries/Q-1")
    server.api.inject(503, times=1000)
    page = text(client.post("/inquiries/Q-1", data={"r-reply": "التوزيع يوم الأحد",
                                                    "r-submit": "حفظ"}))
    assert KEPT in page and "التوزيع يوم الأحد" in page


def test_a_survey_answer_in_an_outage_keeps_the_ratings(
        app: Flask, client: FlaskClient, wb: Workbook, server: Server) -> None:
    served(wb)
    job.run(wb, TODAY)
    url = link(app, invitation(wb)["id"])
    client.get(url)
    server.api.inject(503, times=1000)
    page = text(answer(client, url, comment="الموظفة كانت لطيفة"))
    assert KEPT in page and "الموظفة كانت لطيفة" in page
    checked = [tag for tag in re.findall(r"<input[^>]*>", page)
               if 'name="q_overall"' in tag and "checked" in tag]
    assert len(checked) == 1 and 'value="5"' in checked[0]
    assert OUTAGE not in page  # staff wording is not for the person answering
    server.api.reset()
    assert "شكرًا لك" in text(answer(client, url))
    assert invitation(wb)["status"] == surveys.DONE
