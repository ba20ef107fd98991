"""Members of the general assembly (issue 17, seed 004): register, search, update, status,
dues, confirmation, the manager's totals, who may do what, and the tab init-sheets lays out."""
from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from records import members as rm
from sheets import Workbook, get_workbook, schema
from tests.conftest import AuthActions, Server, sheet_values
from tests.helpers import login_as, register, text

M, AUDIT = schema.MEMBERS.name, schema.AUDIT.name
HEAD = [c.header for c in schema.MEMBERS.columns]
MEMBER = {"full_name": "سعد محمد الحربي", "national_id": "1000000008", "mobile": "0551234567",
          "type": "عضو عامل", "joined_on": "2024-03-10", "shares": "20", "share_value": "100",
          "dues": "200", "notes": ""}


def rows(wb: Workbook, tab: str = M) -> list[dict[str, str]]:
    """The tab as a person sees it now, each row by header."""
    values = sheet_values(wb, tab)
    return [dict(zip(values[0], r + [""] * (len(values[0]) - len(r)), strict=False)) for r in values[1:] if r]


def audit(wb: Workbook, action: str) -> list[dict[str, str]]:
    return [r for r in rows(wb, AUDIT) if r["الإجراء"] == action]


def add(client: FlaskClient, **overrides: str) -> Any:
    return client.post("/members/new", data={**MEMBER, **overrides})


def number(response: Any) -> str:
    return response.headers["Location"].rsplit("/", 1)[1]


def errors(page: str) -> list[str]:
    return re.findall(r'<small class="error">([^<]*)</small>', page)


def value_of(page: str, name: str) -> str:
    """What an input of the page holds (the form as the person sees it)."""
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert found, name
    value = re.search(r'\bvalue="([^"]*)"', found[0])
    return html.unescape(value[1]) if value else ""


def seed(wb: Workbook, *members: dict[str, str]) -> None:
    """Members as a volunteer would have typed them into the tab."""
    wb.append_many(M, [{"type": "عضو عامل", "joined_on": "2020-01-01", "status": "نشط",
                        "mobile": "+966551234567", **m} for m in members])
    wb.invalidate()


@pytest.fixture
def manager(client: FlaskClient, auth: AuthActions) -> FlaskClient:
    auth.login("manager")
    return client


# -- register ---------------------------------------------------------------------------------
def test_register_lands_in_the_sheet_with_its_audit_row(manager: FlaskClient,
                                                        wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "share_value", {"value": "100"})
    form = text(manager.get("/members/new"))
    assert value_of(form, "share_value") == "100" and value_of(form, "joined_on") == "2026-11-22"
    response = add(manager, national_id="١٠٠٠٠٠٠٠٠٨", mobile="٠٥٥١٢٣٤٥٦٧")
    assert response.status_code == 302
    mid = number(response)
    assert re.fullmatch(r"M-2611-[0-9A-Z]{5}", mid)
    [row] = rows(wb)
    assert row["رقم العضوية"] == mid and row["رقم الهوية"] == "1000000008"
    assert row["الجوال"] == "+966551234567" and row["حالة العضوية"] == "نشط"
    assert row["عدد الأسهم"] == "20" and row["قيمة السهم"] == "100"
    assert row["تاريخ الانضمام"] == "2024-03-10" and row["تاريخ تأكيد البيانات"] == "2026-11-22"
    [entry] = audit(wb, "تسجيل عضو")
    assert entry["رقم السجل"] == mid and entry["المستخدم"] == "المدير"
    assert "عدد الأسهم: — → 20" in entry["التغييرات"]
    page = text(manager.get(f"/members/{mid}"))
    assert "سعد محمد الحربي" in page and "2,000 ريال" in page  # 20 × 100
    assert "2024-03-10</bdi> — <span class=\"date\">" in page  # Gregorian with Hijri


