"""Survey links: random and opaque, kept as a hash, open at once after service, anonymous."""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from records import surveys
from sheets import Workbook, schema
from sync import job
from tests.conftest import TODAY, AuthActions, Server, calls
from tests.helpers import text
from tests.test_surveys import answer, invitation, link, served

R, S, A, B = schema.REQUESTS.name, schema.SURVEYS.name, schema.AUDIT.name, \
    schema.BENEFICIARIES.name
TOKEN = re.compile(r"/s/([A-Za-z0-9_\-]{24})(?![A-Za-z0-9_\-])")  # a token may end in "-"


def registered(wb: Workbook, rid: str = "R-1") -> None:
    """A request the committee accepted and reception registered: next comes the service."""
    wb.append(B, {"id": "B-1", "full_name": "هيا الشمري", "national_id": "1000000008",
                  "mobile": "+966551234567", "city": "القريات", "registered_on": "2026-01-01"})
    wb.append(R, {"id": rid, "beneficiary_id": "B-1", "service": "سلة غذائية",
                  "channel": "المقابلة", "submitted_on": "2026-11-01",
                  "completed_on": "2026-11-01", "status": "مسجل", "decision": "مقبول",
                  "decided_on": "2026-11-10", "registered_on": "2026-11-12", "researcher": "س"})


def serve(client: FlaskClient, rid: str = "R-1") -> Any:
    return client.post(f"/requests/{rid}/serve", data={
        "service_given": "سلة غذائية", "served_on": "2026-11-20", "served_by": "نورة",
        "amount": "سلة"})


def token_on(page: str) -> str:
    found = TOKEN.search(page)
    assert found, "the survey link is on the page"
    return found.group(1)


def audit_text(wb: Workbook) -> str:
    wb.invalidate()
    return "\n".join(" ".join(r.values()) for r in wb.full(A).records)


