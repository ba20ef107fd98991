"""General assembly meetings (issue 17, Deliver 4): schedule and edit (validation, input kept,
only changed cells), Gregorian and Hijri dates, the invitation's send-by date on its boundary
days (page, sync, problems), the invitation's text and links, attendance rules, the quorum on
its boundary, held and cancelled, who may do what, and what lands in the sheet and the audit."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

import assembly
from records import association, attendance, meetings
from saudi_calendar import both, hijri
from sheets import Workbook, schema
from sync import job
from tests.conftest import TODAY, AuthActions, Server, sheet_values
from tests.helpers import text

G, A, M, P, AUDIT = (schema.MEETINGS.name, schema.ATTENDANCE.name, schema.MEMBERS.name,
                     schema.PROBLEMS.name, schema.AUDIT.name)
HEAD = [c.header for c in schema.MEETINGS.columns]
NOTICE = 15  # the default notice period (assembly_notice_days)
MEETING = {"kind": "عادي", "date": "2026-12-20", "time": "7:30 م", "place": "مقر الجمعية",
           "online_link": "https://meet.example.org/assembly", "notes": "",
           "agenda": "اعتماد القوائم المالية لعام 2025\nانتخاب مجلس الإدارة"}


def ahead(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def rows(wb: Workbook, tab: str = G) -> list[dict[str, str]]:
    values = sheet_values(wb, tab)
    return [dict(zip(values[0], r + [""] * (len(values[0]) - len(r)), strict=False)) for r in values[1:] if r]


def audit(wb: Workbook, action: str) -> list[dict[str, str]]:
    return [r for r in rows(wb, AUDIT) if r["الإجراء"] == action]


def errors(page: str) -> list[str]:
    return re.findall(r'<small class="error">([^<]*)</small>', page)


def value_of(page: str, name: str) -> str:
    found = re.search(rf'<(?:input|textarea)[^>]*\bname="{name}"[^>]*>', page)
    assert found, name
    if found[0].startswith("<textarea"):
        return html.unescape(page[found.end():page.index("</textarea>", found.end())]).strip()
    value = re.search(r'\bvalue="([^"]*)"', found[0])
    return html.unescape(value[1]) if value else ""


def member(n: int, name: str, **cells: str) -> dict[str, str]:
    return {"id": f"M-2611-{n:05d}", "full_name": name, "national_id": f"1{n:09d}",
            "mobile": f"+9665{n:08d}", "type": "عضو عامل", "joined_on": "2020-01-01",
            "status": "نشط", **cells}


def seed(wb: Workbook, *people: dict[str, str], meeting: dict[str, str] | None = None) -> str:
    """Members, and a meeting «مجدول» (``G-2611-00001``) typed into the tabs."""
    if people:
        wb.append_many(M, list(people))
    wb.append_many(G, [{"id": "G-2611-00001", "kind": "عادي", "date": ahead(20), "time": "19:30",
                        "place": "مقر الجمعية", "agenda": "اعتماد الحساب الختامي",
                        "status": "مجدول", **(meeting or {})}])
    wb.invalidate()
    return "G-2611-00001"


@pytest.fixture
def manager(client: FlaskClient, auth: AuthActions, wb: Workbook) -> FlaskClient:
    auth.login("manager")
    return client


def attend(client: FlaskClient, gid: str, who: str, mode: str = "حضوري", proxy: str = "") -> Any:
    return client.post(f"/meetings/{gid}/attend", data={"member": who, "mode": mode,
                                                        "proxy": proxy})


# -- schedule and edit ------------------------------------------------------------------------
def test_schedule_lands_in_the_sheet_with_its_audit_row_and_hijri(manager: FlaskClient,
                                                                  wb: Workbook) -> None:
    response = manager.post("/meetings/new", data=MEETING)
    assert response.status_code == 302
    gid = response.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"G-2611-[0-9A-Z]{5}", gid)
    [row] = rows(wb)
    assert row["رقم الاجتماع"] == gid and row["الحالة"] == "مجدول" and row["الوقت"] == "19:30"
    assert row["التاريخ"] == "2026-12-20" and row["جدول الأعمال"] == MEETING["agenda"]
    [entry] = audit(wb, "جدولة اجتماع الجمعية العمومية")
    assert entry["رقم السجل"] == gid and entry["المستخدم"] == "المدير"
    page = text(manager.get(f"/meetings/{gid}"))
    assert f'2026-12-20</bdi> — <span class="date">{hijri(date(2026, 12, 20))}</span>' in page
    assert f'2026-12-05</bdi> — <span class="date">{hijri(date(2026, 12, 5))}</span>' in page
    assert "7:30 مساءً" in page and "قبل الاجتماع بـ15 يومًا" in page
    assert 'href="https://meet.example.org/assembly"' in page
    assert "الدعوة لم يحن وقتها بعد" in page  # raised from 2026-11-28
    listed = text(manager.get("/meetings"))
    assert f'href="/meetings/{gid}"' in listed and "اجتماع الجمعية العمومية العادي" in listed


@pytest.mark.parametrize("typed, field, message", [
    ({"agenda": ""}, "agenda", "اكتب جدول الأعمال: يُرسل مع الدعوة."),
    ({"place": "", "online_link": ""}, "place",
     "اكتب مكان الاجتماع أو رابط الحضور عن بعد (أو كليهما)."),
    ({"online_link": "http://meet.example.org/x"}, "online_link",
     "رابط الحضور عن بعد يبدأ بـ https:// دون مسافات (مثل https://meet.google.com/…)."),
    ({"time": "بعد العصر"}, "time", "وقت غير مفهوم؛ اكتبه مثل 19:30 أو 7:30 م."),
    ({"date": "2035-01-01"}, "date", "تاريخ الاجتماع بين 2021-11-22 و2029-11-22؛ راجع السنة."),
    ({"date": ""}, "date", "تاريخ الاجتماع مطلوب (بالصيغة 2026-12-20)."),
], ids=["agenda", "place or link", "http", "time", "far", "no date"])
def test_bad_input_is_refused_in_arabic_and_kept(manager: FlaskClient, wb: Workbook,
                                                 typed: dict[str, str], field: str,
                                                 message: str) -> None:
    page = text(manager.post("/meetings/new", data={**MEETING, **typed}))
    assert errors(page) == [message]
    assert value_of(page, "agenda") == typed.get("agenda", MEETING["agenda"])
    if field != "time":
        assert value_of(page, "time") == "19:30"  # read as typed (7:30 م)
    assert rows(wb) == [] and audit(wb, "جدولة اجتماع الجمعية العمومية") == []


def test_a_meeting_too_soon_for_the_notice_is_saved_with_a_warning(manager: FlaskClient,
                                                                   wb: Workbook) -> None:
    response = manager.post("/meetings/new", data={**MEETING, "date": ahead(10)},
                            follow_redirects=True)
    page = text(response)
    assert f"آخر موعد لإرسال الدعوة ({ahead(-5)}) مضى" in page
    assert "الدعوة متأخرة: مضى آخر موعد لها منذ 5 أيام" in page


def test_an_edit_writes_only_the_cells_changed(manager: FlaskClient, wb: Workbook,
                                               server: Server) -> None:
    gid = seed(wb)
    page = text(manager.get(f"/meetings/{gid}/edit"))
    data = {k: value_of(page, k) for k in ("date", "time", "place", "online_link", "agenda",
                                           "notes", "shown")}
    data["kind"] = "عادي"
    sheet = server.gspread_client().open_by_key(wb.sh.id).worksheet(G)
    sheet.update_cell(2, HEAD.index("ملاحظات") + 1, "كتبها متطوع")  # another column, meanwhile
    response = manager.post(f"/meetings/{gid}/edit", data={**data, "time": "٢٠:٠٠"})
    assert response.status_code == 302
    [row] = rows(wb)
    assert row["الوقت"] == "20:00" and row["ملاحظات"] == "كتبها متطوع"
    [entry] = audit(wb, "تعديل اجتماع الجمعية العمومية")
    assert entry["التغييرات"] == "الوقت: 19:30 → 20:00"


def test_an_edit_made_meanwhile_is_refused_with_the_sheet_values_and_the_input_kept(
        manager: FlaskClient, wb: Workbook, server: Server) -> None:
    gid = seed(wb)
    page = text(manager.get(f"/meetings/{gid}/edit"))
    data = {k: value_of(page, k) for k in ("date", "time", "place", "online_link", "agenda",
                                           "notes", "shown")}
    data["kind"] = "عادي"
    sheet = server.gspread_client().open_by_key(wb.sh.id).worksheet(G)
    sheet.update_cell(2, HEAD.index("المكان") + 1, "قاعة الغرفة التجارية")
    response = manager.post(f"/meetings/{gid}/edit", data={**data, "place": "قاعة البلدية"})
    page = text(response)
    assert response.status_code == 409 and "تغيّر هذا الاجتماع" in page
    assert "قاعة الغرفة التجارية" in page and value_of(page, "place") == "قاعة البلدية"
    assert rows(wb)[0]["المكان"] == "قاعة الغرفة التجارية"
    again = {**data, "place": "قاعة البلدية", "shown": value_of(page, "shown")}
    assert manager.post(f"/meetings/{gid}/edit", data=again).status_code == 302
    assert rows(wb)[0]["المكان"] == "قاعة البلدية"


# -- the invitation's send-by date, on its boundary days ---------------------------------------
@pytest.mark.parametrize("k, state, words", [
    (8, "waiting", "لم يحن وقتها بعد"),
    (7, "due", "مستحقة: بقي على آخر موعد لها 7 أيام"),  # raised a week before its last day
    (1, "due", "مستحقة: بقي على آخر موعد لها يوم واحد"),  # due − 1
    (0, "due", "مستحقة: آخر يوم لإرسالها اليوم"),  # due
    (-1, "late", "متأخرة: مضى آخر موعد لها منذ يوم واحد"),  # due + 1
])
def test_invite_by_on_its_boundary_days_on_the_page_and_in_the_sync(
        manager: FlaskClient, wb: Workbook, k: int, state: str, words: str) -> None:
    """The meeting is NOTICE + k days away, so its invitation's last day is today + k."""
    gid = seed(wb, meeting={"date": ahead(NOTICE + k)})
    got = assembly.invitation(wb.table(G).get(gid), TODAY, NOTICE)
    assert got is not None and got.by.isoformat() == ahead(k) and got.state == state
    assert f"الدعوة {words}" in text(manager.get(f"/meetings/{gid}"))
    job.run(wb, TODAY)
    [row] = rows(wb)
    assert row["آخر موعد للدعوة"] == ahead(k)
    flagged = [(p["رقم السجل"], p["العمود"], p["المشكلة"]) for p in rows(wb, P) if p["التبويب"] == G]
    if state == "waiting":
        assert flagged == []
    elif state == "due":
        assert flagged == [(gid, "تاريخ إرسال الدعوة",
                            f"دعوة الاجتماع مستحقة: آخر موعد لإرسالها {ahead(k)} ولم يُسجل إرسالها")]
    else:
        assert flagged == [(gid, "تاريخ إرسال الدعوة",
                            f"تأخرت دعوة الاجتماع: كان آخر موعد لإرسالها {ahead(k)} ولم يُسجل إرسالها")]
    assert job.run(wb, TODAY).cells_written == 0  # a second run writes nothing