def test_a_member_with_a_beneficiary_file_is_linked_to_it(manager: FlaskClient,
                                                          wb: Workbook) -> None:
    register(manager)  # the beneficiary file of 1000000008
    bid = rows(wb, schema.BENEFICIARIES.name)[0]["رقم المستفيد"]
    response = add(manager)
    assert rows(wb)[0]["رقم المستفيد"] == bid
    page = text(manager.get(response.headers["Location"]))
    assert f'href="/beneficiaries/{bid}"' in page
    other = text(add(manager, national_id="1000000016", beneficiary_id=bid.lower()))
    assert errors(other) == ["هذا الملف لشخص آخر: رقم الهوية فيه غير رقم هوية العضو."]
    assert "لا يوجد ملف بهذا الرقم" in text(add(manager, national_id="1000000016",
                                                 beneficiary_id="B-2611-ZZZZZ"))


def test_a_duplicate_after_normalising_digits_is_refused_with_a_link(manager: FlaskClient,
                                                                    wb: Workbook) -> None:
    mid = number(add(manager))
    page = text(add(manager, full_name="سعد الحربي مكرر", national_id="١٠٠٠٠٠٠٠٠٨"))
    assert errors(page) == ["لهذا الرقم عضوية مسجلة؛ افتح صفحة العضو بدل تسجيله مرة أخرى."]
    assert f'href="/members/{mid}"' in page
    assert value_of(page, "full_name") == "سعد الحربي مكرر"
    assert len(rows(wb)) == 1 and len(audit(wb, "تسجيل عضو")) == 1


@pytest.mark.parametrize("typed, message", [
    ({"national_id": "1000000009"}, "رقم الهوية غير صحيح: خانة التحقق لا تطابق (راجع الأرقام)."),
    ({"national_id": "3000000008"}, "رقم الهوية يبدأ بـ1 (مواطن) ورقم الإقامة يبدأ بـ2."),
    ({"mobile": "0123456789"}, "رقم جوال سعودي غير صحيح (مثال: 0551234567)."),
    ({"shares": "2.5"}, "عدد الأسهم عدد صحيح بلا كسور، مثل 20."),
    ({"share_value": ""}, ("قيمة السهم مطلوبة لمن يملك أسهمًا (القيمة الاسمية في الإعدادات "
                          "تُقترح هنا إن ضُبطت).")),
    ({"joined_on": "2027-01-01"}, "تاريخ الانضمام لا يكون في المستقبل."),
], ids=["check digit", "first digit", "mobile", "fraction", "no share value", "future"])
def test_bad_input_is_refused_in_arabic_and_kept(manager: FlaskClient, wb: Workbook,
                                                 typed: dict[str, str], message: str) -> None:
    page = text(add(manager, **typed))
    assert errors(page) == [message]
    assert value_of(page, "full_name") == MEMBER["full_name"]
    for key, value in typed.items():
        if key != "joined_on":
            assert value_of(page, key) == value
    assert rows(wb) == []


def test_a_registration_in_an_outage_keeps_its_number(manager: FlaskClient, wb: Workbook,
                                                      server: Server,
                                                      runner: FlaskCliRunner) -> None:
    manager.get("/members/new")
    manager.get("/members")
    server.api.inject(503, times=1000)
    response = add(manager)
    mid = response.headers["Location"].split("q=")[1]
    listed = text(manager.get(f"/members?q={mid}"))
    assert "بانتظار الحفظ" in listed and MEMBER["full_name"] in listed
    assert "محفوظ محليًا" in text(manager.get(f"/members/{mid}"))
    server.api.reset()
    assert runner.invoke(args=["journal"]).exit_code == 0
    assert [r["رقم العضوية"] for r in rows(wb)] == [mid]


