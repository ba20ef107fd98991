"""The settings pages' holidays (numbered, turned off and on) and reference documents, and who
may send each of their forms."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import gspread
import pytest

from records import settings as rs
from saudi_calendar import calendar_from
from sheets import schema
from sync import job
from sync.handmade import NUMBER_ACTION
from tests.conftest import TODAY, AuthActions
from tests.helpers import file_number, intake, login_as, register, text
from tests.test_settings_page import prefix, rows, type_cell

H, REF, AUDIT, P = (schema.HOLIDAYS.name, schema.REFERENCES.name, schema.AUDIT.name,
                    schema.PROBLEMS.name)
CHANGED_WORDS = "تغيّرت هذه القيمة في ملف البيانات منذ فتحت الصفحة"


@pytest.fixture
def admin(client: Any, auth: AuthActions) -> Any:
    auth.login("admin")
    return client


def holiday(wb: Any, hid: str) -> dict[str, str]:
    return next(r for r in rows(wb, H) if r.get("رقم") == hid)


def toggle(client: Any, hid: str, active: str, shown: str) -> Any:
    """The row's «إيقاف» («لا») or «تفعيل» («نعم») button, sent as the page drew it."""
    p = prefix(hid)
    return client.post("/settings/holidays/active", query_string={"id": hid},
                       data={f"{p}-active": active, f"{p}-shown": shown})


def a_working_day() -> date:
    weekend = frozenset({4, 5})
    return next(d for d in (TODAY + timedelta(days=i) for i in range(1, 14))
                if calendar_from(weekend, []).is_working_day(d))


# -- holidays --------------------------------------------------------------------------------
def test_a_holiday_added_then_turned_off_and_on_moves_the_deadline(admin: Any, wb: Any
                                                                    ) -> None:
    admin.post("/settings/decision_day_kind", data={"decision_day_kind-value": "working",
                                                    "decision_day_kind-shown": "calendar"})
    assert register(admin).status_code == 302
    assert intake(admin, file_number(wb)).status_code == 302
    rid = rows(wb, schema.REQUESTS.name)[-1]["رقم الطلب"]
    weekend, day = frozenset({4, 5}), a_working_day()
    before = calendar_from(weekend, []).add_days(TODAY, 14, "working")
    after = calendar_from(weekend, [(day, "إضافة")]).add_days(TODAY, 14, "working")
    assert after > before
    assert before.isoformat() in text(admin.get(f"/requests/{rid}/receipt"))

    bad = admin.post("/settings/holidays", data={"day": "31/02/2026", "kind": "إضافة"})
    assert "تاريخ غير مفهوم" in text(bad) and "31/02/2026" in text(bad)
    got = admin.post("/settings/holidays",
                     data={"day": day.isoformat(), "name": "إجازة الجمعية", "kind": "إضافة"})
    assert got.status_code == 302
    added = rows(wb, H)[-1]
    hid = added["رقم"]
    assert re.fullmatch(r"H-2611-[A-Z0-9]{5}", hid)
    assert added == {"التاريخ": day.isoformat(), "الوصف": "إجازة الجمعية", "النوع": "إضافة",
                     "رقم": hid, "مفعلة": "نعم"}
    assert (rows(wb, AUDIT)[-1]["الإجراء"], rows(wb, AUDIT)[-1]["رقم السجل"]) == (
        rs.HOLIDAY_ACTION, hid)
    page = text(admin.get("/settings/holidays"))
    assert "إجازة الجمعية" in page and day.isoformat() in page
    assert f'action="/settings/holidays/active?id={hid}"' in page and ">إيقاف</button>" in page
    receipt = text(admin.get(f"/requests/{rid}/receipt"))
    assert after.isoformat() in receipt and before.isoformat() not in receipt
    again = admin.post("/settings/holidays", data={"day": day.isoformat(), "kind": "إضافة"})
    assert "مسجل بهذا النوع من قبل" in text(admin.get(again.location))

    assert toggle(admin, hid, "لا", "نعم").status_code == 302
    assert holiday(wb, hid)["مفعلة"] == "لا"
    last = rows(wb, AUDIT)[-1]
    assert (last["الإجراء"], last["رقم السجل"], last["المستخدم"]) == (
        rs.HOLIDAY_OFF_ACTION, hid, "المسؤول")
    assert "مفعلة: نعم → لا" in last["التغييرات"]
    page = text(admin.get("/settings/holidays"))
    assert "أُوقفت العطلة" in page and "<strong>موقوفة</strong>" in page
    assert 'class="muted holiday-off"' in page and "<s>إجازة الجمعية</s>" in page
    assert ">تفعيل</button>" in page and ">إيقاف</button>" not in page
    receipt = text(admin.get(f"/requests/{rid}/receipt"))  # the calendar skips it now
    assert before.isoformat() in receipt and after.isoformat() not in receipt
    # the same date again: turn the row on instead of adding a twin
    again = admin.post("/settings/holidays", data={"day": day.isoformat(), "kind": "إضافة"})
    assert "وهو موقوف؛ فعّله من القائمة" in text(admin.get(again.location))
    assert len(rows(wb, H)) == 1

    assert toggle(admin, hid, "نعم", "لا").status_code == 302
    assert holiday(wb, hid)["مفعلة"] == "نعم"
    assert rows(wb, AUDIT)[-1]["الإجراء"] == rs.HOLIDAY_ON_ACTION
    assert after.isoformat() in text(admin.get(f"/requests/{rid}/receipt"))


