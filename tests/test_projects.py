"""Projects and products offered to the general assembly's members (issue 17, seed 004: «عرض
المنتجات والمشاريع على المساهمين»): add, edit, publish, the list and what is open, members'
interests and subscriptions, who may do what, and what lands in the sheet with its audit."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from records import projects as rp
from sheets import Workbook, schema
from tests.conftest import AuthActions, Server
from tests.helpers import text
from tests.test_arabic import crawl, not_arabic, read
from tests.test_members import audit, errors, rows, value_of

P, J, M = schema.PROJECTS.name, schema.PARTICIPATIONS.name, schema.MEMBERS.name
HEAD = [c.header for c in schema.PROJECTS.columns]
PROJECT = {"title": "مشروع تسويق التمور", "kind": "مشروع",
           "description": "تسويق تمور الأعضاء في موسم الحصاد", "starts_on": "2026-12-01",
           "ends_on": "2027-01-31", "status": "مسودة",
           "how_to_join": "التسجيل لدى موظف الاستقبال", "notes": ""}


def add(client: FlaskClient, **overrides: str) -> Any:
    return client.post("/projects/new", data={**PROJECT, **overrides})


def number(response: Any) -> str:
    return response.headers["Location"].rsplit("/", 1)[1]


def seed(wb: Workbook, tab: str, *records: dict[str, str]) -> None:
    """Rows as a volunteer would have typed them into the tab."""
    wb.append_many(tab, records)
    wb.invalidate()


def seed_members(wb: Workbook) -> None:
    base = {"type": "عضو عامل", "joined_on": "2020-01-01", "mobile": "+966551234567"}
    seed(wb, M, {**base, "id": "M-2611-AAAAA", "full_name": "فاطمة عبدالله القحطاني",
                 "national_id": "1000000008", "status": "نشط"},
         {**base, "id": "M-2611-BBBBB", "full_name": "أحمد سالم العنزي",
          "national_id": "2000000007", "status": "منسحب"},
         {**base, "id": "M-2611-CCCCC", "full_name": "فاطمة علي الزهراني",
          "national_id": "1000000016", "status": "نشط"})


@pytest.fixture
def manager(client: FlaskClient, auth: AuthActions) -> FlaskClient:
    auth.login("manager")
    return client


@pytest.fixture
def opened(manager: FlaskClient, wb: Workbook) -> str:
    """An open project, with members to take part in it."""
    seed_members(wb)
    return number(add(manager, status="مفتوح"))


# -- add and edit ------------------------------------------------------------------------------
def test_a_project_lands_in_the_sheet_with_its_audit_row(manager: FlaskClient,
                                                         wb: Workbook) -> None:
    response = add(manager, starts_on="٢٠٢٦-١٢-٠١")
    assert response.status_code == 302
    pid = number(response)
    assert re.fullmatch(r"P-2611-[0-9A-Z]{5}", pid)
    [row] = rows(wb, P)
    assert row["رقم المشروع"] == pid and row["الحالة"] == "مسودة" and row["تاريخ النشر"] == ""
    assert (row["تاريخ البدء"], row["تاريخ الانتهاء"]) == ("2026-12-01", "2027-01-31")
    assert row["طريقة المشاركة"] == "التسجيل لدى موظف الاستقبال"
    [entry] = audit(wb, "إضافة مشروع")
    assert entry["رقم السجل"] == pid and entry["المستخدم"] == "المدير"
    assert "العنوان: — → مشروع تسويق التمور" in entry["التغييرات"]
    page = text(manager.get(f"/projects/{pid}"))
    assert "مشروع تسويق التمور" in page and "لم يُنشر بعد" in page
    assert '<bdi class="date" dir="ltr">2027-01-31</bdi> — <span class="date">' in page


def test_created_open_it_is_published_today(manager: FlaskClient, wb: Workbook) -> None:
    pid = number(add(manager, status="مفتوح"))
    [row] = rows(wb, P)
    assert row["الحالة"] == "مفتوح" and row["تاريخ النشر"] == "2026-11-22"
    assert "تاريخ النشر: — → 2026-11-22" in audit(wb, "إضافة مشروع")[0]["التغييرات"]
    assert pid in text(manager.get("/projects/open"))


@pytest.mark.parametrize("typed, message", [
    ({"title": ""}, "اكتب عنوان المشروع أو المنتج."),
    ({"ends_on": "2026-11-30"}, "تاريخ الانتهاء لا يسبق تاريخ البدء."),
    ({"starts_on": "2260-01-01", "ends_on": ""}, "التاريخ بين 1996-11-22 و2036-11-22؛ راجع السنة."),
    ({"ends_on": "31/13/2026"}, "تاريخ غير مفهوم؛ اكتبه بالصيغة 2027-05-01."),
    ({"kind": "سيارة"}, "اختر أحد الخيارات المعروضة."),
], ids=["no title", "end before start", "far year", "unreadable", "not a kind"])
def test_bad_input_is_refused_in_arabic_and_kept(manager: FlaskClient, wb: Workbook,
                                                 typed: dict[str, str], message: str) -> None:
    page = text(add(manager, **typed))
    assert errors(page) == [message]
    assert value_of(page, "title") == typed.get("title", PROJECT["title"])
    assert "تسويق تمور الأعضاء" in page  # the description typed stays
    assert rows(wb, P) == [] and audit(wb, "إضافة مشروع") == []


def edit_form(client: FlaskClient, pid: str) -> dict[str, str]:
    """The edit page's fields as the browser would send them back."""
    page = text(client.get(f"/projects/{pid}/edit"))
    data = {k: value_of(page, k) for k in ("title", "starts_on", "ends_on", "shown")}
    selected = re.findall(r'<option selected value="([^"]*)"', page)
    data.update(kind=selected[0], status=selected[1])
    for key in ("description", "how_to_join", "notes"):
        found = re.search(rf'<textarea[^>]*name="{key}"[^>]*>\r?\n?([^<]*)</textarea>', page)
        assert found, key
        data[key] = found[1]
    return data