# -- list and search --------------------------------------------------------------------------
def test_search_by_name_number_id_or_mobile_with_masked_ids(manager: FlaskClient,
                                                            wb: Workbook) -> None:
    seed(wb, {"id": "M-2611-AAAAA", "full_name": "فاطمة عبدالله القحطاني",
              "national_id": "1000000008", "mobile": "0551234567"},
         {"id": "M-2611-BBBBB", "full_name": "أحمد سالم العنزي", "national_id": "2000000007",
          "mobile": "+966501112233", "status": "موقوف", "type": "عضو منتسب"},
         {"id": "M-2611-CCCCC", "full_name": "هند علي", "national_id": "1000000016",
          "status": "منسحب", "type": "عضو فخري"})
    page = text(manager.get("/members"))
    assert "1•••••••08" in page and "1000000008" not in page and "العدد: 3" in page

    def found(query: str, **filters: str) -> list[str]:
        got = text(manager.get("/members", query_string={"q": query, **filters}))
        return re.findall(r'href="/members/(M-[^"]+)"', got)

    assert found("فاطمه القحطانى") == ["M-2611-AAAAA"]  # ة/ه and ى/ي as one, words apart
    assert found("احمد") == ["M-2611-BBBBB"]  # أ/ا as one
    assert found("m-2611-bbbbb") == ["M-2611-BBBBB"]
    assert found("٢٠٠٠٠٠٠٠٠٧") == ["M-2611-BBBBB"]  # Arabic-Indic digits
    assert found("+966 50 111 2233") == ["M-2611-BBBBB"]
    assert found("٠٥٠١١١٢٢٣٣") == ["M-2611-BBBBB"]
    assert found("", status="نشط") == ["M-2611-AAAAA"]
    assert found("", type="عضو فخري") == ["M-2611-CCCCC"]
    assert "لا يوجد أعضاء بهذا البحث." in text(manager.get("/members?q=غير موجود"))


def test_the_list_comes_fifty_a_page(manager: FlaskClient, wb: Workbook) -> None:
    seed(wb, *({"id": f"M-2611-{i:05d}", "full_name": f"عضو {i:03d}",
                "national_id": "1000000008"} for i in range(120)))
    first = text(manager.get("/members"))
    assert "العدد: 120" in first and "صفحة 1 من 3" in first
    assert first.count('data-label="رقم العضوية"') == 50
    last = text(manager.get("/members?page=3"))
    assert last.count('data-label="رقم العضوية"') == 20 and "عضو 119" in last
    assert manager.get("/members?page=9").status_code == 404


# -- update -----------------------------------------------------------------------------------
def edit_form(client: FlaskClient, mid: str) -> dict[str, str]:
    """The edit page's fields as the browser would send them back."""
    page = text(client.get(f"/members/{mid}/edit"))
    data = {k: value_of(page, k) for k in ("full_name", "national_id", "mobile",
                                           "beneficiary_id", "shares", "share_value", "dues",
                                           "joined_on", "shown")}
    data.update(type=re.search(r'<option selected value="([^"]*)"', page)[1], notes="")
    return data


def test_an_edit_writes_only_the_cells_changed(manager: FlaskClient, wb: Workbook,
                                               server: Server) -> None:
    mid = number(add(manager))
    data = edit_form(manager, mid)
    assert data["mobile"] == "0551234567"  # as staff type it
    volunteer = server.gspread_client().open_by_key(wb.sh.id).worksheet(M)
    volunteer.update_cell(2, HEAD.index("ملاحظات") + 1, "كتبها متطوع")
    response = manager.post(f"/members/{mid}/edit", data={**data, "shares": "25"})
    assert response.status_code == 302
    [row] = rows(wb)
    assert row["عدد الأسهم"] == "25" and row["ملاحظات"] == "كتبها متطوع"
    [entry] = audit(wb, "تحديث بيانات عضو")
    assert entry["التغييرات"] == "عدد الأسهم: 20 → 25"
    assert "حُفظت بيانات العضو: عدد الأسهم." in text(manager.get(f"/members/{mid}"))
    other = number(add(manager, national_id="1000000016", full_name="هند علي"))
    page = text(manager.post(f"/members/{other}/edit",
                             data={**edit_form(manager, other), "national_id": "١٠٠٠٠٠٠٠٠٨"}))
    assert errors(page) == ["رقم الهوية هذا لعضو آخر."]
    assert value_of(page, "national_id") == "1000000008"


