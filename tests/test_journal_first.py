"""Journal-first records are first-class: found, opened and taken further during an outage,
written later in order and exactly once; a page learns of an outage within its deadline."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import ClassVar

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

import config
from records import audit
from records.journal import Journal
from records.store import journal
from sheets import Workbook, schema
from sheets.client import RetryingHTTPClient, interactive
from sheets.errors import QuotaExceeded, WorkbookUnavailable
from sheets.table import a1
from sync import runner as sync_runner
from tests.conftest import AuthActions, Server, sheet_values
from tests.helpers import PERSON, intake, register, text

B, R, A = schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.AUDIT.name
WAITING = "بانتظار الحفظ"
NO_RESULTS = "لا توجد نتائج"


def outage(server: Server) -> None:
    server.api.inject(503, times=100_000)


def timed(slept: list[float], action: object) -> tuple[object, float]:
    """Run ``action``; return its result and its seconds: wall clock plus the faked sleeps."""
    before, start = sum(slept), time.monotonic()
    got = action()  # type: ignore[operator]
    return got, time.monotonic() - start + sum(slept) - before


def register_in_outage(client: FlaskClient, server: Server,
                       slept: list[float]) -> tuple[str, float]:
    """Register PERSON while the workbook answers 503; return the file number and seconds.

    The pages read the workbook before it went away, and that snapshot has aged (its
    ``SHEETS_CACHE_SECONDS`` ran out), so the save meets the outage on a read first.
    """
    client.get("/beneficiaries?q=x")
    client.application.extensions["sheets"].workbook.invalidate()
    outage(server)
    response, seconds = timed(slept, lambda: register(client))
    assert response.status_code == 302  # type: ignore[attr-defined]
    location = response.headers["Location"]  # type: ignore[attr-defined]
    return location.rsplit("=", 1)[1], seconds


def ids_in(wb: Workbook, tab: str, column: int = 0) -> list[str]:
    return [r[column] for r in sheet_values(wb, tab)[1:] if len(r) > column]


# -- the deadline ------------------------------------------------------------------------------
@pytest.mark.parametrize("deadline", ["5", "2"])
def test_a_save_in_an_outage_is_journaled_within_the_deadline(
        app: Flask, client: FlaskClient, auth: AuthActions, server: Server,
        slept: list[float], deadline: str) -> None:
    assert app.config["SHEETS_INTERACTIVE_DEADLINE_SECONDS"] == "5"  # the default
    app.config["SHEETS_INTERACTIVE_DEADLINE_SECONDS"] = deadline
    auth.login()
    rid, seconds = register_in_outage(client, server, slept)
    assert seconds <= float(deadline) + 0.5, seconds
    page = text(client.get(f"/beneficiaries?q={rid}"))
    assert rid in page and WAITING in page
    with app.app_context():
        assert [e.reference for e in journal().entries()] == [rid]


def test_without_the_deadline_the_same_save_waited_longer(
        app: Flask, client: FlaskClient, auth: AuthActions, server: Server,
        slept: list[float]) -> None:
    """What the finding measured: the snapshot read and the post-write check each retried."""
    app.config["SHEETS_INTERACTIVE_DEADLINE_SECONDS"] = "0"
    auth.login()
    _, seconds = register_in_outage(client, server, slept)
    assert seconds > 7.0, seconds  # two calls of four backoff sleeps each, 3.75 s at least


def test_the_sync_and_the_drain_keep_their_longer_patience(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server,
        slept: list[float]) -> None:
    auth.login()
    client.get("/")  # a page ran (and ended its deadline) in this same thread
    outage(server)
    wb.invalidate()
    with app.app_context():
        journal().add_group([(B, {"id": "B-0001", "full_name": "هيا"})])
        slept.clear()
        assert sync_runner.drain_journal(app) == 0
    # The snapshot read, then the look for the file: SHEETS_RETRIES attempts each, in full.
    assert len(slept) == 8 and sum(slept) >= 7.5, slept
    slept.clear()
    result = app.test_cli_runner().invoke(args=["sync"])
    assert result.exit_code != 0
    assert len(slept) >= 8 and sum(slept) > 7.0  # each call retried in full: no shared deadline


def test_a_quota_wait_longer_than_the_deadline_is_not_waited(
        wb: Workbook, server: Server, slept: list[float]) -> None:
    server.api.inject(429, times=10, retry_after=7)
    with interactive(5.0), pytest.raises(QuotaExceeded):
        wb.raw_values([a1(B)])
    assert slept == []
    server.api.reset()
    server.api.inject(429, times=2, retry_after=3)
    with interactive(5.0), pytest.raises(QuotaExceeded):
        wb.raw_values([a1(B)])
    assert slept == [3.0]  # waited once; a second 3 s would pass the deadline
    server.api.reset()
    server.api.inject(503, times=100)
    with interactive(1.0) as deadline, pytest.raises(WorkbookUnavailable):
        wb.raw_values([a1(B)])
    assert deadline.left() <= 0 and sum(slept[1:]) <= 1.0  # the attempts' own time counts too


def test_connecting_within_a_deadline_takes_no_longer_than_is_left() -> None:
    """A workbook that does not answer at all (a dead network) is given up on in time too;
    the read timeout stays whole, since a write cut while its answer is read may have landed."""
    class Session(requests.Session):
        timeouts: ClassVar[list[object]] = []

        def request(self, *args: object, **kwargs: object) -> requests.Response:  # type: ignore[override]
            self.timeouts.append(kwargs["timeout"])
            raise requests.ConnectTimeout()

    client = RetryingHTTPClient(None, session=Session())  # type: ignore[arg-type]
    client.set_timeout(30.0)
    with interactive(5.0), pytest.raises(requests.ConnectTimeout):
        client.request("get", "https://sheets.googleapis.com/v4/spreadsheets/x")
    first, *_, last = Session.timeouts
    assert first[1] == 30.0 and 4.5 < first[0] <= 5.0  # type: ignore[index]
    assert last == (client.min_connect, 30.0)  # the deadline spent: one short try per call
    Session.timeouts.clear()
    with pytest.raises(requests.ConnectTimeout):
        client.request("get", "https://sheets.googleapis.com/v4/spreadsheets/x")
    assert Session.timeouts == [30.0] * client.max_attempts  # outside a request: as configured


def test_the_setting_is_data_and_documented() -> None:
    setting = next(s for s in config.SETTINGS if s.name == "SHEETS_INTERACTIVE_DEADLINE_SECONDS")
    assert setting.default == "5"
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert setting.description in readme


# -- a file registered in an outage ------------------------------------------------------------
def test_a_file_kept_in_an_outage_is_found_opened_and_taken_further(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server,
        slept: list[float]) -> None:
    auth.login()
    bid, seconds = register_in_outage(client, server, slept)
    assert seconds <= 5.5, seconds
    page = text(client.get(f"/beneficiaries?q={bid}"))
    assert "حُفظ التسجيل محليًا برقم" in page and bid in page and WAITING in page
    assert NO_RESULTS not in page
    # found the way reception looks people up; the national ID stays masked in the list
    for query in ("فاطمه عبدالله", "1000000008", "0000000", "+966 55 123 4567", bid.lower()):
        page = text(client.get("/beneficiaries", query_string={"q": query}))
        assert bid in page and WAITING in page and NO_RESULTS not in page, query
        assert "1000000008" not in page.split("<table", 1)[1]
    assert NO_RESULTS in text(client.get("/beneficiaries?q=منيرة"))

    tried = server.api.total_calls()
    page = text(client.get(f"/beneficiaries/{bid}"))
    assert PERSON["full_name"] in page and WAITING in page and "القريات" in page
    assert f"/beneficiaries/{bid}/requests/new" in page
    assert server.api.total_calls() == tried  # the journal answers: no retries for this page

    assert "سلة غذائية" in text(client.get(f"/beneficiaries/{bid}/requests/new"))
    form = text(client.get(f"/beneficiaries/{bid}/requests/new?service=سلة غذائية"))
    assert PERSON["full_name"] in form
    response, seconds = timed(slept, lambda: intake(client, bid, notes="تحتاج سلة عاجلة"))
    assert response.status_code == 302, text(response)  # type: ignore[attr-defined]
    assert seconds <= 5.5, seconds
    rid = response.headers["Location"].split("/")[2]  # type: ignore[attr-defined]
    receipt = text(client.get(response.headers["Location"]))  # type: ignore[attr-defined]
    assert f"حُفظ الطلب محليًا برقم {rid} بعد ملف المستفيد" in receipt

    tried = server.api.total_calls()
    page = text(client.get(f"/requests/{rid}"))
    assert WAITING in page and rid in page and "تحتاج سلة عاجلة" in page
    assert "تُتاح بعد كتابته" in page and "disabled" in page
    assert f"/requests/{rid}/assign" not in page  # no step can be taken on a row not written
    assert server.api.total_calls() == tried
    typed_url = client.get(f"/requests/{rid}/assign")  # a step's address typed or bookmarked
    assert typed_url.status_code == 302 and typed_url.headers["Location"] == f"/requests/{rid}"
    assert "تُتاح خطوته التالية بعد حفظه" in text(client.get(f"/requests/{rid}"))
    file_page = text(client.get(f"/beneficiaries/{bid}"))
    assert rid in file_page and file_page.count(WAITING) == 2  # the file and its request
    auth.logout()
    auth.login("researcher")
    assert WAITING in text(client.get(f"/requests/{rid}"))  # every role sees it
    assert f"/beneficiaries/{bid}/requests/new" not in text(client.get(f"/beneficiaries/{bid}"))
    auth.logout()
    auth.login()

    server.api.reset()  # the workbook is back: the timer writes what waits, in order, once
    assert sync_runner.drain_journal(app) == 4
    assert sync_runner.drain_journal(app) is None
    assert Counter(ids_in(wb, B)) == Counter([bid])
    assert Counter(ids_in(wb, R)) == Counter([rid])
    assert [r[4] for r in sheet_values(wb, A)[1:] if r[4] in (bid, rid)] == [bid, rid]
    wb.invalidate()
    row = wb.table(R).get(rid)
    assert row["beneficiary_id"] == bid and row["notes"] == "تحتاج سلة عاجلة"
    assert WAITING not in text(client.get(f"/beneficiaries?q={bid}"))
    page = text(client.get(f"/requests/{rid}"))
    assert WAITING not in page and f"/requests/{rid}/assign" in page


def test_the_same_person_is_not_registered_twice_in_an_outage(
        app: Flask, client: FlaskClient, auth: AuthActions, server: Server,
        slept: list[float]) -> None:
    auth.login()
    register_in_outage(client, server, slept)
    page = text(register(client, full_name="فاطمة القحطاني"))
    assert "لهذا الرقم ملف مسجل" in page
    with app.app_context():
        assert len(journal().entries()) == 1


def test_a_request_waits_behind_its_file_even_once_the_workbook_is_back(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server,
        slept: list[float]) -> None:
    auth.login()
    bid, _ = register_in_outage(client, server, slept)
    server.api.reset()
    response = intake(client, bid)
    rid = response.headers["Location"].split("/")[2]
    assert "بعد ملف المستفيد" in text(client.get(response.headers["Location"]))
    assert ids_in(wb, R) == []  # never in the workbook before the file it names
    with app.app_context():
        assert [e.reference for e in journal().entries()] == [bid, rid]
    assert sync_runner.drain_journal(app) == 4
    assert ids_in(wb, B) == [bid] and ids_in(wb, R) == [rid]


# -- the journal's order -----------------------------------------------------------------------
def entry(tab: schema.Tab, record: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    return [(tab.name, record),
            (A, audit.row("reception", "تسجيل", tab, record["id"], audit.created(record)))]


def test_an_entry_behind_another_is_not_taken_before_it(
        wb: Workbook, tmp_path: Path) -> None:
    now = [1000.0]
    kept = Journal(tmp_path / "j.sqlite3", clock=lambda: now[0])
    person = entry(schema.BENEFICIARIES, {"id": "B-0001", "full_name": "هيا الشمري"})
    req = entry(schema.REQUESTS, {"id": "R-0001", "beneficiary_id": "B-0001",
                                  "service": "سلة غذائية", "status": "جديد"})
    kept.add_group(person)
    assert not kept.add_behind(req, B, "id", "B-0009")  # nothing waits for it: write it now
    assert kept.add_behind(req, B, "id", "B-0001")
    assert kept.entries()[1].behind == kept.entries()[0].seq
    assert kept.claim("another drainer") is not None  # it is writing the file right now
    now[0] += 1
    assert kept.drain(wb) == 0  # the request is not taken while its file is held
    assert ids_in(wb, R) == [] and len(kept.entries()) == 2
    now[0] += kept.lease + 1  # that drainer died: its claim lapses, both go, in order
    assert kept.drain(wb) == 4
    assert ids_in(wb, B) == ["B-0001"] and ids_in(wb, R) == ["R-0001"]
    assert [r[4] for r in sheet_values(wb, A)[1:]] == ["B-0001", "R-0001"]
    assert kept.entries() == []
