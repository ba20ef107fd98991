"""The settings page: settings, services and holidays written by key with audit rows."""
from __future__ import annotations

from datetime import timedelta
from hashlib import sha1
from typing import Any

import pytest
from flask import Flask

from records import settings as rs
from saudi_calendar import calendar_from
from sheets import schema
from sheets.errors import WriteConflict
from sheets.table import a1
from tests.conftest import TODAY, AuthActions, sheet_values
from tests.helpers import file_number, intake, login_as, register, text

S, SV, H, AUDIT = (schema.SETTINGS.name, schema.SERVICES.name, schema.HOLIDAYS.name,
                   schema.AUDIT.name)


def rows(wb: Any, tab: str) -> list[dict[str, str]]:
    """A tab as a person sees it now, each row by its Arabic headers."""
    values = sheet_values(wb, tab)
    header = [str(h) for h in values[0]]
    return [dict(zip(header, [str(c) for c in r])) for r in values[1:] if any(r)]


def setting(wb: Any, key: str) -> str:
    return next(r["القيمة"] for r in rows(wb, S) if r["المفتاح"] == key)


def post_setting(client: Any, key: str, value: str, shown: str) -> Any:
    return client.post(f"/settings/{key}", data={f"{key}-value": value, f"{key}-shown": shown})


def post_service(client: Any, name: str, documents: str, on: bool, shown_documents: str,
                 shown_active: str = "نعم") -> Any:
    p = "s" + sha1(name.encode()).hexdigest()[:10]
    data = {f"{p}-documents": documents, f"{p}-shown_documents": shown_documents,
            f"{p}-shown_active": shown_active}
    if on:
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

    got = post_service(admin, "كفالة يتيم", "صورة الهوية، صك الولاية", False,
                       "صورة الهوية، صك الولاية")
    assert got.status_code == 302
    assert next(r for r in rows(wb, SV) if r["الخدمة"] == "كفالة يتيم")["مفعلة"] == "لا"
    last = rows(wb, AUDIT)[-1]
    assert last["الإجراء"] == rs.SERVICE_ACTION and last["رقم السجل"] == "كفالة يتيم"
    assert tile not in text(admin.get(choose))
    assert "(موقوفة)" in text(admin.get("/settings/services"))  # never deleted


def test_service_edit_refused_when_the_sheet_changed(admin: Any, wb: Any) -> None:
    docs = next(r for r in rows(wb, SV) if r["الخدمة"] == "سلة غذائية")["المستندات المطلوبة"]
    page = text(post_service(admin, "سلة غذائية", "صورة الهوية", True, docs + "، أخرى"))
    assert "تغيّرت هذه القيمة" in page
    assert next(r for r in rows(wb, SV) if r["الخدمة"] == "سلة غذائية")[
        "المستندات المطلوبة"] == docs


def test_a_holiday_added_moves_a_working_day_deadline(admin: Any, wb: Any) -> None:
    post_setting(admin, "decision_day_kind", "working", "calendar")
    assert register(admin).status_code == 302
    assert intake(admin, file_number(wb)).status_code == 302
    rid = rows(wb, schema.REQUESTS.name)[-1]["رقم الطلب"]
    weekend = frozenset({4, 5})
    before = calendar_from(weekend, []).add_days(TODAY, 14, "working")
    day = next(d for d in (TODAY + timedelta(days=i) for i in range(1, 14))
               if calendar_from(weekend, []).is_working_day(d))
    after = calendar_from(weekend, [(day, "إضافة")]).add_days(TODAY, 14, "working")
    assert after > before
    assert before.isoformat() in text(admin.get(f"/requests/{rid}/receipt"))

    bad = admin.post("/settings/holidays", data={"day": "31/02/2026", "kind": "إضافة"})
    assert "تاريخ غير مفهوم" in text(bad) and "31/02/2026" in text(bad)
    got = admin.post("/settings/holidays",
                     data={"day": day.isoformat(), "name": "إجازة الجمعية", "kind": "إضافة"})
    assert got.status_code == 302
    assert rows(wb, H)[-1] == {"التاريخ": day.isoformat(), "الوصف": "إجازة الجمعية",
                               "النوع": "إضافة"}
    assert rows(wb, AUDIT)[-1]["الإجراء"] == rs.HOLIDAY_ACTION
    page = text(admin.get("/settings/holidays"))
    assert "إجازة الجمعية" in page and day.isoformat() in page
    receipt = text(admin.get(f"/requests/{rid}/receipt"))
    assert after.isoformat() in receipt and before.isoformat() not in receipt


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
    without its confirmation) is shown beside the setting, as the sync reports it."""
    assert post_setting(admin, "decision_days", "10", "14").status_code == 302
    assert setting(wb, "decision_days") == "10"
    page = text(admin.get("/settings/"))
    card = page[page.index('id="decision_days"'):page.index('id="decision_day_kind"')]
    assert "لا تقل عن أسبوعين" in card
