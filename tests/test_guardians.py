"""People who cannot hold their own file, and target groups (issue 14, Deliver 6): a child or a
prisoner registered with a guardian or family contact whose ID and mobile stand for theirs, the
family's files linked and shown together, services limited to groups, the dashboard by group."""
from __future__ import annotations

import re

import gspread
from flask.testing import FlaskClient

from sheets import Workbook, schema
from sync import job
from tests.conftest import AuthActions
from tests.helpers import PERSON, intake, latest_request, register, text
from tests.test_hand_edits import TODAY, problems_listed, typed, walk_in

B, SV = schema.BENEFICIARIES.name, schema.SERVICES.name
GUARDIAN = {"guardian_name": "سعد محمد الشمري", "guardian_national_id": "1000000016",
            "guardian_mobile": "0557654321", "guardian_relation": "أب"}
CHILD = {**PERSON, "full_name": "ريم سعد الشمري", "national_id": "", "id_expiry": "",
         "mobile": "", **GUARDIAN}


def cells_of(html: str) -> list[list[str]]:
    """The body rows of an HTML table, as the cells' text."""
    body = html[html.index("<tbody>"):]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL) for row in body.split("<tr")[1:]]


def files(wb: Workbook) -> dict[str, dict[str, str]]:
    wb.invalidate()
    return {r["full_name"]: dict(r) for r in wb.table(B).records}