def test_an_edit_writes_only_the_cells_changed(manager: FlaskClient, wb: Workbook,
                                               server: Server) -> None:
    pid = number(add(manager))
    data = edit_form(manager, pid)
    assert data["description"] == PROJECT["description"] and data["status"] == "مسودة"
    sheet = server.gspread_client().open_by_key(wb.sh.id).worksheet(P)
    sheet.update_cell(2, HEAD.index("ملاحظات") + 1, "كتبها متطوع")  # another cell, meanwhile
    response = manager.post(f"/projects/{pid}/edit",
                            data={**data, "ends_on": "2027-02-28", "status": "مفتوح"})
    assert response.status_code == 302
    [row] = rows(wb, P)
    assert row["تاريخ الانتهاء"] == "2027-02-28" and row["الحالة"] == "مفتوح"
    assert row["تاريخ النشر"] == "2026-11-22" and row["ملاحظات"] == "كتبها متطوع"
    [entry] = audit(wb, "تعديل مشروع")
    assert entry["التغييرات"] == ("تاريخ الانتهاء: 2027-01-31 → 2027-02-28؛ الحالة: مسودة → "
                                  "مفتوح؛ تاريخ النشر: — → 2026-11-22")
    assert "حُفظ المشروع: تاريخ الانتهاء، الحالة." in text(manager.get(f"/projects/{pid}"))
    again = manager.post(f"/projects/{pid}/edit", data=edit_form(manager, pid))
    assert again.status_code == 302 and len(audit(wb, "تعديل مشروع")) == 1  # nothing changed
    bad = text(manager.post(f"/projects/{pid}/edit",
                            data={**edit_form(manager, pid), "ends_on": "2026-01-01"}))
    assert errors(bad) == ["تاريخ الانتهاء لا يسبق تاريخ البدء."]
    assert value_of(bad, "ends_on") == "2026-01-01"