def test_the_handover_opens_right_after_service_without_a_sync(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    registered(wb)
    auth.login("reception")
    response = serve(client)
    assert response.headers["Location"] == "/requests/R-1/survey"
    page = text(client.get("/requests/R-1/survey"))
    token = token_on(page)
    assert "https://wa.me/966551234567?text=" in page and "<svg" in page
    row = invitation(wb)
    assert (row["request_id"], row["status"], row["expires_on"]) == \
        ("R-1", "مرسلة", "2026-12-22")
    assert wb.table(R).get("R-1")["survey_sent"] == TODAY.isoformat()
    # The page reloaded still shows the link this desk was handed; the receipt prints it.
    assert token_on(text(client.get("/requests/R-1/survey"))) == token
    assert "امسح الرمز" in text(client.get("/requests/R-1/receipt"))
    result = job.run(wb, TODAY)  # dated in the step's own write: no second invitation
    wb.invalidate()
    assert result.invited == [] and len(wb.table(S).records) == 1
    assert text(client.get(f"/s/{token}")).count("رأيك يهمنا") == 1


def test_the_token_is_random_and_the_sheet_keeps_only_its_hash(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    registered(wb)
    auth.login("reception")
    serve(client)
    token = token_on(text(client.get("/requests/R-1/survey")))
    row = invitation(wb)
    sid = row["id"]
    readings = [token.encode()]
    for start in range(4):  # every alignment, with the padding base64 wants
        part = token[start:]
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                readings.append(decode(part + "=" * (-len(part) % 4)))
            except (binascii.Error, ValueError):
                pass
    for reading in readings:
        for form in (sid, sid.replace("-", ""), "R-1", "B-1"):
            assert form.encode() not in reading
    assert row[surveys.HASH] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in " ".join(row.values()) and token not in audit_text(wb)
    other = surveys.new_token()
    assert other != token and len(other) == 24


def test_an_anonymous_answer_leaves_nothing_that_names_the_person(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    registered(wb)
    auth.login("reception")
    serve(client)
    token = token_on(text(client.get("/requests/R-1/survey")))
    sent = invitation(wb)
    auth.logout()
    page = text(answer(client, f"/s/{token}", anonymous="y"))
    assert "حُفظت إجابتك دون اسمك" in page
    wb.invalidate()
    rows = wb.table(S).records
    assert len(rows) == 1
    row = rows[0]
    assert (row["request_id"], row["beneficiary_id"], row[surveys.HASH]) == ("", "", "")
    assert (row["service"], row["service_month"], row["q_overall"], row["anonymous"]) == \
        ("سلة غذائية", "2026-11", "5", "نعم")
    # A new number: the invitation's own is named beside R-1 in the audit of its making.
    assert row["id"] != sent["id"] and row["id"].startswith("S-")
    cells = " ".join(row.values())
    for trace in ("R-1", "B-1", sent["id"], sent[surveys.HASH], token, "هيا"):
        assert trace not in cells
    trail = [r for r in wb.full(A).records if row["id"] in " ".join(r.values())]
    assert [r["action"] for r in trail] == ["إجابة استبيان رضا"]
    told = " ".join(trail[0].values())
    for trace in ("R-1", "B-1", sent["id"], sent[surveys.HASH]):
        assert trace not in told
    again = client.get(f"/s/{token}")  # nothing ties the link to its answer any more
    assert again.status_code == 404 and "دون ذكر اسمك فقد وصلتنا إجابتك" in text(again)
    auth.login("reception")
    handover = client.get("/requests/R-1/survey")
    assert handover.status_code == 404 and "لا توجد دعوة مفتوحة" in text(handover)
    assert job.run(wb, TODAY).invited == []  # the request keeps its date: never re-invited


def test_a_named_answer_keeps_its_request(client: FlaskClient, auth: AuthActions,
                                          wb: Workbook) -> None:
    registered(wb)
    auth.login("reception")
    serve(client)
    token = token_on(text(client.get("/requests/R-1/survey")))
    sid = invitation(wb)["id"]
    answer(client, f"/s/{token}")
    row = invitation(wb)
    assert (row["id"], row["request_id"], row["beneficiary_id"], row["status"]) == \
        (sid, "R-1", "B-1", "مكتملة")
    again = client.get(f"/s/{token}")
    assert again.status_code == 410 and "وصلتنا إجابتك" in text(again)


def test_an_old_signed_link_still_opens_until_it_expires(app: Flask, client: FlaskClient,
                                                         wb: Workbook) -> None:
    served(wb)
    job.run(wb, TODAY)  # an invitation as the sync made them before: no hash
    row = invitation(wb)
    assert not row.get(surveys.HASH)
    old = link(app, row["id"])
    assert base64.urlsafe_b64decode(old[3:].split(".")[0] + "==") == b'"' + \
        row["id"].encode() + b'"'  # what the old form gave away
    assert "رأيك يهمنا" in text(client.get(old))
    wb.update(S, row["id"], {"expires_on": "2026-11-21"})
    expired = client.get(old)
    assert expired.status_code == 410 and "انتهت صلاحية الرابط" in text(expired)
    wb.update(S, row["id"], {"expires_on": "2026-12-22"})
    assert "شكرًا لك" in text(answer(client, old))
    assert invitation(wb)["status"] == "مكتملة"


def test_a_new_link_voids_the_one_before(app: Flask, client: FlaskClient, auth: AuthActions,
                                         wb: Workbook) -> None:
    served(wb)
    job.run(wb, TODAY)
    sid = invitation(wb)["id"]
    old = link(app, sid)
    auth.login("reception")
    page = text(client.get("/requests/R-1/survey"))
    assert "/s/" not in page and "لم يُنشأ رابط لهذه الدعوة بعد" in page
    first = token_on(text(client.post("/requests/R-1/survey", follow_redirects=True)))
    fresh = client.application.test_client()  # another desk: the link is not shown again
    AuthActions(fresh).login("reception")
    page = text(fresh.get("/requests/R-1/survey"))
    assert "/s/" not in page and "لا يُحفظ من رابط الاستبيان إلا بصمته" in page
    second = token_on(text(fresh.post("/requests/R-1/survey", follow_redirects=True)))
    assert second != first
    assert client.get(f"/s/{first}").status_code == 404
    assert client.get(old).status_code == 404  # the signed form too, once a new link exists
    assert "رأيك يهمنا" in text(client.get(f"/s/{second}"))
    wb.invalidate()
    trail = [r for r in wb.full(A).records if r["record_id"] == sid]
    assert [r["action"] for r in trail] == ["رابط استبيان جديد"] * 2
    assert len(wb.table(S).records) == 1


def test_the_sync_invites_a_request_served_by_hand_exactly_once(wb: Workbook) -> None:
    served(wb)  # a volunteer typed تم تقديم الخدمة in the sheet
    wb.append(R, {"id": "R-2", "beneficiary_id": "B-1", "service": "سلة غذائية",
                  "channel": "المقابلة", "submitted_on": "2026-11-01", "status": "تم تقديم الخدمة",
                  "decision": "مقبول", "researcher": "س", "served_on": "2026-11-20"})
    wb.append(S, {"id": "S-2611-AAAAA", "request_id": "R-2", "beneficiary_id": "B-1",
                  "service": "سلة غذائية", "service_month": "2026-11",
                  "invited_on": "2026-11-20", "expires_on": "2026-12-20", "status": "مرسلة"})
    # R-2's date was cleared by hand, but its invitation is there: no second one.
    assert job.run(wb, TODAY).invited == ["R-1"]
    assert job.run(wb, TODAY).invited == []
    wb.invalidate()
    assert sorted(r["request_id"] for r in wb.table(S).records) == ["R-1", "R-2"]


def test_a_forged_link_costs_no_read(client: FlaskClient, wb: Workbook, server: Server) -> None:
    client.get("/s/" + "A" * 24)  # a well-formed one is looked up (the snapshot is read)
    server.api.reset()
    for bad in ("/s/" + "A" * 23, "/s/" + "A" * 25, "/s/abc.def", "/s/IlMtMjYxMS1UTThRUyI"):
        response = client.get(bad)
        assert response.status_code == 404 and "الرابط غير صحيح" in text(response)
    assert calls(server) == 0, dict(server.api.calls)


def test_an_invitation_kept_through_an_outage_opens_once_written(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server) -> None:
    registered(wb)
    auth.login("reception")
    # The step lands; the invitation's write, right after it, meets an outage.
    server.api.before("spreadsheets.batchUpdate", lambda: server.api.inject(
        503, times=1000, methods=["spreadsheets.batchUpdate"]), nth=2)
    serve(client)
    wb.invalidate()
    assert wb.table(R).get("R-1")["status"] == "تم تقديم الخدمة"
    assert wb.table(S).records == []
    page = text(client.get("/requests/R-1/survey"))
    token = token_on(page)
    assert "الدعوة محفوظة محليًا حتى يعود الاتصال" in page
    assert client.get(f"/s/{token}").status_code == 404
    server.api.reset()
    assert app.test_cli_runner().invoke(args=["journal"]).exit_code == 0
    assert job.run(wb, TODAY).invited == []
    wb.invalidate()
    assert [r["request_id"] for r in wb.table(S).records] == ["R-1"]
    assert "رأيك يهمنا" in text(client.get(f"/s/{token}"))


def test_a_workbook_without_the_hash_column_leaves_the_invitation_to_the_sync(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    registered(wb)
    ws = wb.sh.worksheet(S)
    col = ws.row_values(1).index(schema.SURVEYS.column(surveys.HASH).header) + 1
    ws.update_cell(1, col, "")  # an older workbook, before init-sheets added the column
    wb.invalidate()
    auth.login("reception")
    assert serve(client).headers["Location"] == "/requests/R-1"
    wb.invalidate()
    assert wb.table(R).get("R-1")["survey_sent"] == "" and wb.table(S).records == []
    assert job.run(wb, TODAY).invited == ["R-1"]
    response = client.post("/requests/R-1/survey", follow_redirects=True)
    assert "ينقصه عمود «بصمة الرابط»" in text(response) and "/s/" not in text(response)