def test_a_concurrent_change_is_refused_with_the_sheet_values_and_the_input_kept(
        manager: FlaskClient, wb: Workbook, server: Server) -> None:
    mid = number(add(manager))
    data = edit_form(manager, mid)
    sheet = server.gspread_client().open_by_key(wb.sh.id).worksheet(M)
    sheet.update_cell(2, HEAD.index("الجوال") + 1, "0509998877")  # another desk, meanwhile
    response = manager.post(f"/members/{mid}/edit", data={**data, "mobile": "0561112233",
                                                         "full_name": "سعد محمد الحربي الجديد"})
    page = text(response)
    assert response.status_code == 409 and "تغيّرت بيانات هذا العضو" in page
    assert "+966509998877" in page  # the value the sheet holds now, in the table of changes
    assert value_of(page, "mobile") == "0561112233"  # what was typed stays
    assert value_of(page, "full_name") == "سعد محمد الحربي الجديد"
    [row] = rows(wb)
    # (typed in the sheet's grid, the mobile lost its zero: still the same number)
    assert row["الجوال"] == "509998877" and row["الاسم الكامل"] == MEMBER["full_name"]
    assert audit(wb, "تحديث بيانات عضو") == []
    # Sent again, it is written: the page now expects what the sheet holds.
    again = {**data, "mobile": "0561112233", "full_name": "سعد محمد الحربي الجديد",
             "shown": value_of(page, "shown")}
    assert manager.post(f"/members/{mid}/edit", data=again).status_code == 302
    [row] = rows(wb)
    assert row["الجوال"] == "+966561112233" and row["الاسم الكامل"] == "سعد محمد الحربي الجديد"



# -- status, dues, confirmation ---------------------------------------------------------------
def test_suspend_withdraw_and_reinstate_with_reason_date_and_audit(manager: FlaskClient,
                                                                  wb: Workbook) -> None:
    mid = number(add(manager))
    assert errors(text(manager.post(f"/members/{mid}/suspend", data={"reason": ""}))) == \
        ["اكتب السبب (مثل: قرار مجلس الإدارة رقم… أو طلب العضو)."]
    assert manager.post(f"/members/{mid}/suspend",
                        data={"reason": "تأخر سداد الاشتراك سنتين"}).status_code == 302
    [row] = rows(wb)
    assert row["حالة العضوية"] == "موقوف" and row["تاريخ تغير الحالة"] == "2026-11-22"
    assert row["سبب تغير الحالة"] == "تأخر سداد الاشتراك سنتين"
    [entry] = audit(wb, "إيقاف عضوية")
    assert "حالة العضوية: نشط → موقوف" in entry["التغييرات"] and entry["رقم السجل"] == mid
    assert manager.post(f"/members/{mid}/withdraw",
                        data={"reason": "طلب الانسحاب كتابيًا"}).status_code == 302
    [row] = rows(wb)  # withdrawn, never deleted
    assert row["حالة العضوية"] == "منسحب" and row["سبب تغير الحالة"] == "طلب الانسحاب كتابيًا"
    assert "حالة العضوية: موقوف → منسحب" in audit(wb, "انسحاب عضو")[0]["التغييرات"]
    page = text(manager.get(f"/members/{mid}"))
    assert "منسحب" in page and "طلب الانسحاب كتابيًا" in page
    assert f"/members/{mid}/suspend" not in page and f"/members/{mid}/reinstate" in page
    refused = manager.post(f"/members/{mid}/suspend", data={"reason": "خطأ"})
    assert refused.status_code == 409 and "لا يتاح «إيقاف العضوية» لعضو حالته «منسحب»" in \
        text(refused)
    assert manager.post(f"/members/{mid}/reinstate",
                        data={"reason": "عاد بقرار المجلس"}).status_code == 302
    assert rows(wb)[0]["حالة العضوية"] == "نشط"
    assert len(audit(wb, "إعادة تفعيل عضوية")) == 1


