"""Long lists a page at a time: 50 rows, the count, filters kept, the last page, a page past
the end; and values kept per snapshot that a write brings up to date."""
from __future__ import annotations

import re
import threading
import time
import weakref
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

import deadlines
from sheets import Workbook, schema
from sheets.parse import parse_table
from tests.conftest import AuthActions
from tests.helpers import first_then_others, text
from views.snapshot import per_snapshot

B, R, Q, P = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.INQUIRIES.name,
              schema.PROBLEMS.name)
COMMITTEE, NEW = "لدى اللجنة", "جديد"


def day(n: int) -> str:
    return (date(2026, 6, 1) + timedelta(days=n)).isoformat()


def person(i: int, first: str = "فاطمة") -> dict[str, str]:
    return {"id": f"B-2026-{i:05d}", "full_name": f"{first} عبدالله رقم{i}",
            "national_id": f"10{i:08d}", "mobile": f"+96655{i:07d}",
            "registered_on": "2026-01-01"}


def request_row(i: int, status: str, submitted: str, **cells: str) -> dict[str, str]:
    return {"id": f"R-2026-{i:05d}", "beneficiary_id": f"B-2026-{i % 10:05d}",
            "service": "سلة غذائية", "channel": "المقابلة", "status": status,
            "submitted_on": submitted, "completed_on": submitted, **cells}


@pytest.fixture
def many(wb: Workbook) -> Workbook:
    """120 requests (60 with the committee, 60 new, one a day), 70 files named فاطمة and
    10 others, 60 complaints and 60 inquiries."""
    wb.append_many(B, [person(i) for i in range(70)] +
                   [person(i, "هيا") for i in range(70, 80)])
    wb.append_many(R, [request_row(i, COMMITTEE if i % 2 else NEW, day(i)) for i in range(120)])
    wb.append_many(Q, [{"id": f"Q-2026-{i:05d}", "type": "شكوى" if i % 2 else "استفسار",
                        "channel": "المقابلة", "subject": f"موضوع {i}",
                        "received_on": day(50 + i), "status": "مفتوح"} for i in range(120)])
    return wb


def shown(page: str, prefix: str = "/requests/R-") -> list[str]:
    """The record IDs linked on a page, in order."""
    return re.findall(re.escape(prefix) + r"([\w-]+)\"", page)


def test_requests_come_50_a_page_with_the_count_and_links(
        client: FlaskClient, auth: AuthActions, many: Workbook) -> None:
    auth.login("reception")
    first = text(client.get("/requests"))
    ids = shown(first)
    assert len(ids) == 50 and ids[0] == "2026-00119"  # newest first
    assert "العدد: 120" in first and "صفحة 1 من 3" in first
    assert '<span class="muted">السابق</span>' in first  # nowhere to go back to
    assert re.search(r'<a rel="next" href="/requests\?page=2">التالي</a>', first)
    second = text(client.get("/requests?page=2"))
    assert "صفحة 2 من 3" in second and shown(second)[0] == "2026-00069"
    assert re.search(r'<a rel="prev" href="/requests">السابق</a>', second)
    assert not set(shown(second)) & set(ids)


def test_last_page_has_the_rest_and_no_next(client: FlaskClient, auth: AuthActions,
                                            many: Workbook) -> None:
    auth.login("reception")
    last = text(client.get("/requests?page=3"))
    assert len(shown(last)) == 20 and shown(last)[-1] == "2026-00000"
    assert "صفحة 3 من 3" in last and "المعروض <bdi dir=\"ltr\">101–120</bdi>" in last
    assert '<span class="muted">التالي</span>' in last and 'rel="next"' not in last


def test_a_status_filter_is_kept_on_every_page_link(client: FlaskClient, auth: AuthActions,
                                                    many: Workbook) -> None:
    auth.login("reception")
    first = text(client.get(f"/requests?status={COMMITTEE}"))
    assert "العدد: 60" in first and "صفحة 1 من 2" in first
    link = re.search(r'<a rel="next" href="([^"]+)">التالي</a>', first)
    assert link is not None
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert "status=" in link.group(1) and "page=2" in link.group(1)
    page = text(second)
    assert len(shown(page)) == 10 and "صفحة 2 من 2" in page
    assert f"<option selected>{COMMITTEE}</option>" in page  # the filter still chosen
    rows = re.findall(r'data-label="الحالة">([^<]+)<', page)
    assert rows == [COMMITTEE] * 10