def test_the_sync_follows_the_notice_setting_and_flags_a_meeting_gone_by(wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "assembly_notice_days", {"value": "30"})
    seed(wb, meeting={"date": ahead(36)})
    wb.append_many(G, [{"id": "G-2611-00002", "kind": "غير عادي", "date": ahead(-3),
                        "time": "10:00", "place": "المقر", "agenda": "ب", "status": "مجدول",
                        "invited_on": ahead(-20)},
                       {"id": "G-2611-00003", "kind": "عادي", "date": ahead(5), "time": "10:00",
                        "place": "المقر", "agenda": "ج", "status": "ملغى"}])
    job.run(wb, TODAY)
    assert [r["آخر موعد للدعوة"] for r in rows(wb)] == [ahead(6), ahead(-33), ahead(-25)]
    flagged = {(p["رقم السجل"], p["المشكلة"]) for p in rows(wb, P) if p["التبويب"] == G}
    assert flagged == {
        ("G-2611-00001", f"دعوة الاجتماع مستحقة: آخر موعد لإرسالها {ahead(6)} ولم يُسجل إرسالها"),
        ("G-2611-00002", f"مضى موعد الاجتماع ({ahead(-3)}) ولم يُسجل انعقاده أو إلغاؤه")}


def test_a_workbook_without_the_meetings_tab_still_syncs(wb: Workbook) -> None:
    wb.sh.batch_update({"requests": [{"deleteSheet": {"sheetId": wb.sheet_id(G)}}]})
    wb.titles(refresh=True)
    wb.invalidate()
    assert job.run(wb, TODAY).problems == []


