"""The settings page: settings and services written by key with audit rows (holidays and
reference documents: tests/test_settings_holidays.py)."""
from __future__ import annotations

from hashlib import sha1
from typing import Any

import pytest
from flask import Flask

from records import settings as rs
from sheets import schema
from sheets.errors import WriteConflict
from sheets.table import a1
from tests.conftest import AuthActions, sheet_values
from tests.helpers import file_number, login_as, register, text

S, SV, H, AUDIT = (schema.SETTINGS.name, schema.SERVICES.name, schema.HOLIDAYS.name,
                   schema.AUDIT.name)


def rows(wb: Any, tab: str) -> list[dict[str, str]]:
    """A tab as a person sees it now, each row by its Arabic headers."""
    values = sheet_values(wb, tab)
    header = [str(h) for h in values[0]]
    return [dict(zip(header, [str(c) for c in r], strict=False)) for r in values[1:] if any(r)]


def setting(wb: Any, key: str) -> str:
    return next(r["القيمة"] for r in rows(wb, S) if r["المفتاح"] == key)


def post_setting(client: Any, key: str, value: str, shown: str) -> Any:
    return client.post(f"/settings/{key}", data={f"{key}-value": value, f"{key}-shown": shown})


def prefix(key: str) -> str:
    """A row's form prefix on the settings pages."""
    return "s" + sha1(key.encode(), usedforsecurity=False).hexdigest()[:10]


def type_cell(wb: Any, tab: str, key: str, header: str, value: str) -> None:
    """A volunteer types ``value`` in the row whose first cell is ``key``, under ``header``."""
    values = sheet_values(wb, tab)
    row = next(i for i, r in enumerate(values, start=1) if r and str(r[0]) == key)
    col = [str(h) for h in values[0]].index(header)
    wb.write_cells([{"range": a1(tab, f"{chr(65 + col)}{row}"), "values": [[value]]}])


SERVICE_CELLS = {"documents": "المستندات المطلوبة", "active": "مفعلة",
                 "study": "الدراسة الاجتماعية", "eligibility": "الاستحقاق والمقدار",
                 "groups": "الفئات المستفيدة"}


def service(wb: Any, name: str) -> dict[str, str]:
    """A service's cells now, by key (a cell left empty at the row's end is «»)."""
    row = next(r for r in rows(wb, SV) if r["الخدمة"] == name)
    return {k: row.get(h, "") for k, h in SERVICE_CELLS.items()}


def post_service(client: Any, name: str, shown: dict[str, str], **typed: Any) -> Any:
    """A service's form as the page showed ``shown`` (its cells), sent with ``typed`` changes."""
    p = prefix(name)
    groups = typed.get("groups", [g.strip() for g in shown["groups"].split("،") if g.strip()])
    fields = {"documents": typed.get("documents", shown["documents"]),
              "study": typed.get("study", shown["study"] or "عند عدم الوضوح"),
              "eligibility": typed.get("eligibility", shown["eligibility"])}
    data: dict[str, Any] = {f"{p}-{k}": v for k, v in fields.items()}
    data |= {f"{p}-shown_{k}": v for k, v in shown.items()}
    data[f"{p}-groups"] = groups
    if typed.get("active", shown["active"] != "لا"):
        data[f"{p}-active"] = "y"
    return client.post("/settings/services/edit", query_string={"name": name}, data=data)


@pytest.fixture
def admin(client: Any, auth: AuthActions) -> Any:
    auth.login("admin")
    return client


def test_a_change_lands_with_an_audit_row_naming_the_user(admin: Any, wb: Any) -> None:
    page = text(admin.get("/settings/"))
    assert "اسم الجمعية كما يظهر في الصفحات والتقارير" in page  # the schema's description
    assert "المدد والمواعيد" in page and "القنوات والفئات" in page
    got = post_setting(admin, "association_name", "جمعية الأمل", "الجمعية")
    assert got.status_code == 302
    assert setting(wb, "association_name") == "جمعية الأمل"
    last = rows(wb, AUDIT)[-1]
    assert last["المستخدم"] == "المسؤول" and last["الإجراء"] == rs.SETTING_ACTION
    assert last["رقم السجل"] == "association_name"
    assert "الجمعية → جمعية الأمل" in last["التغييرات"]
    assert "جمعية الأمل" in text(admin.get("/settings/", follow_redirects=True))
    # a list keeps the sheet's «، » whichever comma was typed
    shown = setting(wb, "channels")
    post_setting(admin, "channels", "المقابلة,الهاتف ، الموقع الإلكتروني", shown)
    assert setting(wb, "channels") == "المقابلة، الهاتف، الموقع الإلكتروني"