def test_a_status_change_is_checked_against_the_row_as_it_is_then(
        manager: FlaskClient, wb: Workbook, server: Server) -> None:
    mid = number(add(manager))
    manager.get(f"/members/{mid}/suspend")
    sheet = server.gspread_client().open_by_key(wb.sh.id).worksheet(M)
    sheet.update_cell(2, HEAD.index("حالة العضوية") + 1, "منسحب")  # by hand, meanwhile
    refused = manager.post(f"/members/{mid}/suspend", data={"reason": "سبب"})
    assert refused.status_code == 409 and "حالته «منسحب»" in text(refused)
    assert rows(wb)[0]["حالة العضوية"] == "منسحب" and audit(wb, "إيقاف عضوية") == []


def test_dues_paid_for_a_year(manager: FlaskClient, wb: Workbook) -> None:
    mid = number(add(manager))
    assert "اشتراك سنة 2026 غير مسدد" in text(manager.get(f"/members/{mid}"))
    form = text(manager.get(f"/members/{mid}/dues"))
    assert value_of(form, "year") == "2026" and value_of(form, "amount") == "200"
    assert errors(text(manager.post(f"/members/{mid}/dues",
                                    data={"year": "1990", "amount": "200"}))) == \
        ["السنة بين 2000 و2027."]
    assert manager.post(f"/members/{mid}/dues",
                        data={"year": "٢٠٢٦", "amount": "٢٠٠"}).status_code == 302
    [row] = rows(wb)
    assert (row["آخر سنة سُدد اشتراكها"], row["تاريخ آخر سداد"], row["المبلغ المسدد آخر مرة"]) \
        == ("2026", "2026-11-22", "200")
    [entry] = audit(wb, "سداد اشتراك عضو")
    assert "آخر سنة سُدد اشتراكها: — → 2026" in entry["التغييرات"]
    page = text(manager.get(f"/members/{mid}"))
    assert "غير مسدد" not in page and "سُدد 200 ريال في" in page
    again = manager.post(f"/members/{mid}/dues", data={"year": "2026", "amount": "200"})
    assert again.status_code == 409 and "اشتراك سنة 2026 مسجل من قبل" in text(again)
    assert len(audit(wb, "سداد اشتراك عضو")) == 1


def test_the_member_confirms_their_data(manager: FlaskClient, wb: Workbook) -> None:
    seed(wb, {"id": "M-2611-AAAAA", "full_name": "فاطمة القحطاني", "national_id": "1000000008",
              "confirmed_on": "2025-01-10"})
    page = text(manager.get("/members/M-2611-AAAAA"))
    assert "مضى على تأكيدها أكثر من 365 يومًا" in page
    assert manager.post("/members/M-2611-AAAAA/confirm").status_code == 302
    assert rows(wb)[0]["تاريخ تأكيد البيانات"] == "2026-11-22"
    assert audit(wb, "تأكيد بيانات عضو")[0]["التغييرات"] == \
        "تاريخ تأكيد البيانات: 2025-01-10 → 2026-11-22"
    assert "مضى على تأكيدها" not in text(manager.get("/members/M-2611-AAAAA"))