def test_turning_off_is_refused_when_the_sheet_changed_meanwhile(admin: Any, wb: Any) -> None:
    admin.post("/settings/holidays", data={"day": "2026-12-01", "name": "يوم", "kind": "إضافة"})
    hid = rows(wb, H)[-1]["رقم"]
    assert ">إيقاف</button>" in text(admin.get("/settings/holidays"))
    type_cell(wb, H, "2026-12-01", "مفعلة", "لا")  # a volunteer turns it off by hand
    audit_rows = len(rows(wb, AUDIT))
    got = toggle(admin, hid, "لا", "نعم")
    page = text(got)
    assert got.status_code == 200 and CHANGED_WORDS in page
    assert "<strong>موقوفة</strong>" in page and ">تفعيل</button>" in page  # as the sheet is
    assert holiday(wb, hid)["مفعلة"] == "لا" and len(rows(wb, AUDIT)) == audit_rows
    # a button for a number no row holds any more
    got = toggle(admin, "H-2611-GONE2", "لا", "نعم")
    assert "لم تعد هذه العطلة في تبويب العطل" in text(admin.get(got.location))
    # the write itself expects the value shown
    from sheets.errors import WriteConflict
    with pytest.raises(WriteConflict):
        rs.set_holiday_active(wb, hid, False, "نعم", "المسؤول")


def test_a_hand_typed_holiday_is_numbered_by_the_sync(admin: Any, wb: Any,
                                                      gc: gspread.Client) -> None:
    ws = gc.open_by_key(wb.sh.id).worksheet(H)
    head = ws.row_values(1)
    line = {"التاريخ": "2026-12-03", "الوصف": "اليوم الوطني للجمعية", "النوع": "إضافة"}
    ws.update([[line.get(h, "") for h in head]], "A2", value_input_option="USER_ENTERED")
    wb.invalidate()
    page = text(admin.get("/settings/holidays"))
    assert "اليوم الوطني للجمعية" in page and "يُسند له رقم عند المزامنة التالية" in page
    assert "holidays/active" not in page and "موقوفة" not in page  # counted, no button yet

    result = job.run(wb, TODAY)
    (hid,) = result.numbered
    assert re.fullmatch(r"H-2611-[A-Z0-9]{5}", hid)
    assert rows(wb, H) == [{**line, "رقم": hid}]  # «مفعلة» left empty: on
    numbered = [r for r in rows(wb, AUDIT) if r["الإجراء"] == NUMBER_ACTION]
    assert [(r["التبويب"], r["رقم السجل"]) for r in numbered] == [(H, hid)]
    assert not [p for p in rows(wb, P) if p["التبويب"] == H]
    wb.invalidate()
    page = text(admin.get("/settings/holidays"))
    assert f'action="/settings/holidays/active?id={hid}"' in page
    assert "يُسند له رقم" not in page
    assert toggle(admin, hid, "لا", "").status_code == 302  # shown «»: the cell as typed
    assert holiday(wb, hid)["مفعلة"] == "لا"
    assert job.run(wb, TODAY).numbered == []