def test_invalid_input_is_redisplayed_with_the_arabic_message(admin: Any, wb: Any) -> None:
    audit_rows = len(rows(wb, AUDIT))
    got = post_setting(admin, "decision_days", "أسبوعان", "14")
    page = text(got)
    assert got.status_code == 200
    assert "أسبوعان" in page and "ليس عددًا صحيحًا من الأيام" in page
    got = post_setting(admin, "decision_day_kind", "business", "calendar")
    assert "business" in text(got) and "calendar أو working" in text(got)
    assert setting(wb, "decision_days") == "14"
    assert setting(wb, "decision_day_kind") == "calendar"
    assert len(rows(wb, AUDIT)) == audit_rows


def test_a_change_made_in_the_sheet_meanwhile_is_refused(admin: Any, wb: Any) -> None:
    assert 'value="14"' in text(admin.get("/settings/"))  # the page shows 14
    row = next(i for i, r in enumerate(rows(wb, S), start=2) if r["المفتاح"] == "decision_days")
    wb.write_cells([{"range": a1(S, f"B{row}"), "values": [["21"]]}])  # a volunteer types 21
    audit_rows = len(rows(wb, AUDIT))
    page = text(post_setting(admin, "decision_days", "15", "14"))
    assert "تغيّرت هذه القيمة في ملف البيانات منذ فتحت الصفحة" in page
    assert 'value="15"' in page  # what was typed stays in the form…
    assert "القيمة الحالية: <bdi dir=\"auto\">21</bdi>" in page  # …beside the sheet's value
    assert setting(wb, "decision_days") == "21"
    assert len(rows(wb, AUDIT)) == audit_rows
    # the write itself expects the value shown, whatever checked before it
    with pytest.raises(WriteConflict):
        rs.save_setting(wb, "decision_days", "15", "14", True, "المسؤول")
    assert setting(wb, "decision_days") == "21"


def test_roles(client: Any, auth: AuthActions, wb: Any) -> None:
    auth.login("reception")
    for url in ("/settings/", "/settings/services", "/settings/holidays"):
        assert client.get(url).status_code == 403
    assert post_setting(client, "association_name", "س", "الجمعية").status_code == 403
    assert "/settings/" not in text(client.get("/"))
    login_as(client, auth, "manager")
    page = text(client.get("/settings/"))
    assert "يعدّلها مسؤول النظام" in page and 'href="/settings/"' in page
    assert 'action="/settings/decision_days"' not in page
    assert 'action="/settings/channels"' in page
    assert post_setting(client, "decision_days", "20", "14").status_code == 403
    assert post_setting(client, "weekend", "Fri", "Fri,Sat").status_code == 403
    assert setting(wb, "decision_days") == "14"
    assert post_setting(client, "categories", "يتيم، أرملة", setting(wb, "categories")) \
        .status_code == 302
    assert setting(wb, "categories") == "يتيم، أرملة"
    login_as(client, auth, "admin")
    assert post_setting(client, "decision_days", "20", "14").status_code == 302
    assert setting(wb, "decision_days") == "20"
    assert rows(wb, AUDIT)[-1]["المستخدم"] == "المسؤول"


def test_a_new_service_is_offered_and_one_turned_off_is_not(admin: Any, wb: Any) -> None:
    assert register(admin).status_code == 302
    choose = f"/beneficiaries/{file_number(wb)}/requests/new"
    tile = "<strong>كفالة يتيم</strong>"  # the service's tile at intake
    assert tile not in text(admin.get(choose))
    got = admin.post("/settings/services/new",
                     data={"name": "كفالة يتيم", "documents": "صورة الهوية,صك الولاية"})
    assert got.status_code == 302
    added = next(r for r in rows(wb, SV) if r["الخدمة"] == "كفالة يتيم")
    assert added["المستندات المطلوبة"] == "صورة الهوية، صك الولاية" and added["مفعلة"] == "نعم"
    assert rows(wb, AUDIT)[-1]["الإجراء"] == rs.NEW_SERVICE_ACTION
    assert tile in text(admin.get(choose))
    again = admin.post("/settings/services/new", data={"name": "كفالة يتيم", "documents": ""})
    assert "توجد خدمة بهذا الاسم" in text(again)
    assert sum(r["الخدمة"] == "كفالة يتيم" for r in rows(wb, SV)) == 1

    got = post_service(admin, "كفالة يتيم", service(wb, "كفالة يتيم"), active=False)
    assert got.status_code == 302
    assert next(r for r in rows(wb, SV) if r["الخدمة"] == "كفالة يتيم")["مفعلة"] == "لا"
    last = rows(wb, AUDIT)[-1]
    assert last["الإجراء"] == rs.SERVICE_ACTION and last["رقم السجل"] == "كفالة يتيم"
    assert tile not in text(admin.get(choose))
    assert "(موقوفة)" in text(admin.get("/settings/services"))  # never deleted