def test_a_concurrent_edit_is_refused_with_the_sheet_values_and_the_input_kept(
        manager: FlaskClient, wb: Workbook, server: Server) -> None:
    pid = number(add(manager))
    data = edit_form(manager, pid)
    sheet = server.gspread_client().open_by_key(wb.sh.id).worksheet(P)
    sheet.update_cell(2, HEAD.index("العنوان") + 1, "مشروع التمور (معدل)")  # another desk
    response = manager.post(f"/projects/{pid}/edit",
                            data={**data, "title": "مشروع التمور الموسمي", "ends_on": "2027-03-01"})
    page = text(response)
    assert response.status_code == 409 and "تغيّرت بيانات هذا المشروع" in page
    assert "مشروع التمور (معدل)" in page  # what the sheet holds now
    assert value_of(page, "title") == "مشروع التمور الموسمي"  # what was typed stays
    assert value_of(page, "ends_on") == "2027-03-01"
    [row] = rows(wb, P)
    assert row["العنوان"] == "مشروع التمور (معدل)" and row["تاريخ الانتهاء"] == "2027-01-31"
    assert audit(wb, "تعديل مشروع") == []
    resent = {**data, "title": "مشروع التمور الموسمي", "ends_on": "2027-03-01",
              "shown": value_of(page, "shown")}
    assert manager.post(f"/projects/{pid}/edit", data=resent).status_code == 302
    assert rows(wb, P)[0]["العنوان"] == "مشروع التمور الموسمي"


def test_publish_close_and_reopen(manager: FlaskClient, wb: Workbook) -> None:
    pid = number(add(manager))
    assert f"/projects/{pid}/publish" in text(manager.get(f"/projects/{pid}"))
    assert manager.post(f"/projects/{pid}/publish").status_code == 302
    [row] = rows(wb, P)
    assert (row["الحالة"], row["تاريخ النشر"]) == ("مفتوح", "2026-11-22")
    [entry] = audit(wb, "نشر مشروع")
    assert entry["التغييرات"] == "الحالة: مسودة → مفتوح؛ تاريخ النشر: — → 2026-11-22"
    manager.post(f"/projects/{pid}/publish")  # a second click
    assert "حالة المشروع «مفتوح» من قبل" in text(manager.get(f"/projects/{pid}"))
    assert len(audit(wb, "نشر مشروع")) == 1
    manager.post(f"/projects/{pid}/close")
    assert rows(wb, P)[0]["الحالة"] == "مغلق" and pid not in text(manager.get("/projects/open"))
    wb.update(P, pid, {"published_on": "2026-11-01"})
    manager.post(f"/projects/{pid}/reopen")
    [row] = rows(wb, P)  # reopened: its first publication date stays
    assert (row["الحالة"], row["تاريخ النشر"]) == ("مفتوح", "2026-11-01")
    assert audit(wb, "إعادة فتح مشروع")[0]["التغييرات"] == "الحالة: مغلق → مفتوح"


def test_an_outage_keeps_a_project_and_a_participation_with_their_numbers(
        manager: FlaskClient, wb: Workbook, opened: str, server: Server,
        runner: FlaskCliRunner) -> None:
    for url in ("/projects", f"/projects/{opened}", f"/projects/{opened}/join"):
        manager.get(url)
    server.api.inject(503, times=1000)
    response = add(manager, title="مشروع البيوت المحمية")
    assert response.status_code == 302 and response.headers["Location"] == "/projects"
    listed = text(manager.get("/projects"))
    assert "بانتظار الحفظ" in listed and "مشروع البيوت المحمية" in listed
    assert join(manager, opened, member="M-2611-AAAAA").status_code == 302
    page = text(manager.get(f"/projects/{opened}"))
    assert "حُفظ محليًا" in page and "بانتظار الحفظ" in page
    again = join(manager, opened, member="M-2611-AAAAA")  # the journal counts too
    assert again.status_code == 409 and "من قبل" in text(again)
    server.api.reset()
    assert runner.invoke(args=["journal"]).exit_code == 0
    assert [r["العنوان"] for r in rows(wb, P)] == [PROJECT["title"], "مشروع البيوت المحمية"]
    [row] = rows(wb, J)
    assert row["رقم العضوية"] == "M-2611-AAAAA" and len(audit(wb, "تسجيل مشاركة عضو")) == 1