# -- the manager's home -----------------------------------------------------------------------
def test_home_totals_computed_cell_by_cell_once_per_snapshot(
        manager: FlaskClient, wb: Workbook, monkeypatch: pytest.MonkeyPatch) -> None:
    wb.update(schema.SETTINGS.name, "share_value", {"value": "50"})
    seed(wb,
         {"id": "M-1", "full_name": "أ", "national_id": "1000000008", "shares": "20",
          "share_value": "100"},
         {"id": "M-2", "full_name": "ب", "national_id": "1000000016", "shares": "١٠"},
         {"id": "M-3", "full_name": "ج", "national_id": "1000000024", "shares": "4",
          "status": "موقوف", "share_value": "100"},
         {"id": "M-4", "full_name": "د", "national_id": "1000000032", "shares": "7",
          "status": "منسحب", "share_value": "100"},
         {"id": "M-5", "full_name": "هـ", "national_id": "1000000040"})
    table = wb.table(M)
    expected_active = sum(int(r["shares"] or 0) for r in table.records if r["status"] == "نشط")
    expected_capital = sum(Decimal(r["shares"] or 0) * Decimal(r["share_value"] or "50")
                           for r in table.records if r["status"] != "منسحب")
    assert (expected_active, expected_capital) == (30, Decimal(2900))  # 20×100 + 10×50 + 4×100
    runs: list[int] = []
    real = rm.totals
    monkeypatch.setattr(rm, "totals", lambda records, nominal: runs.append(1) or
                        real(records, nominal))
    home = text(manager.get("/"))
    tiles = {label.strip(): n for n, label in re.findall(
        r"<strong>([^<]+)</strong><span>([^<(·]+)", home.split('id="members"')[1])}
    assert tiles["الأعضاء"] == "4" and tiles["الأعضاء النشطون"] == "3"
    assert tiles["أسهم الأعضاء النشطين"] == "30" and tiles["رأس المال"] == "2,900 ريال"
    assert "(عدا 1 منسحب)" in home
    manager.get("/")
    assert runs == [1]  # the next view costs no pass over the rows


def test_totals_of_many_members(wb: Workbook) -> None:
    records = [{"id": f"M-{i}", "status": schema.MEMBER_STATUSES[i % 3], "shares": str(i % 7),
                "share_value": "" if i % 2 else "10"} for i in range(50_000)]
    got = rm.totals(records, "5")
    active = [r for r in records if r["status"] == "نشط"]
    kept = [r for r in records if r["status"] != "منسحب"]
    assert got.active == len(active) and got.members == len(kept)
    assert got.active_shares == sum(int(r["shares"]) for r in active)
    assert got.capital == sum(int(r["shares"]) * (10 if r["share_value"] else 5) for r in kept)


# -- who may do what --------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["researcher", "committee", "volunteer"])
def test_roles_without_members_get_403_and_no_link(client: FlaskClient, auth: AuthActions,
                                                    wb: Workbook, role: str) -> None:
    seed(wb, {"id": "M-2611-AAAAA", "full_name": "فاطمة", "national_id": "1000000008"})
    auth.login(role)
    for url in ("/members", "/members/new", "/members/M-2611-AAAAA",
                "/members/M-2611-AAAAA/edit", "/members/M-2611-AAAAA/dues"):
        assert client.get(url).status_code == 403, url
    assert client.post("/members/new", data=MEMBER).status_code == 403
    assert 'href="/members"' not in text(client.get("/references/"))


def test_reception_registers_and_updates_personal_data_only(client: FlaskClient,
                                                            auth: AuthActions,
                                                            wb: Workbook) -> None:
    auth.login("reception")
    assert 'href="/members"' in text(client.get("/"))
    assert 'id="members"' not in text(client.get("/"))  # the totals are the manager's
    mid = number(add(client))
    page = text(client.get(f"/members/{mid}/edit"))
    assert 'name="shares"' not in page and "يعدّلها المدير" in page
    shown = value_of(page, "shown")
    response = client.post(f"/members/{mid}/edit", data={
        "full_name": "سعد الحربي", "national_id": "1000000008", "mobile": "0551234567",
        "beneficiary_id": "", "notes": "", "shown": shown, "shares": "999", "confirmed": "y"})
    assert response.status_code == 302
    [row] = rows(wb)
    assert row["الاسم الكامل"] == "سعد الحربي" and row["عدد الأسهم"] == "20"
    for url in (f"/members/{mid}/suspend", f"/members/{mid}/withdraw", f"/members/{mid}/dues"):
        assert client.get(url).status_code == 403
        assert client.post(url, data={"reason": "س", "year": "2026", "amount": "1"}
                           ).status_code == 403
    assert client.post(f"/members/{mid}/confirm").status_code == 302
    login_as(client, auth, "manager")
    assert "تسجيل سداد الاشتراك" in text(client.get(f"/members/{mid}"))