# -- reference documents ---------------------------------------------------------------------
def reference(wb: Any, title: str) -> dict[str, str]:
    row = next(r for r in rows(wb, REF) if r["العنوان"] == title)
    return {"link": row.get("الرابط", ""), "notes": row.get("ملاحظات", "")}


def post_reference(client: Any, title: str, shown: dict[str, str], **typed: str) -> Any:
    p = prefix(title)
    data = {f"{p}-{k}": typed.get(k, v) for k, v in shown.items()}
    data |= {f"{p}-shown_{k}": v for k, v in shown.items()}
    return client.post("/settings/references/edit", query_string={"title": title}, data=data)


GUIDE = "دليل سياسة الدعم"


def test_a_references_link_and_notes_by_its_title(admin: Any, wb: Any) -> None:
    page = text(admin.get("/settings/references"))
    assert 'href="/settings/references"' in page  # the settings pages' tab
    assert GUIDE in page and "اللائحة الأساسية للجمعية" in page
    shown = reference(wb, GUIDE)
    audit_rows = len(rows(wb, AUDIT))
    for bad in ("drive.google.com/guide", "javascript:alert(1)", "https://", "ftp://x.org/a",
                "https://drive.google.com/my guide"):
        got = post_reference(admin, GUIDE, shown, link=bad)
        assert got.status_code == 200 and "الرابط يبدأ بـ https:// أو http://" in text(got)
        assert f'value="{bad}"' in text(got).replace("&#34;", '"')
    assert reference(wb, GUIDE) == shown and len(rows(wb, AUDIT)) == audit_rows

    link = "https://drive.google.com/file/d/1AbC/view"
    assert post_reference(admin, GUIDE, shown, link=link).status_code == 302
    assert reference(wb, GUIDE) == {**shown, "link": link}  # the notes left as they were
    last = rows(wb, AUDIT)[-1]
    assert (last["الإجراء"], last["رقم السجل"], last["التبويب"]) == (
        rs.REFERENCE_ACTION, GUIDE, REF)
    assert "ملاحظات" not in last["التغييرات"] and link in last["التغييرات"]
    login_as(admin, AuthActions(admin), "reception")
    assert f'href="{link}"' in text(admin.get("/references/"))
    login_as(admin, AuthActions(admin), "manager")
    assert post_reference(admin, GUIDE, reference(wb, GUIDE), link="http://x.org",
                          notes="").status_code == 302  # http, and notes cleared
    assert reference(wb, GUIDE) == {"link": "http://x.org", "notes": ""}
    assert rows(wb, AUDIT)[-1]["المستخدم"] == "المدير"
    assert post_reference(admin, GUIDE, reference(wb, GUIDE), link="").status_code == 302
    assert reference(wb, GUIDE)["link"] == ""  # a link may be taken away


def test_a_reference_edited_in_the_sheet_meanwhile(admin: Any, wb: Any) -> None:
    shown = reference(wb, GUIDE)
    assert GUIDE in text(admin.get("/settings/references"))
    type_cell(wb, REF, GUIDE, "ملاحظات", "نسخة 2026")
    audit_rows = len(rows(wb, AUDIT))
    got = post_reference(admin, GUIDE, shown, notes="مقادير الدعم لكل خدمة")
    page = text(got)
    assert got.status_code == 200 and CHANGED_WORDS in page
    assert "في ملف البيانات الآن" in page and "نسخة 2026" in page
    assert "مقادير الدعم لكل خدمة</textarea>" in page
    assert reference(wb, GUIDE)["notes"] == "نسخة 2026" and len(rows(wb, AUDIT)) == audit_rows
    # a form changing the link alone leaves the volunteer's notes alone
    assert post_reference(admin, GUIDE, shown, link="https://x.org/g").status_code == 302
    assert reference(wb, GUIDE) == {"link": "https://x.org/g", "notes": "نسخة 2026"}