# -- the list and what is open -----------------------------------------------------------------
LISTED = [
    {"id": "P-1", "title": "منتج العسل", "kind": "منتج", "status": "مفتوح", "ends_on": "2027-03-01"},
    {"id": "P-2", "title": "مسودة الألبان", "kind": "مشروع", "status": "مسودة"},
    {"id": "P-3", "title": "مشروع منتهٍ", "kind": "مشروع", "status": "مغلق",
     "starts_on": "2025-01-01"},
    {"id": "P-4", "title": "خدمة النقل", "kind": "خدمة", "status": "مفتوح", "ends_on": "2026-12-10"},
    {"id": "P-5", "title": "مفتوح فات موعده", "kind": "مشروع", "status": "مفتوح",
     "ends_on": "2026-11-01"},
    {"id": "P-6", "title": "صندوق الادخار", "kind": "خدمة", "status": "مفتوح"},
]


def test_open_projects_closing_soonest_first() -> None:
    got = rp.open_projects(LISTED, date(2026, 11, 22))
    assert [p["id"] for p in got] == ["P-4", "P-1", "P-6"]  # no draft, closed or ended one
    assert [p["id"] for p in rp.open_projects(LISTED, date(2027, 1, 1))] == ["P-1", "P-6"]


def test_the_list_shows_open_ones_first_and_the_open_page_what_members_may_join(
        manager: FlaskClient, wb: Workbook) -> None:
    seed(wb, P, *LISTED)
    page = text(manager.get("/projects"))
    assert re.findall(r'href="/projects/(P-\d)"', page) == ["P-5", "P-4", "P-1", "P-6", "P-2",
                                                            "P-3"]
    assert "انتهى تاريخه ولم يُغلق" in page
    drafts = text(manager.get("/projects?status=مسودة"))
    assert re.findall(r'href="/projects/(P-\d)"', drafts) == ["P-2"]
    shown = text(manager.get("/projects/open"))
    assert re.findall(r'<section class="card" id="(P-\d)"', shown) == ["P-4", "P-1", "P-6"]
    assert "انتهى تاريخه فلم يعد يُعرض" in text(manager.get("/projects/P-5"))


# -- members' interests and subscriptions ------------------------------------------------------
def join(client: FlaskClient, pid: str, **data: str) -> Any:
    return client.post(f"/projects/{pid}/join",
                       data={"kind": "اهتمام", "amount": "", "notes": "", **data})


def test_a_members_interest_and_subscription_land_with_their_audit_rows(
        manager: FlaskClient, wb: Workbook, opened: str) -> None:
    response = join(manager, opened, member="m-2611-aaaaa", notes="يريد تفاصيل الأسعار")
    assert response.status_code == 302
    response = join(manager, opened, member="M-2611-AAAAA", kind="اشتراك", amount="٥٠٠")
    assert response.status_code == 302
    interest, subscription = rows(wb, J)
    assert (interest["رقم المشروع"], interest["رقم العضوية"], interest["النوع"]) == \
        (opened, "M-2611-AAAAA", "اهتمام")
    assert interest["ملاحظات"] == "يريد تفاصيل الأسعار" and interest["سجّله"] == "المدير"
    assert (subscription["النوع"], subscription["المبلغ أو الكمية"],
            subscription["تاريخ التسجيل"]) == ("اشتراك", "500", "2026-11-22")
    assert re.fullmatch(r"J-2611-[0-9A-Z]{5}", subscription["رقم المشاركة"])
    entries = audit(wb, "تسجيل مشاركة عضو")
    assert [e["رقم السجل"] for e in entries] == [interest["رقم المشاركة"],
                                                  subscription["رقم المشاركة"]]
    page = text(manager.get(f"/projects/{opened}"))
    assert "الاهتمام: 1 · الاشتراك: 1" in page and "فاطمة عبدالله القحطاني" in page
    assert 'href="/members/M-2611-AAAAA"' in page
    listed = text(manager.get("/projects"))
    assert re.search(r'data-label="المهتمون">1<.*data-label="المشتركون">1<', listed)