def test_a_page_past_the_end_is_a_kind_page_not_an_error(
        client: FlaskClient, auth: AuthActions, many: Workbook) -> None:
    auth.login("reception")
    response = client.get(f"/requests?status={COMMITTEE}&page=9")
    page = text(response)
    assert response.status_code == 404
    assert "لا توجد صفحة 9: عدد صفحات القائمة 2." in page
    assert re.search(r'href="/requests\?status=[^"]+&amp;page=2">اذهب إلى الصفحة الأخيرة</a>',
                     page)
    assert "خطأ في النظام" not in page and not shown(page)
    # Not a number, zero or negative: the first page.
    for odd in ("abc", "0", "-3"):
        got = client.get(f"/requests?page={odd}")
        assert got.status_code == 200 and "صفحة 1 من 3" in text(got)


def test_an_empty_list_says_so_without_page_links(client: FlaskClient,
                                                  auth: AuthActions) -> None:
    auth.login("reception")
    page = text(client.get("/requests"))
    assert "لا توجد طلبات." in page and "صفحة 1" not in page and "التالي" not in page
    assert client.get("/requests?page=2").status_code == 404


def test_committee_queue_orders_by_due_date_before_paging(
        client: FlaskClient, auth: AuthActions, many: Workbook) -> None:
    auth.login("committee")
    first = text(client.get("/queue/committee"))
    assert "طلبات لدى لجنة البحث (60)" in first and "صفحة 1 من 2" in first
    ids = shown(first)
    assert len(ids) == 50 and ids[:2] == ["2026-00001", "2026-00003"]  # the most overdue
    assert first.count("<strong class=\"warn\">متأخر</strong>") == 50
    second = text(client.get("/queue/committee?page=2"))
    assert shown(second) == [f"2026-{i:05d}" for i in range(101, 120, 2)]
    assert second.count("<strong class=\"warn\">متأخر</strong>") == 10 and "قرار</a>" in second


def test_queues_keep_their_roles(client: FlaskClient, auth: AuthActions,
                                 many: Workbook) -> None:
    auth.login("reception")
    assert client.get("/queue/committee?page=2").status_code == 403
    assert client.get("/queue/researcher?page=2").status_code == 403
    auth.logout()
    auth.login("committee")
    assert client.get("/queue/researcher").status_code == 403
    auth.logout()
    assert client.get("/requests?page=2").status_code == 302  # sign in first


def test_researcher_sees_own_queue_paged(client: FlaskClient, auth: AuthActions,
                                         wb: Workbook) -> None:
    research = [request_row(i, "لدى الباحث", day(i), researcher="سارة الباحثة",
                            referred_on=day(i)) for i in range(55)]
    other = [request_row(100 + i, "لدى الباحث", day(i), researcher="باحث آخر",
                         referred_on=day(i)) for i in range(5)]
    wb.append_many(R, research + other)
    auth.login("researcher")
    first = text(client.get("/queue/researcher"))
    assert "طلبات لدى الباحث الاجتماعي (55)" in first and len(shown(first)) == 50
    last = text(client.get("/queue/researcher?page=2"))
    assert shown(last) == [f"2026-{i:05d}" for i in range(50, 55)]
    assert "باحث آخر" not in first + last
    auth.logout()
    auth.login("manager")
    assert "طلبات لدى الباحث الاجتماعي (60)" in text(client.get("/queue/researcher"))


def test_search_results_are_paged_with_the_query_kept(client: FlaskClient, auth: AuthActions,
                                                      many: Workbook) -> None:
    auth.login("reception")
    first = text(client.get("/beneficiaries?q=فاطمة"))
    ids = shown(first, "/beneficiaries/B-")
    assert len(ids) == 50 and "العدد: 70" in first and "صفحة 1 من 2" in first
    assert "1000000001" not in first and "1•••" in first  # national IDs masked in the list
    link = re.search(r'<a rel="next" href="([^"]+)">التالي</a>', first)
    assert link is not None and "q=" in link.group(1)
    second = text(client.get(link.group(1).replace("&amp;", "&")))
    assert len(shown(second, "/beneficiaries/B-")) == 20 and "هيا" not in second
    none = text(client.get("/beneficiaries?q=لايوجدهذا"))
    assert "لا توجد نتائج" in none and "صفحة" not in none


