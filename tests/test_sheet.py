"""The sheet grid's data and edits (issue 16): what each role sees in the JSON, edits written
by ID with what the person saw, refused when the cell changed, new rows and columns."""
from __future__ import annotations

import json
import re
from typing import Any

from flask.testing import FlaskClient

from sheets import Workbook, schema
from sync import job
from tests.conftest import TODAY, AuthActions, sheet_values
from tests.helpers import file_number, intake, latest_request, register

B = schema.BENEFICIARIES.name


def data(client: FlaskClient, tab: str = B, **params: str) -> Any:
    response = client.get(f"/sheet/{tab}/data", query_string=params)
    assert response.status_code == 200
    return response.get_json()


def edit(client: FlaskClient, rid: str, field: str, value: str, seen: str, tab: str = B) -> Any:
    return client.post(f"/sheet/{tab}/cell", json={"id": rid, "field": field, "value": value,
                                                    "seen": seen})


def test_a_volunteer_sees_no_national_id_even_in_the_json(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    register(client)
    auth.logout()
    auth.login("volunteer")
    assert client.get("/").headers["Location"].endswith("/sheet/")
    got = data(client)
    row = got["data"][0]
    assert row["full_name"] and "national_id" not in row and "health_status" not in row
    raw = client.get(f"/sheet/{B}/data").get_data(as_text=True)
    assert "1000000008" not in raw
    assert client.get(f"/sheet/{schema.AUDIT.name}/data").status_code == 404
    assert client.get("/beneficiaries").status_code == 403  # staff pages are not theirs
    assert edit(client, row["_id"], "national_id", "1000000016", "").status_code == 403
    auth.logout()
    auth.login("reception")
    assert data(client)["data"][0]["national_id"] == "1000000008"


def test_an_edit_lands_by_id_with_its_audit_row_and_a_stale_one_is_refused(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    register(client)
    bid = file_number(wb)
    auth.logout()
    auth.login("volunteer")
    response = edit(client, bid, "mobile", "0559998887", "+966551234567")
    assert response.get_json() == {"ok": True, "value": "+966559998887"}
    wb.invalidate()
    assert wb.table(B).get(bid)["mobile"] == "+966559998887"
    audit = sheet_values(wb, schema.AUDIT.name)[-1]
    assert audit[1] == "خالد المتطوع" and audit[2] == "تعديل من الجدول" and bid in audit
    stale = edit(client, bid, "mobile", "0551110000", "+966551234567")  # saw the old value
    assert stale.status_code == 409 and stale.get_json()["current"] == "+966559998887"
    wb.invalidate()
    assert wb.table(B).get(bid)["mobile"] == "+966559998887"
    bad = edit(client, bid, "mobile", "12345", "+966559998887")
    assert bad.status_code == 400 and "الجوال" in bad.get_json()["message"]
    assert edit(client, bid, "id", "B-x", bid).status_code == 403  # the key is read-only
    block = client.post(f"/sheet/{B}/cell", json={"edits": [
        {"id": bid, "field": "city", "value": "تبوك", "seen": "القريات"},
        {"id": bid, "field": "district", "value": "الروضة", "seen": ""},
        {"id": bid, "field": "alerts", "value": "x", "seen": ""}]}).get_json()["results"]
    assert [r["ok"] for r in block] == [True, True, False]
    wrong = edit(client, bid, "gender", "رجل", "ذكر").get_json()  # the choices are listed
    assert not wrong["ok"] and "الخيارات: ذكر، أنثى" in wrong["message"]


def test_sort_filter_and_pages(client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    for n, (nid, city) in enumerate((("1000000008", "تبوك"), ("1000000016", "القريات"),
                                     ("1000000024", "أبها"))):
        register(client, national_id=nid, mobile=f"055123456{n}", city=city,
                 full_name=f"اسم {n}")
    got = data(client, sort="city", dir="asc", size="2", page="1")
    assert got["last_page"] == 2 and got["last_row"] == 3
    assert [r["city"] for r in got["data"]] == ["أبها", "القريات"]
    got = data(client, **{"filter[0][field]": "city", "filter[0][type]": "like",
                          "filter[0][value]": "ابها"})  # أ typed as ا
    assert [r["city"] for r in got["data"]] == ["أبها"]


def test_a_row_and_a_column_of_ones_own(client: FlaskClient, auth: AuthActions,
                                        wb: Workbook) -> None:
    auth.login("volunteer")
    refused = client.post(f"/sheet/{B}/row", json={"values": {"full_name": "اسم وحده"}})
    assert refused.status_code == 400 and "رقم الهوية" in refused.get_json()["message"]
    added = client.post(f"/sheet/{B}/row", json={"values": {
        "full_name": "مراجع جديد", "city": "تبوك", "mobile": "0551112223",
        "national_id": "1000000024", "id_expiry": "2028-01-01",
        "health_status": "سكري"}}).get_json()  # a hidden column is not taken from them
    assert added["ok"] and added["id"].startswith("B-")
    wb.invalidate()
    row = wb.table(B).get(added["id"])
    assert row["mobile"] == "+966551112223" and row["health_status"] == ""
    assert client.post(f"/sheet/{B}/column", json={"title": "ملاحظات المتطوعين"}
                       ).get_json()["ok"]
    header = sheet_values(wb, B)[0]
    assert "ملاحظات المتطوعين" in header
    again = client.post(f"/sheet/{B}/column", json={"title": "ملاحظات المتطوعين"})
    assert again.status_code == 400
    field = next(c for c in grid_columns(client) if c["title"] == "ملاحظات المتطوعين")
    assert field["editable"] and field["own"]
    typed = edit(client, added["id"], field["field"], "اتصل بعد العصر", "").get_json()
    assert typed == {"ok": True, "value": "اتصل بعد العصر"}
    row_now = next(r for r in sheet_values(wb, B) if r[0] == added["id"])
    assert row_now[header.index("ملاحظات المتطوعين")] == "اتصل بعد العصر"
    assert sheet_values(wb, schema.AUDIT.name)[-1][-1] == \
        "ملاحظات المتطوعين: — → اتصل بعد العصر"
    stale = edit(client, added["id"], field["field"], "صباحًا", "")
    assert stale.status_code == 409 and stale.get_json()["current"] == "اتصل بعد العصر"
    shown = next(r for r in data(client)["data"] if r["_id"] == added["id"])
    assert shown[field["field"]] == "اتصل بعد العصر"
    second = client.post(f"/sheet/{B}/row", json={"values": {
        "full_name": "مراجع آخر", "city": "تبوك", "mobile": "0551112224",
        "national_id": "1000000032", "id_expiry": "2028-01-01",
        field["field"]: "يفضّل الواتساب"}}).get_json()
    assert second["ok"] and second["row"][field["field"]] == "يفضّل الواتساب"
    row_now = next(r for r in sheet_values(wb, B) if r[0] == second["id"])
    assert row_now[header.index("ملاحظات المتطوعين")] == "يفضّل الواتساب"


def grid_columns(client: FlaskClient) -> list[dict[str, Any]]:
    """The columns the grid page hands to the browser."""
    page = client.get(f"/sheet/{B}").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="sheet-config">(.*?)</script>', page,
                      re.DOTALL)
    assert found, "the grid page carries its configuration"
    return json.loads(found.group(1))["columns"]


def test_a_volunteers_new_row_with_the_walk_ins_id_is_accepted_by_the_sync(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    """The ID is typed once when the row is added (the sync needs it) and never shown back."""
    auth.login("volunteer")
    page = client.get(f"/sheet/{B}").get_data(as_text=True)
    assert '"entry": [{' in page and "رقم الهوية" in page  # offered in the new-row form only
    added = client.post(f"/sheet/{B}/row", json={"values": {
        "full_name": "مراجعة جديدة", "city": "تبوك", "mobile": "0551112223",
        "national_id": "1000000016", "id_expiry": "2028-01-01"}}).get_json()
    assert added["ok"] and "national_id" not in added["row"]
    job.run(wb, TODAY)
    listed = [p for p in sheet_values(wb, schema.PROBLEMS.name)[1:] if added["id"] in p]
    assert listed == []
    wb.invalidate()
    assert wb.table(B).get(added["id"])["national_id"] == "1000000016"
    assert "1000000016" not in client.get(f"/sheet/{B}/data").get_data(as_text=True)


def test_a_requests_steps_are_not_taken_in_the_grid(client: FlaskClient, auth: AuthActions,
                                                    wb: Workbook) -> None:
    """«الحالة» and the steps' cells are the request page's (its status rule, its roles)."""
    auth.login()
    register(client)
    intake(client, file_number(wb))
    rid = latest_request(wb)["id"]
    for role in ("volunteer", "manager"):
        auth.logout()
        auth.login(role)
        refused = edit(client, rid, "status", "مسجل", "جديد", tab=schema.REQUESTS.name)
        assert refused.status_code == 403
    assert edit(client, rid, "channel", "الاتصالات الهاتفية", "المقابلة",
                tab=schema.REQUESTS.name).get_json()["ok"]
    wb.invalidate()
    assert latest_request(wb)["status"] == "جديد"


def test_a_column_added_leaves_its_audit_row(client: FlaskClient, auth: AuthActions,
                                             wb: Workbook) -> None:
    auth.login("volunteer")
    assert client.post(f"/sheet/{B}/column", json={"title": "موعد الزيارة"}).get_json()["ok"]
    last = sheet_values(wb, schema.AUDIT.name)[-1]
    assert last[1:3] == ["خالد المتطوع", "إضافة عمود من الجدول"] and "موعد الزيارة" in last[-1]


def test_a_new_row_with_an_id_already_on_file_is_refused(client: FlaskClient,
                                                        auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    register(client)  # 1000000008
    auth.logout()
    auth.login("volunteer")
    again = client.post(f"/sheet/{B}/row", json={"values": {
        "full_name": "مكرر", "city": "تبوك", "mobile": "0551112223",
        "national_id": "1000000008"}})
    assert again.status_code == 400 and "لهذا الرقم ملف مسجل" in again.get_json()["message"]
    wb.invalidate()
    assert len(wb.table(B).records) == 1


def test_a_volunteer_is_told_of_a_problem_in_a_column_hidden_from_them(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    """A wrong national ID in a walk-in's row: marked on the row's number, by the column's
    name, with no ID shown."""
    auth.login("volunteer")
    added = client.post(f"/sheet/{B}/row", json={"values": {
        "full_name": "مراجع", "city": "تبوك", "mobile": "0551112223",
        "national_id": "1000000016", "id_expiry": "2028-01-01"}}).get_json()
    header = sheet_values(wb, B)[0]
    row = next(n for n, r in enumerate(sheet_values(wb, B), start=1) if r[0] == added["id"])
    wb.write_cells([{"range": f"'{B}'!{chr(65 + header.index('رقم الهوية'))}{row}",
                     "values": [["1000000017"]]}])  # a slip of the hand at the sheet
    job.run(wb, TODAY)
    wb.invalidate()
    shown = next(r for r in data(client)["data"] if r["_id"] == added["id"])
    assert "«رقم الهوية»" in shown["_problems"]["_row"]
    assert "1000000017" not in client.get(f"/sheet/{B}/data").get_data(as_text=True)
    assert added["row"]["_row"] == row  # the new row's place in the sheet, from the start


def test_blank_cells_sort_last_and_amounts_as_numbers(client: FlaskClient, auth: AuthActions,
                                                     wb: Workbook) -> None:
    auth.login()
    for n, district in enumerate(("الروضة", "", "العزيزية")):
        register(client, national_id=("1000000008", "1000000016", "1000000024")[n],
                 mobile=f"055123456{n}", district=district, full_name=f"اسم {n}")
    for way in ("asc", "desc"):
        got = [r["district"] for r in data(client, sort="district", dir=way)["data"]]
        assert got[-1] == "" and got[0] == ("الروضة" if way == "asc" else "العزيزية")
    config = grid_columns(client)
    assert next(c for c in config if c["field"] == "gender")["choices"] == ["ذكر", "أنثى"]
    assert next(c for c in config if c["field"] == "full_name")["required"]
    assert not next(c for c in config if c["field"] == "id")["required"]


def test_members_and_contacts_are_the_front_desks_in_the_grid(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    """As on their pages: a researcher does not open them; a member's status is changed on
    the member's page; the contacts made are the outreach page's record."""
    M, T = schema.MEMBERS.name, schema.CONTACTS.name
    wb.append_many(M, [{"id": "M-1", "full_name": "عضو أول", "national_id": "1000000008",
                        "mobile": "+966551234567", "type": "عضو عامل",
                        "joined_on": "2025-01-01", "status": "نشط"}])
    for role in ("researcher", "committee", "volunteer"):
        auth.login(role)
        assert client.get(f"/sheet/{M}").status_code == 404
        assert client.get(f"/sheet/{T}/data").status_code == 404
        auth.logout()
    auth.login("reception")
    assert data(client, M)["data"][0]["full_name"] == "عضو أول"
    assert edit(client, "M-1", "full_name", "x", "عضو أول", tab=M).status_code == 403
    auth.logout()
    auth.login("manager")
    assert edit(client, "M-1", "status", "منسحب", "نشط", tab=M).status_code == 403
    assert edit(client, "M-1", "notes", "يحضر الجمعية", "", tab=M).get_json()["ok"]
    assert client.post(f"/sheet/{M}/row", json={"values": {"full_name": "y"}}
                       ).status_code == 403
    assert client.post(f"/sheet/{T}/cell", json={"id": "T-1", "field": "notes", "value": "x",
                                                 "seen": ""}).status_code == 403


def test_the_new_row_rule_speaks_the_associations_word(client: FlaskClient,
                                                       auth: AuthActions, wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "beneficiary_word", {"value": "مستخدم"})
    auth.login("volunteer")
    page = client.get(f"/sheet/{B}").get_data(as_text=True)
    assert "(للمستخدم أو لولي أمره أو معرّفه)" in page and "للمستفيد" not in page