def test_service_edit_refused_when_the_sheet_changed(admin: Any, wb: Any) -> None:
    shown = service(wb, "سلة غذائية")
    page = text(post_service(admin, "سلة غذائية", {**shown, "documents": shown["documents"] +
                                                    "، أخرى"}, documents="صورة الهوية"))
    assert "تغيّرت هذه القيمة" in page
    assert service(wb, "سلة غذائية") == shown


def test_google_links_only_on_google(admin: Any, app: Flask, wb: Any,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert "Google Sheets" not in text(admin.get("/settings/services"))
    monkeypatch.setattr(wb, "on_google", True)
    monkeypatch.setattr(wb, "sheet_id", lambda name: 7)
    page = text(admin.get("/settings/holidays"))
    assert "افتح التبويب في Google Sheets" in page and "#gid=7&amp;range=A1" in page


def test_unknown_key_is_404(admin: Any) -> None:
    assert admin.post("/settings/no_such_key", data={}).status_code == 404


def test_a_rule_across_settings_shows_on_its_field(admin: Any, wb: Any) -> None:
    """What the association's loader finds (a decision period below the policy's two weeks
    without its confirmation, typed in the sheet) is shown beside the setting, as the sync
    reports it."""
    type_cell(wb, S, "decision_days", "القيمة", "10")
    wb.invalidate()
    page = text(admin.get("/settings/"))
    card = page[page.index('id="decision_days"'):page.index('id="decision_day_kind"')]
    assert "لا تقل عن أسبوعين" in card


# -- services: study, eligibility, target groups ------------------------------------------------
def test_a_service_study_eligibility_and_groups_land_as_typed(admin: Any, wb: Any) -> None:
    assert register(admin).status_code == 302  # a person with no group (الفئة) yet
    choose = f"/beneficiaries/{file_number(wb)}/requests/new"
    page = text(admin.get("/settings/services"))
    assert "الفئات: لكل الفئات" in page
    assert 'value="أرملة"' in page and 'value="أسرة سجين"' in page  # the categories setting
    assert "<strong>سلة غذائية</strong>" in text(admin.get(choose))
    audit_rows = len(rows(wb, AUDIT))
    before = service(wb, "سلة غذائية")
    got = post_service(admin, "سلة غذائية", before, study="لا", groups=["يتيم", "أرملة"],
                       eligibility="الدخل أقل من 3000 ريال\r\nسلة واحدة في الشهر")
    assert got.status_code == 302
    assert service(wb, "سلة غذائية") == {
        **before, "study": "لا", "groups": "أرملة، يتيم",  # the categories' order
        "eligibility": "الدخل أقل من 3000 ريال\nسلة واحدة في الشهر"}
    audit = rows(wb, AUDIT)[audit_rows:]
    assert [(a["الإجراء"], a["رقم السجل"]) for a in audit] == [(rs.SERVICE_ACTION, "سلة غذائية")]
    assert "الفئات المستفيدة: — → أرملة، يتيم" in audit[0]["التغييرات"]
    assert "الدراسة الاجتماعية" in audit[0]["التغييرات"]
    assert "المستندات" not in audit[0]["التغييرات"]  # only the cells changed are written
    page = text(admin.get("/settings/services"))
    assert "الفئات: أرملة، يتيم" in page and "الدخل أقل من 3000 ريال" in page
    closed = text(admin.get(choose))  # no group: not offered to this person now
    assert "<strong>سلة غذائية</strong>" not in closed and "سلة غذائية (أرملة، يتيم)" in closed
    # the same form sent again changes nothing, and says so: the paragraph the page showed
    # comes back from the browser with CR LF, and still equals the cell
    p = prefix("سلة غذائية")
    assert f'name="{p}-shown_eligibility" type="hidden" value="الدخل أقل من 3000 ريال\n' in page
    now = service(wb, "سلة غذائية")
    again = post_service(admin, "سلة غذائية", {
        **now, "eligibility": now["eligibility"].replace("\n", "\r\n")},
        eligibility=now["eligibility"].replace("\n", "\r\n"))
    assert again.status_code == 302 and len(rows(wb, AUDIT)) == audit_rows + 1
    assert "لم يتغير شيء" in text(admin.get("/settings/services"))


def test_an_empty_study_cell_stays_empty_unless_changed(admin: Any, wb: Any) -> None:
    """«» reads as «عند عدم الوضوح»: a form sent unchanged does not write the default in."""
    before = service(wb, "مساعدة إيجار")
    assert before["study"] == ""
    page = text(admin.get("/settings/services"))
    p = prefix("مساعدة إيجار")
    assert f'<input checked id="{p}-study-1" name="{p}-study" required type="radio" ' \
           'value="عند عدم الوضوح">' in page
    post_service(admin, "مساعدة إيجار", before, documents="صورة الهوية، عقد الإيجار")
    assert service(wb, "مساعدة إيجار") == {**before, "documents": "صورة الهوية، عقد الإيجار"}
    post_service(admin, "مساعدة إيجار", service(wb, "مساعدة إيجار"), study="دائمًا")
    assert service(wb, "مساعدة إيجار")["study"] == "دائمًا"


def test_a_group_not_in_the_categories_setting_is_kept_and_noted(admin: Any, wb: Any) -> None:
    type_cell(wb, SV, "سلة غذائية", "الفئات المستفيدة", "أرملة، طلاب الجامعة")
    wb.invalidate()
    page = text(admin.get("/settings/services"))
    assert "طلاب الجامعة (ليست في إعداد الفئات)" in page
    p = prefix("سلة غذائية")
    assert f'<input checked id="{p}-groups-7" name="{p}-groups" type="checkbox" ' \
           'value="طلاب الجامعة">' in page  # after the setting's seven, ticked
    assert f'<input checked id="{p}-groups-1" name="{p}-groups" type="checkbox" ' \
           'value="أرملة">' in page
    shown = service(wb, "سلة غذائية")
    post_service(admin, "سلة غذائية", shown, study="دائمًا")  # the groups as shown
    assert service(wb, "سلة غذائية")["groups"] == "أرملة، طلاب الجامعة"
    post_service(admin, "سلة غذائية", service(wb, "سلة غذائية"), groups=["أرملة"])
    assert service(wb, "سلة غذائية")["groups"] == "أرملة"
    # a group neither in the setting nor in the cell (a form tampered with) is refused
    audit_rows = len(rows(wb, AUDIT))
    got = post_service(admin, "سلة غذائية", service(wb, "سلة غذائية"), groups=["غرباء"])
    assert got.status_code == 200 and "«غرباء» ليس من الخيارات المعروضة" in text(got)
    assert service(wb, "سلة غذائية")["groups"] == "أرملة"
    assert len(rows(wb, AUDIT)) == audit_rows


def test_a_volunteers_edit_meanwhile(admin: Any, wb: Any) -> None:
    """Between the page and the submit a volunteer types in the same row: a cell the form
    changes is refused (the sheet's value shown, what was typed kept); another cell survives."""
    shown = service(wb, "سلة غذائية")
    assert 'الدراسة الاجتماعية' in text(admin.get("/settings/services"))
    type_cell(wb, SV, "سلة غذائية", "الاستحقاق والمقدار", "للأسر المسجلة فقط")
    audit_rows = len(rows(wb, AUDIT))
    got = post_service(admin, "سلة غذائية", shown, eligibility="حتى 500 ريال",
                       groups=["مسن"])
    page = text(got)
    assert got.status_code == 200 and CHANGED_WORDS in page
    assert "في ملف البيانات الآن" in page and "للأسر المسجلة فقط" in page
    p = prefix("سلة غذائية")
    assert "حتى 500 ريال</textarea>" in page  # what was typed stays in the form
    assert f'name="{p}-shown_eligibility" type="hidden" value="للأسر المسجلة فقط"' in page
    assert service(wb, "سلة غذائية") == {**shown, "eligibility": "للأسر المسجلة فقط"}
    assert len(rows(wb, AUDIT)) == audit_rows
    # sent again from the page as it came back: the person's choice now lands
    again = post_service(admin, "سلة غذائية", service(wb, "سلة غذائية"),
                         eligibility="حتى 500 ريال", groups=["مسن"])
    assert again.status_code == 302
    assert service(wb, "سلة غذائية")["eligibility"] == "حتى 500 ريال"
    # a form that changes only the study leaves the volunteer's new documents alone
    shown = service(wb, "سلة غذائية")
    type_cell(wb, SV, "سلة غذائية", "المستندات المطلوبة", "صورة الهوية")
    assert post_service(admin, "سلة غذائية", shown, study="لا").status_code == 302
    assert service(wb, "سلة غذائية") == {**shown, "documents": "صورة الهوية", "study": "لا"}


CHANGED_WORDS = "تغيّرت هذه القيمة في ملف البيانات منذ فتحت الصفحة"


def test_a_new_service_with_its_study_eligibility_and_groups(admin: Any, wb: Any) -> None:
    page = text(admin.get("/settings/services"))
    assert 'name="groups" type="checkbox" value="مسن"' in page
    got = admin.post("/settings/services/new", data={
        "name": "نظارة طبية", "documents": "صورة الهوية، وصفة الطبيب", "study": "دائمًا",
        "eligibility": "مرة كل سنتين", "groups": ["مسن", "ذوو إعاقة"]})
    assert got.status_code == 302
    assert service(wb, "نظارة طبية") == {
        "documents": "صورة الهوية، وصفة الطبيب", "active": "نعم", "study": "دائمًا",
        "eligibility": "مرة كل سنتين", "groups": "مسن، ذوو إعاقة"}
    assert rows(wb, AUDIT)[-1]["الإجراء"] == rs.NEW_SERVICE_ACTION
    assert "الفئات: مسن، ذوو إعاقة" in text(admin.get("/settings/services"))
    got = admin.post("/settings/services/new", data={"name": "كرسي متحرك", "study": "ربما"})
    assert got.status_code == 200 and "اختر أحد الخيارات المعروضة" in text(got)
    assert not any(r["الخدمة"] == "كرسي متحرك" for r in rows(wb, SV))


# -- the decision period below the policy's two weeks ----------------------------------------
def test_a_decision_period_under_two_weeks_needs_the_boards_approval(admin: Any, wb: Any
                                                                     ) -> None:
    assert "أؤكد أن مجلس الإدارة" not in text(admin.get("/settings/"))  # 14: no box
    audit_rows = len(rows(wb, AUDIT))
    got = post_setting(admin, "decision_days", "13", "14")
    page = text(got)
    assert got.status_code == 200
    assert "«خلال مدة لا تقل عن أسبوعين»" in page
    assert "أؤكد أن مجلس الإدارة اعتمد مدة أقل من أسبوعين" in page
    assert "لا تُحفظ إلا بتأكيد اعتماد مجلس الإدارة" in page and 'value="13"' in page
    assert setting(wb, "decision_days") == "14" and setting(wb, "decision_days_confirmed") == ""
    assert len(rows(wb, AUDIT)) == audit_rows

    got = admin.post("/settings/decision_days", data={
        "decision_days-value": "13", "decision_days-shown": "14", "decision_days-confirm": "y"})
    assert got.status_code == 302
    assert setting(wb, "decision_days") == "13"
    assert setting(wb, "decision_days_confirmed") == "نعم"
    audit = rows(wb, AUDIT)[audit_rows:]
    assert [(a["الإجراء"], a["رقم السجل"], a["المستخدم"]) for a in audit] == [
        (rs.CONFIRM_ACTION, "decision_days_confirmed", "المسؤول"),
        (rs.SETTING_ACTION, "decision_days", "المسؤول")]
    page = text(admin.get("/settings/"))
    card = page[page.index('id="decision_days"'):page.index('id="decision_days_confirmed"')]
    assert "استُخدمت 14" not in card  # the loader takes 13 now
    assert "أؤكد أن مجلس الإدارة" in card  # a value under 14 shows the box at once

    # 14 and over: the period alone, the approval left as it is
    assert post_setting(admin, "decision_days", "14", "13").status_code == 302
    assert setting(wb, "decision_days") == "14"
    assert setting(wb, "decision_days_confirmed") == "نعم"
    assert [a["رقم السجل"] for a in rows(wb, AUDIT)[audit_rows + 2:]] == ["decision_days"]


def test_fourteen_days_needs_no_approval(admin: Any, wb: Any) -> None:
    assert post_setting(admin, "decision_days", "21", "14").status_code == 302
    assert post_setting(admin, "decision_days", "14", "21").status_code == 302
    assert setting(wb, "decision_days") == "14"
    assert setting(wb, "decision_days_confirmed") == ""
    assert [a["رقم السجل"] for a in rows(wb, AUDIT)[-2:]] == ["decision_days"] * 2