def test_the_same_members_same_kind_twice_is_refused(manager: FlaskClient, wb: Workbook,
                                                     opened: str, server: Server) -> None:
    join(manager, opened, member="M-2611-AAAAA")
    response = join(manager, opened, member="M-2611-AAAAA", notes="مرة ثانية")
    page = text(response)
    assert response.status_code == 409
    assert "سُجل «اهتمام» لهذا العضو في هذا المشروع من قبل بتاريخ 2026-11-22" in page
    assert "مرة ثانية" in page  # what was typed stays
    assert len(rows(wb, J)) == 1
    # Recorded a moment ago at another desk (straight into the sheet): seen before writing.
    manager.get(f"/projects/{opened}/join")
    sheet = server.gspread_client().open_by_key(wb.sh.id).worksheet(J)
    heads = [c.header for c in schema.PARTICIPATIONS.columns]
    other = dict.fromkeys(heads, "")
    other.update({"رقم المشاركة": "J-2611-ZZZZZ", "رقم المشروع": opened,
                  "رقم العضوية": "M-2611-CCCCC", "النوع": "اشتراك",
                  "تاريخ التسجيل": "2026-11-22"})
    sheet.append_row([other[h] for h in heads], value_input_option="RAW")
    again = join(manager, opened, member="M-2611-CCCCC", kind="اشتراك")
    assert again.status_code == 409 and "رقم المشاركة J-2611-ZZZZZ" in text(again)
    assert len(rows(wb, J)) == 2 and len(audit(wb, "تسجيل مشاركة عضو")) == 1


def test_a_withdrawn_member_is_refused(manager: FlaskClient, wb: Workbook, opened: str) -> None:
    response = join(manager, opened, member="M-2611-BBBBB", kind="اشتراك", amount="3 أسهم")
    page = text(response)
    assert response.status_code == 409
    assert errors(page) == ["العضو منسحب؛ لا تُسجل له مشاركة. أعد تفعيل عضويته أولًا إن عاد."]
    assert value_of(page, "amount") == "3 أسهم"
    assert rows(wb, J) == [] and audit(wb, "تسجيل مشاركة عضو") == []


def test_a_member_found_by_name_or_id_is_picked_from_the_matches(
        manager: FlaskClient, wb: Workbook, opened: str) -> None:
    page = text(join(manager, opened, member="فاطمه", amount="10 كراتين"))
    assert errors(page) == ["اختر العضو من النتائج أدناه."]
    assert re.findall(r'name="pick" value="(M-[^"]+)"', page) == ["M-2611-AAAAA", "M-2611-CCCCC"]
    assert "1•••••••08" in page and "1000000008" not in page  # IDs masked
    assert value_of(page, "amount") == "10 كراتين"
    withdrawn = text(join(manager, opened, member="2000000007"))
    assert "لا تُسجل له مشاركة" in withdrawn and 'value="M-2611-BBBBB"' not in withdrawn
    assert errors(text(join(manager, opened, member="خالد"))) == \
        ["لا يوجد عضو بهذا الرقم أو البحث."]
    response = join(manager, opened, member="فاطمه", pick="M-2611-CCCCC", amount="10 كراتين")
    assert response.status_code == 302
    [row] = rows(wb, J)
    assert (row["رقم العضوية"], row["المبلغ أو الكمية"]) == ("M-2611-CCCCC", "10 كراتين")
    form = text(manager.get(f"/projects/{opened}/join?member=M-2611-AAAAA"))
    assert value_of(form, "member") == "M-2611-AAAAA"


