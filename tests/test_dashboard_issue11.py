"""The dashboard and the board report: what they tell the person, and what they leave out."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from deadlines import Settings
from reports import kpi
from sheets import Workbook, schema
from tests.conftest import AuthActions
from tests.helpers import text

B, R, S, Q = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.SURVEYS.name,
              schema.INQUIRIES.name)
TODAY = date(2026, 11, 22)
PERSON = {"id": "B-2611-AAAAA", "full_name": "فاطمة عبدالله القحطاني",
          "national_id": "1000000008", "mobile": "+966551234567", "city": "القريات",
          "registered_on": "2026-11-01"}


def request_row(rid: str, submitted: str, decided: str, completed: str = "") -> dict[str, str]:
    return {"id": rid, "beneficiary_id": PERSON["id"], "service": "سلة غذائية",
            "channel": "المقابلة", "submitted_on": submitted, "completed_on": completed,
            "status": "مقبول", "decision": "مقبول", "decided_on": decided,
            "researcher": "سارة الباحثة"}


@pytest.fixture
def seeded(wb: Workbook) -> Workbook:
    """One person, three decided requests (one sound, two impossible), an adopted suggestion
    and a survey whose comment names its writer."""
    wb.append(B, PERSON)
    wb.append_many(R, [
        request_row("R-2611-GOOD1", "2026-11-02", "2026-11-06"),       # 4 days
        request_row("R-2611-BACK1", "2026-11-15", "2026-11-05"),       # decided before it came
        request_row("R-2611-AHEAD", "2026-11-10", "2026-12-20"),       # decided in the future
    ])
    wb.append_many(Q, [
        {"id": "Q-2611-SUGG1", "type": "اقتراح", "channel": "المقابلة", "name": "هند",
         "subject": "مواعيد مسائية", "received_on": "2026-11-03", "status": "مغلق",
         "reply": "شكرًا", "replied_on": "2026-11-05", "adopted": "نعم",
         "adopted_change": "=أصبح الاستقبال يوم الخميس مساءً حتى التاسعة"},
        {"id": "Q-2611-SUGG2", "type": "اقتراح", "channel": "المقابلة", "name": "هند",
         "subject": "اقتراح لم يُتبنَّ", "received_on": "2026-11-03", "status": "مفتوح"},
    ])
    wb.append(S, {"id": "S-2611-SURV1", "request_id": "R-2611-GOOD1",
                  "beneficiary_id": PERSON["id"], "service": "سلة غذائية",
                  "service_month": "2026-11", "invited_on": "2026-11-07", "status": "مكتملة",
                  "answered_on": "2026-11-08", "q_overall": "4", "anonymous": "لا",
                  "comment": "أنا فاطمة القحطاني، أرجو تسريع الصرف. جوالي 0551234567"})
    wb.invalidate()
    return wb


def manager(auth: AuthActions) -> None:
    auth.login("manager")


def test_adopted_suggestions_and_anonymous_comments_on_dashboard_and_board(
        client: FlaskClient, auth: AuthActions, seeded: Workbook) -> None:
    manager(auth)
    for path in ("/dashboard?start=2026-11-01&end=2026-11-22",
                 "/dashboard/board?start=2026-11-01&end=2026-11-22"):
        page = text(client.get(path))
        assert "الاقتراحات المتبناة" in page and "مواعيد مسائية" in page
        assert "أصبح الاستقبال يوم الخميس مساءً" in page
        assert "اقتراح لم يُتبنَّ" not in page
        assert "أرجو تسريع الصرف" in page and "2026-11" in page
        for personal in ("فاطمة", "القحطاني", PERSON["id"], "0551234567", "551234567",
                         PERSON["national_id"]):
            assert personal not in page, (path, personal)
    page = text(client.get("/dashboard?start=2026-11-01&end=2026-11-22"))
    assert 'href="/inquiries/Q-2611-SUGG1"' in page


def test_impossible_dates_are_listed_and_kept_out_of_the_median(
        client: FlaskClient, auth: AuthActions, seeded: Workbook) -> None:
    manager(auth)
    page = text(client.get("/dashboard?start=2026-11-01&end=2026-11-22"))
    section = page[page.index('id="dates"'):]
    assert "تواريخ غير معقولة" in section
    assert 'href="/requests/R-2611-BACK1"' in section and "تاريخ القرار قبل تاريخ التقديم" \
        in section
    assert 'href="/requests/R-2611-AHEAD"' in section and "تاريخ القرار في المستقبل" in section
    assert "R-2611-GOOD1" not in section
    decisions = page[page.index('id="decisions"'):page.index('id="overdue"')]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", decisions)
    assert cells[:6] == ["الطلبات التي صدر فيها قرار", "1",
                         "الوسيط (أيام من اكتمال الطلب إلى القرار)", "4.0",
                         "نسبة القرارات في الموعد الموعود (14 يومًا)", "100%"]
    assert cells[6:] == ["طلبات بتواريخ غير معقولة لم تُحسب", "2"]
    board = text(client.get("/dashboard/board?start=2026-11-01&end=2026-11-22"))
    assert "سجلات بتواريخ غير معقولة لم تدخل في الوسيط ولا في نسب المواعيد: 2" in board


def test_kpi_leaves_impossible_dates_out() -> None:
    rows = [request_row("1", "2026-11-02", "2026-11-06"),
            request_row("2", "2026-11-15", "2026-11-05"),
            request_row("3", "2026-11-10", "2026-12-20"),
            request_row("4", "2026-11-01", "2026-11-03", completed="2026-11-09")]
    nov = kpi.Period(date(2026, 11, 1), date(2026, 12, 31))
    assert kpi.decision_times(rows, nov, Settings(), TODAY) == (4.0, 1.0, 1)
    assert kpi.staff_trends(rows, nov, TODAY) == {"سارة الباحثة": {"2026-11": (1, 4.0)}}
    odd = {o.id: o.problems for o in kpi.implausible(rows, [], nov, TODAY)}
    assert odd == {"2": ("تاريخ القرار قبل تاريخ التقديم",),
                   "3": ("تاريخ القرار في المستقبل",),
                   "4": ("تاريخ القرار قبل تاريخ اكتمال الطلب",)}
    items = [{"id": "Q1", "type": "شكوى", "received_on": "2026-11-10",
              "replied_on": "2026-11-02", "status": "مغلق"}]
    assert kpi.inquiries(items, nov, Settings(), TODAY).closed == 0
    assert [o.id for o in kpi.implausible([], items, nov, TODAY)] == ["Q1"]


def test_comments_lose_names_and_numbers() -> None:
    rows = [{"status": "مكتملة", "answered_on": "2026-11-08", "service": "سلة",
             "service_month": "2026-11", "beneficiary_id": "B-1",
             "comment": "شكرًا لكم، وفاطمة تشكركم. هويتي ١٠٠٠٠٠٠٠٠٨ وملفي B-2611-AAAAA"},
            {"status": "مرسلة", "comment": "لم يُجب بعد"}]
    got = kpi.survey_comments(rows, kpi.Period(date(2026, 11, 1), TODAY),
                              {"B-1": "فاطمة عبدالله القحطاني"})
    assert got == [kpi.Comment("سلة", "2026-11", "شكرًا لكم، … تشكركم. هويتي … وملفي …")]


@pytest.mark.parametrize("query, message, typed", [
    ("start=2026-11-30&end=2026-11-01",
     "تاريخ البداية 2026-11-30 بعد تاريخ النهاية 2026-11-01", ("2026-11-30", "2026-11-01")),
    ("start=2026-02-30&end=2026-11-01", "لا يوجد في التقويم يوم 2026-02-30",
     ("2026-02-30", "2026-11-01")),
    ("start=2026-01-01&end=2026-13-45", "لا يوجد في التقويم يوم 2026-13-45",
     ("2026-01-01", "2026-13-45")),
    ("start=2026-12-01", "تاريخ البداية 2026-12-01 بعد اليوم 2026-11-22", ("2026-12-01",)),
], ids=["start-after-end", "no-such-day", "no-such-month", "start-after-today"])
def test_a_wrong_period_is_told_and_kept_as_typed(client: FlaskClient, auth: AuthActions,
                                                  wb: Workbook, query: str, message: str,
                                                  typed: tuple[str, ...]) -> None:
    manager(auth)
    response = client.get(f"/dashboard?{query}")
    page = text(response)
    assert response.status_code == 200
    assert message in page.replace("\u2066", "").replace("\u2069", "")
    assert "لم تُعرض المؤشرات" in page
    for value in typed:
        assert f'value="{value}"' in page
    assert "الطلبات حسب الحالة" not in page  # no figures for a period nobody chose
    for path in ("/dashboard/board", "/dashboard/export/status.csv"):
        moved = client.get(f"{path}?{query}")
        assert moved.status_code == 302 and moved.headers["Location"].startswith("/dashboard?")


def test_the_default_period_is_this_year_to_today(client: FlaskClient, auth: AuthActions,
                                                  wb: Workbook) -> None:
    manager(auth)
    page = text(client.get("/dashboard"))
    assert 'value="2026-01-01"' in page and 'value="2026-11-22"' in page
    assert "الطلبات حسب الحالة" in page


def test_downloads_say_their_type_once_and_xlsx_keeps_text_as_typed(
        client: FlaskClient, auth: AuthActions, seeded: Workbook) -> None:
    manager(auth)
    assert client.get("/dashboard/export/status.csv").headers["Content-Type"] == \
        "text/csv; charset=utf-8"
    got = client.get("/dashboard/export/adopted.csv?start=2026-11-01&end=2026-11-22")
    assert got.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(got.get_data().decode("utf-8-sig"))))
    assert rows[1][2] == "'=أصبح الاستقبال يوم الخميس مساءً حتى التاسعة"  # CSV: neutralised
    got = client.get("/dashboard/export/adopted.xlsx?start=2026-11-01&end=2026-11-22")
    assert got.headers["Content-Type"] == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    cell = load_workbook(io.BytesIO(got.get_data())).active["C2"]
    assert cell.value == "=أصبح الاستقبال يوم الخميس مساءً حتى التاسعة"
    assert cell.data_type == "s"


def test_a_report_kept_from_a_role_is_a_403_not_a_404(client: FlaskClient,
                                                      auth: AuthActions, wb: Workbook) -> None:
    auth.login("admin")
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/dashboard/export/staff.{fmt}")
        assert response.status_code == 403 and "ليس من صلاحيات دورك" in text(response)
    assert client.get("/dashboard/export/nothing.csv").status_code == 404
    auth.logout()
    auth.login("manager")
    assert client.get("/dashboard/export/staff.csv").status_code == 200
    auth.logout()
    auth.login("reception")
    assert client.get("/dashboard/export/status.csv").status_code == 403