def test_inquiries_are_paged_with_the_type_kept(client: FlaskClient, auth: AuthActions,
                                                many: Workbook) -> None:
    auth.login("reception")
    page = text(client.get("/inquiries?type=شكوى"))
    assert "العدد: 60" in page and len(shown(page, "/inquiries/Q-")) == 50
    link = re.search(r'<a rel="next" href="([^"]+)">التالي</a>', page)
    assert link is not None and "type=" in link.group(1)
    second = text(client.get(link.group(1).replace("&amp;", "&")))
    assert re.findall(r'data-label="النوع">([^<]+)<', second) == ["شكوى"] * 10
    assert "العدد: 120" in text(client.get("/inquiries"))


def test_problems_are_paged_and_stay_grouped(client: FlaskClient, auth: AuthActions,
                                             wb: Workbook) -> None:
    wb.append_many(P, [{"tab": R if i < 40 else Q, "row": str(i + 2), "column": "تاريخ التقديم",
                        "value": "أمس", "problem": "تاريخ غير مفهوم",
                        "found_at": "2026-11-22T10:00"} for i in range(70)])
    auth.login("reception")
    first = text(client.get("/problems"))
    assert "مشكلات في البيانات (70)" in first and "صفحة 1 من 2" in first
    assert re.findall(r"<h2>([^<(]+) \(", first) == [R, Q]
    assert f"{Q} (30) <small class=\"muted\">يُعرض منها هنا 10</small>" in first
    second = text(client.get("/problems?page=2"))
    assert re.findall(r"<h2>([^<(]+) \(", second) == [Q]
    assert second.count('data-label="المشكلة"') == 20


def test_a_write_brings_the_kept_order_and_counts_up_to_date(
        client: FlaskClient, auth: AuthActions, many: Workbook) -> None:
    auth.login("manager")
    assert "العدد: 120" in text(client.get("/requests"))
    home = text(client.get("/"))
    assert re.search(r'">لدى اللجنة</a></th><td>60<', home)
    many.append_many(R, [request_row(500, COMMITTEE, "2026-11-21")])  # invalidates الطلبات
    page = text(client.get("/requests"))
    assert "العدد: 121" in page and shown(page)[0] == "2026-00500"
    assert "طلبات لدى لجنة البحث (61)" in text(client.get("/queue/committee"))
    home = text(client.get("/"))
    assert re.search(r'">لدى اللجنة</a></th><td>61<', home)


def test_home_and_dashboard_run_each_deadline_once_per_snapshot(
        client: FlaskClient, auth: AuthActions, many: Workbook,
        monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    real = deadlines.request_computed

    def counted(request, today, s):  # type: ignore[no-untyped-def]
        runs.append(request["id"])
        return real(request, today, s)
    monkeypatch.setattr(deadlines, "request_computed", counted)
    auth.login("manager")
    home = text(client.get("/"))
    assert len(runs) == 120
    overdue = re.search(r"<strong>(\d+)</strong><span>متأخر — لدى اللجنة", home)
    assert overdue is not None and int(overdue.group(1)) == 60
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200 and "المتأخر الآن حسب المرحلة" in text(dashboard)
    client.get("/")
    assert len(runs) == 120  # nothing run again
    many.invalidate(R)
    client.get("/")
    assert len(runs) == 240  # a new snapshot: computed again, once


def test_kept_values_never_keep_an_old_snapshot_alive() -> None:
    header = [[c.header for c in schema.REQUESTS.columns]]
    table = parse_table(schema.REQUESTS, header)
    gone = weakref.ref(table)
    assert per_snapshot("test", (table, date(2026, 11, 22)), lambda: "first") == "first"
    assert per_snapshot("test", (table, date(2026, 11, 22)), lambda: "again") == "first"
    assert per_snapshot("test", (table, date(2026, 11, 23)), lambda: "next day") == "next day"
    del table
    assert gone() is None  # only a weak reference was kept
    assert per_snapshot("test", (parse_table(schema.REQUESTS, header), date(2026, 11, 23)),
                        lambda: "new read") == "new read"


def test_pages_asking_for_one_value_at_once_wait_for_one_computation() -> None:
    table = parse_table(schema.REQUESTS, [[c.header for c in schema.REQUESTS.columns]])
    computed: list[int] = []
    started = threading.Event()

    def slow() -> int:
        computed.append(1)
        started.set()
        time.sleep(0.2)
        return 42

    got: list[int] = []
    threads = [threading.Thread(target=lambda: got.append(
        per_snapshot(("single flight",), (table,), slow))) for _ in range(4)]
    first_then_others(threads, lambda: started.wait(5))
    assert got == [42, 42, 42, 42] and computed == [1]