def test_only_an_open_project_takes_participation(manager: FlaskClient, wb: Workbook) -> None:
    seed_members(wb)
    pid = number(add(manager))  # a draft
    page = text(manager.get(f"/projects/{pid}/join"))
    assert "لا تُسجل المشاركة إلا في مشروع مفتوح؛ حالة هذا المشروع «مسودة». انشره أولًا." in page
    assert 'name="member"' not in page
    assert join(manager, pid, member="M-2611-AAAAA").status_code == 200
    assert rows(wb, J) == []


# -- who may do what ---------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["researcher", "committee", "volunteer"])
def test_roles_without_projects_get_403_and_no_link(client: FlaskClient, auth: AuthActions,
                                                    wb: Workbook, role: str) -> None:
    seed(wb, P, LISTED[0])
    auth.login(role)
    for url in ("/projects", "/projects/open", "/projects/new", "/projects/P-1",
                "/projects/P-1/edit", "/projects/P-1/join"):
        assert client.get(url).status_code == 403, url
    for url in ("/projects/new", "/projects/P-1/publish", "/projects/P-1/join"):
        assert client.post(url, data={**PROJECT, "member": "M-1"}).status_code == 403, url
    assert 'href="/projects"' not in text(client.get("/references/"))


def test_reception_sees_and_records_participation_but_does_not_manage(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    seed(wb, P, LISTED[0])
    seed_members(wb)
    auth.login("reception")
    home = text(client.get("/"))
    assert 'href="/projects"' in home and 'href="/statements"' in home
    for url in ("/projects", "/projects/open", "/projects/P-1", "/projects/P-1/join"):
        assert client.get(url).status_code == 200, url
    detail = text(client.get("/projects/P-1"))
    assert "/projects/P-1/edit" not in detail and "/projects/P-1/close" not in detail
    for url in ("/projects/new", "/projects/P-1/edit"):
        assert client.get(url).status_code == 403, url
        assert client.post(url, data=PROJECT).status_code == 403, url
    assert client.post("/projects/P-1/close").status_code == 403
    assert join(client, "P-1", member="M-2611-AAAAA").status_code == 302
    [row] = rows(wb, J)
    assert row["سجّله"] == "نورة الاستقبال" and rows(wb, P)[0]["الحالة"] == "مفتوح"


def test_staff_pages_need_sign_in(client: FlaskClient) -> None:
    for url in ("/projects", "/projects/open", "/projects/P-1/join"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["reception", "manager"])
def test_no_english_on_the_projects_pages(client: FlaskClient, auth: AuthActions, wb: Workbook,
                                          role: str) -> None:
    seed(wb, P, *LISTED)
    seed_members(wb)
    seed(wb, J, {"id": "J-2611-AAAAA", "project_id": "P-1", "member_id": "M-2611-AAAAA",
                 "kind": "اشتراك", "recorded_on": "2026-11-20", "amount": "500"},
         {"id": "J-2611-BBBBB", "project_id": "P-1", "member_id": "M-9999-XXXXX",
          "kind": "اهتمام", "recorded_on": "2026-11-21"})
    auth.login(role)
    found, visited = crawl(client, ["/projects", "/projects/open", "/projects/P-2/join"])
    assert found == {} and visited > 10
    searched = read(text(join(client, "P-1", member="فاطمه")))
    assert [run for t in searched.texts for run in not_arabic(t)] == []


def test_the_forms_carry_their_csrf_token(app: Flask, manager: FlaskClient, wb: Workbook,
                                          opened: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    assert join(manager, opened, member="M-2611-AAAAA").status_code == 400
    token = value_of(text(manager.get(f"/projects/{opened}/join")), "csrf_token")
    assert join(manager, opened, member="M-2611-AAAAA", csrf_token=token).status_code == 302
    assert manager.post(f"/projects/{opened}/close").status_code == 400
    token = value_of(text(manager.get(f"/projects/{opened}")), "csrf_token")  # the buttons'
    assert manager.post(f"/projects/{opened}/close", data={"csrf_token": token}).status_code == 302
    assert rows(wb, P)[0]["الحالة"] == "مغلق" and len(rows(wb, J)) == 1