def test_a_new_reference(admin: Any, wb: Any) -> None:
    got = admin.post("/settings/references/new", data={
        "title": "دليل  الإجراءات", "link": "https://example.org/procedures", "notes": "الإصدار 3"})
    assert got.status_code == 302
    assert reference(wb, "دليل الإجراءات") == {"link": "https://example.org/procedures",
                                               "notes": "الإصدار 3"}
    assert rows(wb, AUDIT)[-1]["الإجراء"] == rs.NEW_REFERENCE_ACTION
    count = len(rows(wb, REF))
    got = admin.post("/settings/references/new", data={"title": "دليل الإجراءات"})
    assert "يوجد مرجع بهذا العنوان" in text(got)
    got = admin.post("/settings/references/new", data={"title": "أخرى", "link": "www.x.org"})
    assert "الرابط يبدأ بـ https://" in text(got) and 'value="أخرى"' in text(got)
    got = admin.post("/settings/references/new", data={"title": " "})
    assert "اكتب عنوان المرجع." in text(got)
    assert len(rows(wb, REF)) == count


# -- who may send what -----------------------------------------------------------------------
def test_staff_other_than_managers_and_admins_get_403(client: Any, auth: AuthActions,
                                                      wb: Any) -> None:
    posts = [("/settings/services/edit?name=سلة غذائية", {}),
             ("/settings/services/new", {"name": "س"}),
             ("/settings/holidays", {"day": "2026-12-01", "kind": "إضافة"}),
             ("/settings/holidays/active?id=H-2611-AAAAA", {}),
             ("/settings/references/edit?title=" + GUIDE, {}),
             ("/settings/references/new", {"title": "س"}),
             ("/settings/decision_days", {"decision_days-value": "10",
                                          "decision_days-confirm": "y"})]
    before = {t: rows(wb, t) for t in (schema.SERVICES.name, H, REF, schema.SETTINGS.name)}
    for username in ("reception", "researcher", "committee"):
        login_as(client, auth, username)
        assert client.get("/settings/references").status_code == 403
        for url, data in posts:
            assert client.post(url, data=data).status_code == 403, (username, url)
    login_as(client, auth, "manager")  # the decision period is the admin's
    assert client.post(*posts[-1][:1], data=posts[-1][1]).status_code == 403
    assert {t: rows(wb, t) for t in before} == before
    assert client.get("/settings/references").status_code == 200
    assert client.post("/settings/references/new", data={"title": "س"}).status_code == 302


def test_the_holiday_button_carries_its_protection_token(app: Any, admin: Any, wb: Any) -> None:
    """As a browser sends it: the row's hidden fields, the CSRF token among them."""
    admin.post("/settings/holidays", data={"day": "2026-12-01", "kind": "إضافة"})
    hid = rows(wb, H)[-1]["رقم"]
    app.config["WTF_CSRF_ENABLED"] = True
    page = text(admin.get("/settings/holidays"))
    form = page[page.index(f'action="/settings/holidays/active?id={hid}"'):]
    form = form[:form.index("</form>")]
    data = dict(re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', form))
    assert set(data) == {f"{prefix(hid)}-{k}" for k in ("csrf_token", "active", "shown")}
    assert admin.post("/settings/holidays/active", query_string={"id": hid},
                      data=data).status_code == 302
    assert holiday(wb, hid)["مفعلة"] == "لا"
    assert toggle(admin, hid, "نعم", "لا").status_code == 400  # no token: refused