def test_a_child_is_registered_on_the_guardians_id_and_mobile(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    response = register(client, **CHILD)
    assert response.status_code == 302
    child = files(wb)["ريم سعد الشمري"]
    assert (child["national_id"], child["mobile"]) == ("", "")
    assert child["guardian_national_id"] == "1000000016"
    assert child["guardian_mobile"] == "+966557654321" and child["guardian_relation"] == "أب"
    profile = text(client.get(f"/beneficiaries/{child['id']}"))
    assert "سعد محمد الشمري (أب)" in profile and "0557654321" in profile
    # The reception search finds the child by the guardian's ID or mobile.
    assert child["id"] in text(client.get("/beneficiaries?q=1000000016"))
    assert child["id"] in text(client.get("/beneficiaries?q=0557654321"))
    # The declaration is the guardian's, and the messages go to the guardian's mobile.
    page = text(client.get(f"/beneficiaries/{child['id']}/requests/new?service=سلة غذائية"))
    assert 'value="سعد محمد الشمري"' in page
    assert intake(client, child["id"], declared_by="سعد محمد الشمري").status_code == 302
    req = latest_request(wb)
    assert req["declared_by"] == "سعد محمد الشمري"
    # The committee's decision, as a volunteer would record it in the sheet.
    wb.update(schema.REQUESTS.name, req["id"], {"status": "مقبول", "decision": "مقبول",
                                                "decided_on": "2026-11-22"})
    wb.invalidate()
    message = text(client.get(f"/requests/{req['id']}/message"))
    assert "wa.me/966557654321" in message
    assert "0557654321 (ولي الأمر أو المعرّف: سعد محمد الشمري)" in message.replace(
        '<bdi dir="ltr">', "").replace("</bdi>", "")


def test_without_an_id_or_a_guardian_the_form_says_what_is_missing_and_keeps_the_input(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    page = text(register(client, **{**CHILD, "guardian_name": "", "guardian_national_id": "",
                                    "guardian_mobile": "", "guardian_relation": ""}))
    assert "رقم الهوية مطلوب، أو هوية ولي الأمر" in page
    assert "رقم الجوال مطلوب، أو جوال ولي الأمر" in page
    assert 'value="ريم سعد الشمري"' in page
    # A guardian half given: each missing part named.
    page = text(register(client, **{**CHILD, "guardian_national_id": "", "guardian_relation": ""}))
    assert "هوية ولي الأمر أو المعرّف مطلوبة." in page and "اختر صلة القرابة." in page
    assert 'value="+966557654321"' in page  # the number kept, in the form it is stored
    # The person's own ID given: its expiry is required again, as for anyone.
    page = text(register(client, **{**CHILD, "national_id": "1000000024"}))
    assert "تاريخ انتهاء الهوية مطلوب" in page
    # The guardian's ID is not the person's own.
    page = text(register(client, **{**CHILD, "national_id": "1000000016",
                                    "id_expiry": "2027-05-01"}))
    assert "هذه هوية صاحب الملف نفسه" in page
    assert files(wb) == {}


def test_a_familys_files_link_to_each_other_and_show_together(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    """A prisoner's wife holds her own file; the prisoner and their son are registered with her
    as the family contact; each profile shows the others."""
    auth.login()
    register(client, full_name="نورة علي الحربي", national_id="1000000016",
             mobile="0557654321")
    contact = {"guardian_name": "نورة علي الحربي", "guardian_national_id": "1000000016",
               "guardian_mobile": "0557654321"}
    register(client, full_name="ماجد سالم الحربي", national_id="1000000024",
             mobile="", **contact, guardian_relation="زوجة")
    register(client, **{**CHILD, "full_name": "سالم ماجد الحربي", **contact,
                        "guardian_relation": "أم"})
    people = files(wb)
    wife, prisoner, son = (people[n]["id"] for n in ("نورة علي الحربي", "ماجد سالم الحربي",
                                                     "سالم ماجد الحربي"))
    page = text(client.get(f"/beneficiaries/{wife}"))
    assert 'id="family"' in page and prisoner in page and son in page
    assert page.count("في رعاية صاحب هذا الملف") == 2
    page = text(client.get(f"/beneficiaries/{son}"))
    assert wife in page and "ولي الأمر أو المعرّف" in page
    assert prisoner in page and "في رعاية ولي الأمر نفسه" in page
    # A file of someone else is not in the family.
    register(client, full_name="غريب", national_id="1000000032", mobile="0551112223")
    assert "غريب" not in text(client.get(f"/beneficiaries/{son}"))


def test_a_service_limited_to_groups_is_offered_to_them_only(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    wb.update(SV, "مساعدة إيجار", {"groups": "أرملة، أسرة سجين"})
    register(client, category="يتيم")
    register(client, full_name="هند", national_id="1000000016", mobile="0557654321",
             category="أرملة")
    people = files(wb)
    orphan, widow = people[PERSON["full_name"]]["id"], people["هند"]["id"]
    page = text(client.get(f"/beneficiaries/{orphan}/requests/new"))
    assert "service=مساعدة إيجار" not in page.replace("%20", " ")
    assert 'id="closed-services"' in page and "مساعدة إيجار (أرملة، أسرة سجين)" in page
    response = client.post(f"/beneficiaries/{orphan}/requests/new?service=مساعدة إيجار",
                           data={"channel": "المقابلة", "documents": [], "declared_by": "ف",
                                 "declaration_method": "حضوري", "declaration": "y"})
    assert response.status_code == 409
    assert "لا تُقدَّم لفئة «يتيم»" in text(response)
    wb.invalidate()
    assert wb.table(schema.REQUESTS.name).records == []
    page = text(client.get(f"/beneficiaries/{widow}/requests/new?service=مساعدة إيجار"))
    assert "عقد الإيجار" in page  # the intake form with the service's documents


def test_the_dashboard_counts_files_and_requests_by_group(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    register(client, category="أرملة")
    register(client, full_name="هند", national_id="1000000016", mobile="0557654321",
             category="أرملة")
    register(client, full_name="علي", national_id="1000000024", mobile="0551112223")
    people = files(wb)
    intake(client, people[PERSON["full_name"]]["id"])
    intake(client, people["علي"]["id"])
    auth.logout()
    auth.login("manager")
    page = text(client.get("/dashboard"))
    table = page[page.index("الملفات والطلبات حسب الفئة"):]
    table = table[:table.index("</table>")]
    assert cells_of(table) == [["أرملة", "2", "1", "0"], ["غير محددة", "1", "1", "0"]]


def test_the_sync_asks_for_an_id_or_a_guardians_but_not_both(
        wb: Workbook, gc: gspread.Client) -> None:
    ws = typed(gc, wb, B)
    walk_in(ws, 2, **{"رقم المستفيد": "B-own", "الاسم الكامل": "بلا هوية", "المدينة": "القريات",
                      "تاريخ التسجيل": "2026-11-20"})
    walk_in(ws, 3, **{"رقم المستفيد": "B-child", "الاسم الكامل": "طفل", "المدينة": "القريات",
                      "تاريخ التسجيل": "2026-11-20", "هوية ولي الأمر أو المعرّف": "1000000016",
                      "جوال ولي الأمر أو المعرّف": "0557654321"})
    walk_in(ws, 4, **{"رقم المستفيد": "B-bad", "الاسم الكامل": "طفل آخر", "المدينة": "القريات",
                      "تاريخ التسجيل": "2026-11-20", "هوية ولي الأمر أو المعرّف": "1000000017",
                      "جوال ولي الأمر أو المعرّف": "0557654321"})
    job.run(wb, TODAY)
    found = {(p["رقم السجل"], p["العمود"]): p["المشكلة"] for p in problems_listed(wb)
             if p["التبويب"] == B}
    assert "هوية ولي الأمر" in found[("B-own", "رقم الهوية")]
    assert "جوال ولي الأمر" in found[("B-own", "الجوال")]
    assert not any(rid == "B-child" for rid, _ in found)
    assert ("B-bad", "هوية ولي الأمر أو المعرّف") in found