# -- the workbook -----------------------------------------------------------------------------
def test_the_manager_sets_the_nominal_share_value(manager: FlaskClient, wb: Workbook) -> None:
    page = text(manager.post("/settings/share_value", data={"share_value-value": "عشرة",
                                                            "share_value-shown": ""}))
    assert "ليس مبلغًا صحيحًا بالريال" in page
    manager.post("/settings/share_value", data={"share_value-value": "١٠٫٥",
                                                 "share_value-shown": ""})
    assert wb.table(schema.SETTINGS.name).get("share_value")["value"] == "10.5"
    assert value_of(text(manager.get("/members/new")), "share_value") == "10.5"


def test_init_sheets_lays_out_the_members_tab(app: Flask, server: Server,
                                              runner: FlaskCliRunner) -> None:
    with app.app_context():
        wb = get_workbook()
        wb.sh.batch_update({"requests": [{"deleteSheet": {"sheetId": wb.sheet_id(M)}}]})
        result = runner.invoke(args=["init-sheets"])
        assert result.exit_code == 0 and f"tab {M} created" in result.output
        wb.titles(refresh=True)
        assert sheet_values(wb, M) == [HEAD]
        props = next(s["properties"] for s in wb.sh.fetch_sheet_metadata()["sheets"]
                     if s["properties"]["title"] == M)
        assert props["rightToLeft"] and props["gridProperties"]["frozenRowCount"] == 1
        with server.api.store.open(wb.sh.id) as book:
            rules = {v["range"]["startColumnIndex"]: [x["userEnteredValue"] for x in
                                                      v["rule"]["condition"]["values"]]
                     for v in book.by_title(M).validations}
        keys = schema.MEMBERS.keys
        assert rules == {keys.index("type"): list(schema.MEMBERSHIP_TYPES),
                         keys.index("status"): list(schema.MEMBER_STATUSES)}
        assert wb.table(schema.SETTINGS.name).get("share_value")["value"] == ""


def test_the_sync_numbers_a_member_typed_by_hand_and_reports_a_repeated_id(
        runner: FlaskCliRunner, wb: Workbook, server: Server) -> None:
    seed(wb, {"id": "M-2611-AAAAA", "full_name": "فاطمة", "national_id": "1000000008"})
    sheet = server.gspread_client().open_by_key(wb.sh.id).worksheet(M)
    typed = dict.fromkeys(HEAD, "")
    typed.update({"الاسم الكامل": "نورة", "رقم الهوية": "١٠٠٠٠٠٠٠٠٨", "الجوال": "0551234567",
                  "نوع العضوية": "عضو عامل", "تاريخ الانضمام": "2025-05-05",
                  "حالة العضوية": "نشط"})
    sheet.append_row([typed[h] for h in HEAD], value_input_option="RAW")
    assert runner.invoke(args=["sync"]).exit_code == 0  # numbers the row
    assert runner.invoke(args=["sync"]).exit_code == 0  # reports it by its number
    numbered = rows(wb)[1]["رقم العضوية"]
    assert re.fullmatch(r"M-\d{4}-[0-9A-Z]{5}", numbered)
    problems = rows(wb, schema.PROBLEMS.name)
    assert {(p["رقم السجل"], p["المشكلة"]) for p in problems if p["التبويب"] == M} == {
        ("M-2611-AAAAA", f"رقم الهوية نفسه لعضو آخر: {numbered}"),
        (numbered, "رقم الهوية نفسه لعضو آخر: M-2611-AAAAA")}


def test_a_workbook_laid_out_before_the_members_tab_still_has_a_home(
        manager: FlaskClient, wb: Workbook) -> None:
    wb.sh.batch_update({"requests": [{"deleteSheet": {"sheetId": wb.sheet_id(M)}}]})
    wb.titles(refresh=True)
    page = manager.get("/")
    assert page.status_code == 200 and 'id="members"' not in text(page)