def test_recording_the_invitation_sent_settles_it(manager: FlaskClient, wb: Workbook) -> None:
    gid = seed(wb, meeting={"date": ahead(NOTICE - 2)})
    assert "متأخرة" in text(manager.get(f"/meetings/{gid}"))
    future = manager.post(f"/meetings/{gid}/invited",
                          data={"i-invited_on": ahead(1), "i-shown": ""}, follow_redirects=True)
    assert "تاريخ إرسال الدعوة لا يكون في المستقبل." in text(future)
    response = manager.post(f"/meetings/{gid}/invited", data={"i-invited_on": ahead(-1),
                                                              "i-shown": ""})
    assert response.status_code == 302
    assert rows(wb)[0]["تاريخ إرسال الدعوة"] == ahead(-1)
    [entry] = audit(wb, "تسجيل إرسال دعوة الجمعية العمومية")
    assert entry["التغييرات"] == f"تاريخ إرسال الدعوة: — → {ahead(-1)}"
    assert f"الدعوة أُرسلت في {ahead(-1)} (بعد آخر موعد لها)" in \
        text(manager.get(f"/meetings/{gid}"))
    job.run(wb, TODAY)
    assert [p for p in rows(wb, P) if p["التبويب"] == G] == []


# -- the invitation's text and links ----------------------------------------------------------
def test_the_invitation_in_the_associations_words_with_links_per_active_member(
        manager: FlaskClient, wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "association_name",
              {"value": "الجمعية التعاونية متعددة الأغراض رضا"})
    gid = seed(wb, member(1, "سعد محمد الحربي"), member(2, "هند علي", mobile=""),
               member(3, "فهد سالم", status="موقوف"),
               meeting={"date": "2026-12-12", "online_link": "https://meet.example.org/a"})
    page = text(manager.get(f"/meetings/{gid}/invitation"))
    expected = "\n".join([
        "السلام عليكم سعد،",
        ("يسر الجمعية التعاونية متعددة الأغراض رضا دعوتكم إلى حضور اجتماع الجمعية العمومية "
         f"العادي يوم السبت {both(date(2026, 12, 12))}، الساعة 7:30 مساءً."),
        "المكان: مقر الجمعية", "للحضور عن بعد: https://meet.example.org/a",
        "جدول الأعمال:", "اعتماد الحساب الختامي",
        "إن تعذر حضوركم فلكم إنابة عضو آخر بتفويض مكتوب.", "رقم عضويتكم: M-2611-00001",
        "مع التحية، الجمعية التعاونية متعددة الأغراض رضا"])
    assert f'href="https://wa.me/966500000001?text={quote(expected)}"' in page
    assert f'href="sms:+966500000001?body={quote(expected)}"' in page
    assert "هند علي" in page and "لا جوال صحيح" in page and "فهد سالم" not in page
    found = re.search(r'<textarea[^>]*id="general"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert found is not None
    general = html.unescape(found[1])
    assert general.startswith("السادة أعضاء الجمعية العمومية في الجمعية التعاونية متعددة الأغراض "
                              "رضا، السلام عليكم ورحمة الله،")
    assert "رقم عضويتكم" not in general


# -- attendance and the quorum ----------------------------------------------------------------
def test_attendance_rules_and_what_lands_in_the_sheet(manager: FlaskClient,
                                                      wb: Workbook) -> None:
    gid = seed(wb, member(1, "سعد الحربي"), member(2, "هند علي"), member(3, "فهد سالم"),
               member(4, "نورة موقوفة", status="موقوف"), meeting={"date": TODAY.isoformat()})
    ok = attend(manager, gid, "m-2611-00001")
    assert ok.status_code == 302
    [row] = rows(wb, A)
    assert (row["رقم الاجتماع"], row["رقم العضوية"], row["طريقة الحضور"], row["تاريخ التسجيل"],
            row["سجّله"]) == (gid, "M-2611-00001", "حضوري", TODAY.isoformat(), "المدير")
    [entry] = audit(wb, "تسجيل حضور الجمعية العمومية")
    assert entry["رقم السجل"] == row["رقم الحضور"]
    twice = attend(manager, gid, "1000000001", "عن بعد")  # the same member by national ID
    assert twice.status_code == 409 and "سُجل حضور هذا العضو في الاجتماع من قبل" in text(twice)
    inactive = attend(manager, gid, "M-2611-00004")
    assert inactive.status_code == 409
    assert "حالة عضوية نورة موقوفة «موقوف»: يحضر الجمعية العمومية العضو النشط وحده." in \
        text(inactive)
    no_proxy = text(attend(manager, gid, "M-2611-00002", "بالإنابة"))
    assert errors(no_proxy) == ["الحضور بالإنابة يحتاج رقم عضوية الوكيل الذي يحمل الإنابة."]
    assert value_of(no_proxy, "member") == "M-2611-00002"
    assert attend(manager, gid, "M-2611-00002", "بالإنابة", "M-2611-00001").status_code == 302
    assert rows(wb, A)[1]["الوكيل"] == "M-2611-00001"
    limit = attend(manager, gid, "M-2611-00003", "بالإنابة", "M-2611-00001")
    assert limit.status_code == 409 and "ولا ينوب العضو عن أكثر من عضو واحد" in text(limit)
    assert len(rows(wb, A)) == 2 and len(audit(wb, "تسجيل حضور الجمعية العمومية")) == 2


def test_a_name_matching_several_is_offered_and_in_person_waits_for_the_day(
        manager: FlaskClient, wb: Workbook) -> None:
    gid = seed(wb, member(1, "سعد الحربي"), member(2, "سعد العتيبي"), member(3, "هند علي"))
    page = text(attend(manager, gid, "سعد", "بالإنابة", "M-2611-00003"))
    assert 'id="matches"' in page and "سعد الحربي" in page and "سعد العتيبي" in page
    assert rows(wb, A) == []
    early = attend(manager, gid, "M-2611-00001")
    assert early.status_code == 409 and f"موعد الاجتماع {ahead(20)} لم يحن بعد" in text(early)
    assert attend(manager, gid, "M-2611-00002", "بالإنابة", "1000000003").status_code == 302
    assert rows(wb, A)[0]["الوكيل"] == "M-2611-00003"


def test_a_mistaken_row_is_voided_with_its_reason_and_recorded_again(manager: FlaskClient,
                                                                     wb: Workbook) -> None:
    gid = seed(wb, member(1, "سعد الحربي"), meeting={"date": TODAY.isoformat()})
    attend(manager, gid, "M-2611-00001")
    vid = rows(wb, A)[0]["رقم الحضور"]
    assert errors(text(manager.post(f"/meetings/{gid}/attendance/{vid}/void",
                                    data={"reason": ""}))) == ["اكتب السبب."]
    assert manager.post(f"/meetings/{gid}/attendance/{vid}/void",
                        data={"reason": "سُجل بالخطأ بدل أخيه"}).status_code == 302
    [row] = rows(wb, A)  # never deleted
    assert row["تاريخ إلغاء التسجيل"] == TODAY.isoformat()
    assert row["سبب إلغاء التسجيل"] == "سُجل بالخطأ بدل أخيه"
    assert "سبب إلغاء التسجيل: — → سُجل بالخطأ بدل أخيه" in \
        audit(wb, "إلغاء تسجيل حضور")[0]["التغييرات"]
    assert "الحاضرون 0 والنصاب 1: النصاب غير مكتمل" in text(manager.get(f"/meetings/{gid}"))
    assert attend(manager, gid, "M-2611-00001", "عن بعد").status_code == 302
    assert "الحاضرون 1 والنصاب 1: النصاب مكتمل" in text(manager.get(f"/meetings/{gid}"))


def test_the_ground_floor_speaks_the_schemas_words() -> None:
    assert (assembly.SCHEDULED, assembly.HELD, assembly.CANCELLED) == schema.MEETING_STATUSES
    assert (assembly.IN_PERSON, assembly.BY_PROXY, assembly.ONLINE) == schema.ATTENDANCE_MODES
    assert schema.MEMBERSHIP_TYPES[0] == assembly.VOTING
    assert [assembly.clock(t) for t in ("7:30 م", "٧:٠٥ ص", "12:00 م", "12:15 ص", "23:59",
                                        "24:00", "13:00 م", "غدًا")] == \
        ["19:30", "07:05", "12:00", "00:15", "23:59", None, None, None]
    assert [assembly.time_words(t) for t in ("19:30", "09:00", "12:10", "00:30")] == \
        ["7:30 مساءً", "9:00 صباحًا", "12:10 ظهرًا", "12:30 صباحًا"]


@pytest.mark.parametrize("active, percent, needed", [
    (10, 50, 6), (9, 50, 5), (1, 50, 1), (0, 50, 0), (3, 66, 2), (10, 99, 10), (4, 0, 1)])
def test_quorum_needed_is_more_than_the_share(active: int, percent: int, needed: int) -> None:
    assert assembly.needed(active, percent) == needed


def test_quorum_met_and_not_met_at_the_boundary(manager: FlaskClient, wb: Workbook) -> None:
    """Ten active working members: more than half is six; an associate member, a suspended one
    and a voided row do not count."""
    people = [member(i, f"عضو {i}") for i in range(1, 11)]
    people += [member(11, "منتسب", type="عضو منتسب"), member(12, "موقوف", status="موقوف")]
    gid = seed(wb, *people, meeting={"date": TODAY.isoformat()})
    wb.append_many(A, [{"id": f"V-{i}", "meeting_id": gid, "member_id": f"M-2611-{i:05d}",
                        "mode": "حضوري"} for i in (1, 2, 3, 4, 5, 11)] +
                   [{"id": "V-6", "meeting_id": gid, "member_id": "M-2611-00006",
                     "mode": "حضوري", "voided_on": TODAY.isoformat()}])
    wb.invalidate()
    page = text(manager.get(f"/meetings/{gid}"))
    assert "الحاضرون 5 والنصاب 6: النصاب غير مكتمل" in page
    assert "أكثر من 50٪ من الأعضاء العاملين النشطين، وعددهم 10" in page
    assert attend(manager, gid, "M-2611-00006").status_code == 302
    assert "الحاضرون 6 والنصاب 6: النصاب مكتمل" in text(manager.get(f"/meetings/{gid}"))
    wb.update(schema.SETTINGS.name, "assembly_quorum_percent", {"value": "60"})
    assert "الحاضرون 6 والنصاب 7: النصاب غير مكتمل" in text(manager.get(f"/meetings/{gid}"))


def test_thousands_of_members_are_indexed_once_per_snapshot(
        manager: FlaskClient, wb: Workbook, monkeypatch: pytest.MonkeyPatch) -> None:
    gid = seed(wb, *(member(i, f"عضو {i:04d}") for i in range(1, 3001)),
               meeting={"date": TODAY.isoformat()})
    wb.append_many(A, [{"id": f"V-{i}", "meeting_id": gid, "member_id": f"M-2611-{i:05d}",
                        "mode": "حضوري"} for i in range(1, 1600)])
    runs: list[int] = []
    real = attendance.index
    monkeypatch.setattr(attendance, "index", lambda records: runs.append(1) or real(records))
    page = text(manager.get(f"/meetings/{gid}"))
    assert "الحاضرون 1599 والنصاب 1501: النصاب مكتمل" in page
    assert page.count('data-label="رقم الحضور"') == 50 and "صفحة 1 من 32" in page
    invitation = text(manager.get(f"/meetings/{gid}/invitation?page=60"))
    assert invitation.count("https://wa.me/") == 50 and "عضو 3000" in invitation
    manager.get(f"/meetings/{gid}?page=2")
    assert runs == [1]  # the next pages cost no pass over the members


# -- held and cancelled -----------------------------------------------------------------------
def test_held_with_its_decisions_and_the_quorum_kept(manager: FlaskClient, wb: Workbook) -> None:
    gid = seed(wb, member(1, "سعد الحربي"), member(2, "هند علي"))
    early = manager.post(f"/meetings/{gid}/hold", data={"decisions": "اعتُمد"})
    assert early.status_code == 409 and "لم يحن بعد" in text(early)
    wb.update(G, gid, {"date": TODAY.isoformat()})
    attend(manager, gid, "M-2611-00001")
    assert "اكتب قرارات الاجتماع" in text(manager.post(f"/meetings/{gid}/hold",
                                                      data={"decisions": ""}))
    response = manager.post(f"/meetings/{gid}/hold", data={"decisions": "اعتماد الحساب الختامي"})
    assert response.status_code == 302
    [row] = rows(wb)
    quorum = "الحاضرون 1 والنصاب 2: النصاب غير مكتمل (أكثر من 50٪ من الأعضاء العاملين النشطين، وعددهم 2)"
    assert (row["الحالة"], row["القرارات"], row["النصاب عند الانعقاد"]) == \
        ("منعقد", "اعتماد الحساب الختامي", quorum)
    assert "الحالة: مجدول → منعقد" in audit(wb, "تسجيل انعقاد الجمعية العمومية")[0]["التغييرات"]
    closed = attend(manager, gid, "M-2611-00002")
    assert closed.status_code == 409 and "الاجتماع «منعقد»: لا يُسجل فيه حضور." in text(closed)
    wb.update(M, "M-2611-00002", {"status": "منسحب"})  # later changes leave the record as it was
    page = text(manager.get(f"/meetings/{gid}"))
    assert quorum in page and "اعتماد الحساب الختامي" in page


def test_cancelled_with_a_reason_and_kept(manager: FlaskClient, wb: Workbook) -> None:
    gid = seed(wb, member(1, "سعد الحربي"), meeting={"date": ahead(NOTICE)})
    assert manager.post(f"/meetings/{gid}/cancel", data={"reason": "تعذر الحجز"}).status_code \
        == 302
    [row] = rows(wb)
    assert row["الحالة"] == "ملغى" and row["ملاحظات"] == f"أُلغي في {TODAY.isoformat()}: تعذر الحجز"
    again = manager.post(f"/meetings/{gid}/cancel", data={"reason": "ثانية"})
    assert again.status_code == 409
    assert len(audit(wb, "إلغاء اجتماع الجمعية العمومية")) == 1
    assert manager.get(f"/meetings/{gid}/edit").status_code == 302


# -- the list, the next meeting, who may do what --------------------------------------------
def test_the_next_meeting_first_then_the_past(manager: FlaskClient, wb: Workbook) -> None:
    records = [{"id": "G-1", "date": ahead(-200), "status": "منعقد"},
               {"id": "G-2", "date": ahead(60), "status": "مجدول"},
               {"id": "G-3", "date": ahead(5), "status": "مجدول"},
               {"id": "G-4", "date": ahead(2), "status": "ملغى"},
               {"id": "G-5", "date": ahead(0), "status": "مجدول", "time": "19:00"}]
    assert [m["id"] for m in meetings.listed(records, TODAY)] == \
        ["G-5", "G-3", "G-2", "G-4", "G-1"]
    assert meetings.next_meeting(records, TODAY)["id"] == "G-5"
    assert meetings.next_meeting(records, TODAY + timedelta(days=61)) is None
    wb.append_many(G, [{**r, "kind": "عادي", "agenda": "أ", "place": "م"} for r in records])
    page = text(manager.get("/meetings"))
    assert re.findall(r'href="/meetings/(G-\d)"', page) == ["G-5", "G-3", "G-2", "G-4", "G-1"]


@pytest.mark.parametrize("role", ["researcher", "committee", "volunteer"])
def test_roles_without_the_assembly_get_403_and_no_link(client: FlaskClient, auth: AuthActions,
                                                        wb: Workbook, role: str) -> None:
    gid = seed(wb, member(1, "سعد"))
    auth.login(role)
    for url in ("/meetings", "/meetings/new", f"/meetings/{gid}", f"/meetings/{gid}/edit",
                f"/meetings/{gid}/hold", f"/meetings/{gid}/cancel", f"/meetings/{gid}/invitation"):
        assert client.get(url).status_code == 403, url
    assert attend(client, gid, "M-2611-00001").status_code == 403
    assert client.post("/meetings/new", data=MEETING).status_code == 403
    if role != "volunteer":
        assert 'href="/meetings"' not in text(client.get("/references/"))


def test_reception_reads_invites_and_records_attendance_but_does_not_manage(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    gid = seed(wb, member(1, "سعد"), meeting={"date": TODAY.isoformat()})
    auth.login("reception")
    assert 'href="/meetings">الجمعية العمومية</a>' in text(client.get("/"))
    page = text(client.get(f"/meetings/{gid}"))
    assert f"/meetings/{gid}/edit" not in page and 'name="i-invited_on"' not in page
    assert client.get(f"/meetings/{gid}/invitation").status_code == 200
    assert attend(client, gid, "M-2611-00001").status_code == 302
    for url in ("/meetings/new", f"/meetings/{gid}/edit", f"/meetings/{gid}/hold",
                f"/meetings/{gid}/cancel"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/meetings/{gid}/invited", data={"i-invited_on": ahead(0)}
                       ).status_code == 403


# -- the settings -----------------------------------------------------------------------------
def test_the_settings_are_checked_grouped_and_documented(manager: FlaskClient) -> None:
    assert association.check_setting("assembly_quorum_percent", "100")[0] == "50"
    assert association.check_setting("assembly_quorum_percent", "٦٠") == ("60", None)
    assert association.check_setting("assembly_notice_days", "عشرة")[0] == "15"
    page = text(manager.get("/settings/"))
    group = page[page.index("أعضاء الجمعية العمومية"):]
    assert 'id="assembly_notice_days"' in group and 'id="assembly_quorum_percent"' in group
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for key in ("assembly_notice_days", "assembly_quorum_percent"):
        assert f"`{key}`" in readme


def test_the_meetings_pages_speak_arabic(manager: FlaskClient, wb: Workbook) -> None:
    from tests.test_arabic import english, miscounted, read

    gid = seed(wb, member(1, "سعد الحربي"), member(2, "هند علي"),
               meeting={"date": TODAY.isoformat(), "online_link": "https://meet.example.org/a"})
    attend(manager, gid, "M-2611-00001")
    vid = rows(wb, A)[0]["رقم الحضور"]
    pages = ["/meetings", "/meetings/new", f"/meetings/{gid}", f"/meetings/{gid}/edit",
             f"/meetings/{gid}/invitation", f"/meetings/{gid}/hold", f"/meetings/{gid}/cancel",
             f"/meetings/{gid}/attendance/{vid}/void", f"/outreach?reason={meetings.INVITATION}"]
    for url in pages:
        response = manager.get(url)
        assert response.status_code == 200, url
        found = [run for t in read(text(response)).texts for run in english(t) + miscounted(t)]
        assert found == [], url
