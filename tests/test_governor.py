"""The governor: calls wait their turn in a shared per-minute budget instead of meeting a 429;
pages go first, and a page that would wait too long shows its last read; the workbook lock is
never held while a call sleeps."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from forms.checks import luhn_ok
from records.store import journal
from sheets import Workbook, get_workbook, schema
from sheets.client import RetryingHTTPClient, interactive
from sheets.errors import ConfigError, QuotaExceeded
from sheets.governor import MINUTE, READ, WINDOW, WRITE, Governor, from_config, kind_of
from sheets.table import a1
from tests.conftest import AuthActions, Server, calls
from tests.helpers import file_number, intake, latest_request, register, text

ROOT = Path(__file__).resolve().parent.parent
B, R = schema.BENEFICIARIES.name, schema.REQUESTS.name
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
BANNER = "تعذر الوصول إلى ملف البيانات منذ الساعة"


class Clock:
    """A clock that moves only when told to (or when a faked sleep says it slept)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, slept: list[float]) -> Clock:
    """A fake clock that the retry seam's faked sleeps move forward."""
    fake = Clock()

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        fake.advance(seconds)

    monkeypatch.setattr(RetryingHTTPClient, "sleep", staticmethod(sleep))
    return fake


def governed(app: Flask, clock: Clock, reads: int = 60, writes: int = 60) -> Governor:
    """Give the app's workbook (opened already or now) a governor on the fake clock."""
    app.config.update(SHEETS_READS_PER_MINUTE=str(reads), SHEETS_WRITES_PER_MINUTE=str(writes))
    governor = from_config(app.config, app.instance_path)
    assert governor is not None
    governor.clock = clock
    with app.app_context():
        get_workbook().sh.client.governor = governor
    return governor


def take_all(governor: Governor, kind: str, background: bool = False) -> int:
    taken = 0
    while governor.take(kind, background) == 0.0:
        taken += 1
    return taken


# -- the bucket --------------------------------------------------------------------------------
@pytest.mark.parametrize("method, url, kind", [
    ("get", f"{SHEETS}/x", READ),
    ("get", f"{SHEETS}/x/values/A1", READ),
    ("get", f"{SHEETS}/x/values:batchGet", READ),
    ("post", f"{SHEETS}/x/values:batchGetByDataFilter", READ),
    ("post", f"{SHEETS}/x:getByDataFilter", READ),
    ("post", f"{SHEETS}/x:batchUpdate", WRITE),
    ("post", f"{SHEETS}/x/values:batchUpdate", WRITE),
    ("put", f"{SHEETS}/x/values/A1", WRITE),
    ("post", f"{SHEETS}/x/values/A1:append", WRITE),
    ("post", f"{SHEETS}/x/values/A1:clear", WRITE),
    ("post", SHEETS, WRITE),
    ("get", "https://www.googleapis.com/drive/v3/files", None),
    ("post", "https://www.googleapis.com/drive/v3/files", None),
])
def test_each_request_counts_against_its_own_quota(method: str, url: str,
                                                   kind: str | None) -> None:
    assert kind_of(method, url) == kind


def test_a_turn_comes_back_a_minute_and_a_second_after_it_was_taken(tmp_path: Path) -> None:
    clock = Clock()
    gov = Governor(tmp_path / "q.sqlite3", 60, 60, clock=clock)
    assert take_all(gov, READ) == 60
    assert gov.take(READ) == pytest.approx(WINDOW)
    assert gov.take(WRITE) == 0.0  # writes have their own budget
    clock.advance(30)
    assert gov.take(READ) == pytest.approx(WINDOW - 30)
    clock.advance(WINDOW - 30)
    assert take_all(gov, READ) == 60

    later = Clock(clock.now + 600)
    gov.clock = later
    for _ in range(6):  # ten turns every ten seconds
        assert [gov.take(READ) for _ in range(10)] == [0.0] * 10
        later.advance(10)
    assert gov.free(READ) == 0
    later.advance(WINDOW - MINUTE)
    assert gov.free(READ) == 10  # the first ten are back


def test_the_rate_is_the_limit_and_no_minute_holds_more(tmp_path: Path) -> None:
    """Five minutes of callers that always want more: 60 a minute, never 61 in any minute."""
    clock = Clock(0.0)
    gov = Governor(tmp_path / "q.sqlite3", 60, 60, clock=clock)
    granted: list[float] = []
    while clock.now < 300:
        wait = gov.take(WRITE)
        if wait:
            clock.advance(wait)
        else:
            granted.append(clock.now)
    assert len(granted) == 300
    window: deque[float] = deque()
    for t in granted:
        window.append(t)
        while window[0] <= t - MINUTE:
            window.popleft()
        assert len(window) <= 60


def test_two_governors_on_one_file_share_the_budget(tmp_path: Path) -> None:
    clock = Clock()
    app_side = Governor(tmp_path / "q.sqlite3", 60, 60, clock=clock)
    sync_side = Governor(tmp_path / "q.sqlite3", 60, 60, clock=clock)
    assert take_all(app_side, READ) == 60
    assert sync_side.take(READ) == pytest.approx(WINDOW)
    clock.advance(WINDOW)
    assert [sync_side.take(READ) for _ in range(30)] == [0.0] * 30
    assert app_side.free(READ) == 30


def test_two_processes_share_the_budget(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    child = ("import sys; from sheets.governor import Governor, READ\n"
             "g = Governor(sys.argv[1], 60, 60)\n"
             "print(sum(g.take(READ) == 0.0 for _ in range(45)))\n")
    got = subprocess.run([sys.executable, "-c", child, str(path)], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=60)
    assert got.stdout.strip() == "45"
    here = Governor(path, 60, 60)
    assert take_all(here, READ) == 15
    assert 50 < here.take(READ) <= WINDOW


def test_background_work_leaves_a_reserve_to_pages(tmp_path: Path) -> None:
    clock = Clock()
    gov = Governor(tmp_path / "q.sqlite3", 60, 60, clock=clock)
    assert gov.reserve(READ) == 10
    assert take_all(gov, READ, background=True) == 50
    sync_wait = gov.take(READ, background=True)
    assert sync_wait == pytest.approx(WINDOW)
    assert take_all(gov, READ) == 10  # pages still get their turns
    clock.advance(WINDOW)  # the first turns come back: pages are served before the sync
    assert gov.take(READ, background=True) == 0.0
    assert gov.free(READ, background=True) == 49 and gov.free(READ) == 59


def test_pages_go_before_the_sync_through_the_client(
        app: Flask, server: Server, wb: Workbook, clock: Clock, slept: list[float]) -> None:
    gov = governed(app, clock)
    take_all(gov, READ, background=True)
    slept.clear()
    with interactive(5.0):
        wb.raw_values([a1(B, "A1")])  # a page: its turn at once
    assert slept == []
    wb.raw_values([a1(B, "A1")])  # the sync job: waits until the reserve is whole again
    assert len(slept) == 1 and slept[0] == pytest.approx(WINDOW)


def test_limits_are_settings_that_default_to_googles_on_google(tmp_path: Path) -> None:
    assert from_config({"SHEETS_BACKEND": "local", "SHEETS_READS_PER_MINUTE": "",
                        "SHEETS_WRITES_PER_MINUTE": ""}, tmp_path) is None
    on_google = from_config({"SHEETS_BACKEND": "google"}, tmp_path)
    assert on_google is not None and on_google.limits == {READ: 60, WRITE: 60}
    assert on_google.path == tmp_path / "sheets-quota.sqlite3"
    assert from_config({"SHEETS_BACKEND": "google", "SHEETS_READS_PER_MINUTE": "0",
                        "SHEETS_WRITES_PER_MINUTE": "0"}, tmp_path) is None
    local = from_config({"SHEETS_READS_PER_MINUTE": "300"}, tmp_path)
    assert local is not None and local.limits == {READ: 300, WRITE: 0}
    with pytest.raises(ConfigError, match="SHEETS_WRITES_PER_MINUTE"):
        from_config({"SHEETS_WRITES_PER_MINUTE": "sixty"}, tmp_path)


# -- pages -------------------------------------------------------------------------------------
def test_a_page_that_would_wait_past_its_deadline_shows_the_last_read(
        app: Flask, client: FlaskClient, auth: AuthActions, server: Server, clock: Clock,
        slept: list[float]) -> None:
    gov = governed(app, clock)
    auth.login()
    register(client)
    assert "فاطمة" in text(client.get("/beneficiaries?q=فاطمة"))
    take_all(gov, READ)
    app.extensions["sheets"].workbook.invalidate()
    server.api.reset()
    slept.clear()
    page = client.get("/beneficiaries?q=فاطمة")
    assert page.status_code == 200
    assert "فاطمة" in text(page) and BANNER in text(page)
    assert calls(server) == 0 and slept == []  # no Sheets call sent, nothing waited

    clock.advance(WINDOW)  # turns are back: the page reads again and the banner goes
    app.extensions["sheets"].workbook.invalidate()
    assert BANNER not in text(client.get("/beneficiaries?q=فاطمة"))


def test_a_short_wait_is_waited_within_the_deadline(
        app: Flask, client: FlaskClient, auth: AuthActions, server: Server, clock: Clock,
        slept: list[float]) -> None:
    gov = governed(app, clock)
    auth.login()
    client.get("/beneficiaries?q=x")
    clock.advance(WINDOW)
    take_all(gov, READ)  # every turn taken three seconds before the page
    clock.advance(WINDOW - 3)
    app.extensions["sheets"].workbook.invalidate()
    slept.clear()
    page = client.get("/beneficiaries?q=x")
    assert page.status_code == 200 and BANNER not in text(page)
    assert slept == [pytest.approx(3)]


def test_a_save_that_gets_no_turn_is_kept_in_the_journal(
        app: Flask, client: FlaskClient, auth: AuthActions, server: Server, clock: Clock) -> None:
    gov = governed(app, clock)
    auth.login()
    client.get("/beneficiaries?q=x")
    take_all(gov, WRITE)
    response = register(client)
    assert response.status_code == 302
    with app.app_context():
        assert len(journal().entries()) == 1
    assert server.api.calls["spreadsheets.batchUpdate"] == 0


class Quota:
    """Google's per-minute quota in front of the local server: past it, a 429."""

    def __init__(self, app: Callable[..., Any], clock: Clock, per_minute: int = 60) -> None:
        self.app, self.clock, self.per_minute = app, clock, per_minute
        self.sent: dict[str, deque[float]] = {READ: deque(), WRITE: deque()}
        self.refused = 0
        self.served: dict[str, int] = {READ: 0, WRITE: 0}
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        kind = kind_of(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
        with self.lock:
            if kind is not None:
                now, sent = self.clock(), self.sent[kind]
                while sent and sent[0] <= now - MINUTE:
                    sent.popleft()
                if len(sent) >= self.per_minute:
                    self.refused += 1
                    start_response("429 Too Many Requests",
                                   [("Content-Type", "application/json")])
                    return [json.dumps({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                                                  "message": "Quota exceeded"}}).encode()]
                sent.append(now)
                self.served[kind] += 1
        return self.app(environ, start_response)


def national_id(n: int) -> str:
    """A valid national ID, one for each ``n``."""
    stem = f"1{n:08d}"
    return next(stem + d for d in "0123456789" if luhn_ok(stem + d))


def office_morning(client: FlaskClient, wb: Workbook, clock: Clock, pages: int) -> list[int]:
    """Staff open pages every half second (every page reads) and register a few files."""
    statuses = []
    for n in range(pages):
        wb.invalidate()
        if n % 15 == 7:
            statuses.append(register(client, national_id=national_id(n),
                                     mobile=f"055{n:07d}").status_code)
        else:
            statuses.append(client.get("/beneficiaries?q=x").status_code)
        clock.advance(0.5)
    return statuses


@pytest.mark.parametrize("limit", ["0", "60"])
def test_no_429_reaches_a_page_under_googles_quota(
        app: Flask, client: FlaskClient, auth: AuthActions, server: Server, clock: Clock,
        limit: str) -> None:
    """Thirty staff's worth of pages (two a second, twice the read quota) for 75 seconds."""
    quota = Quota(server._http.app, clock)
    server._http.app = quota  # type: ignore[attr-defined]
    app.config.update(SHEETS_READS_PER_MINUTE=limit, SHEETS_WRITES_PER_MINUTE=limit)
    with app.app_context():
        wb = get_workbook()  # opened under these settings
        governor = wb.sh.client.governor
        assert (governor is None) == (limit == "0")
        if governor is not None:
            governor.clock = clock
    auth.login()
    statuses = office_morning(client, wb, clock, 150)
    with app.app_context():
        kept = len(journal().entries())
    print(f"limit {limit}: refused {quota.refused}, served {quota.served}, "
          f"pages {sorted(Counter(statuses).items())}, journaled {kept}")
    if limit == "0":
        assert quota.refused > 0  # without the governor Google refuses calls
    else:
        assert quota.refused == 0 and set(statuses) <= {200, 302}
        assert quota.served[READ] >= 60  # the quota is used, not wasted


# -- the workbook lock -------------------------------------------------------------------------
@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """Retries' sleeps held until ``wake`` is set; ``sleeping`` tells that one began."""
    sleeping, wake = threading.Event(), threading.Event()

    def sleep(seconds: float) -> None:
        sleeping.set()
        assert wake.wait(10)

    monkeypatch.setattr(RetryingHTTPClient, "sleep", staticmethod(sleep))
    return sleeping, wake


def test_the_workbook_lock_is_not_held_while_a_retry_sleeps(
        wb: Workbook, server: Server, held: tuple[threading.Event, threading.Event]) -> None:
    wb.read(B, R)
    sleeping, wake = held
    wb.invalidate(R)
    server.api.inject(429, times=1, retry_after=7)
    first = threading.Thread(target=wb.read, args=(R,))
    first.start()
    assert sleeping.wait(10)
    other: dict[str, Any] = {}
    second = threading.Thread(target=lambda: other.update(wb.read(B), titles=wb.titles()))
    second.start()
    second.join(2)
    done_while_sleeping = not second.is_alive()
    wb.invalidate(R)  # a write landed meanwhile: the read under way is not taken as fresh
    wake.set()
    first.join(10)
    second.join(10)
    assert done_while_sleeping and B in other
    server.api.reset()
    wb.read(R)
    assert server.api.calls["spreadsheets.values.batchGet"] == 1  # read again, not "fresh"


def test_pages_reading_the_same_stale_tabs_share_one_call(
        wb: Workbook, server: Server, held: tuple[threading.Event, threading.Event]) -> None:
    wb.read(B, R)
    sleeping, wake = held
    wb.invalidate()
    server.api.reset()
    server.api.inject(429, times=1, retry_after=1)
    got: list[dict[str, Any]] = []

    def page() -> None:
        with interactive(5.0):
            got.append(wb.read(R))

    pages = [threading.Thread(target=page) for _ in range(3)]
    pages[0].start()
    assert sleeping.wait(10)
    for t in pages[1:]:
        t.start()
    wake.set()
    for t in pages:
        t.join(10)
    assert len(got) == 3 and all(R in g for g in got)
    assert server.api.calls["spreadsheets.values.batchGet"] == 2  # the 429 and its retry


def test_a_429_makes_every_caller_wait(
        app: Flask, server: Server, wb: Workbook, clock: Clock, slept: list[float]) -> None:
    gov = governed(app, clock)
    server.api.inject(429, times=1, retry_after=7)
    wb.invalidate()
    wb.read(R)
    assert slept == [7.0]  # honoured Retry-After, then found its turn free
    server.api.reset()
    server.api.inject(429, times=1, retry_after=20)
    with interactive(5.0), pytest.raises(QuotaExceeded):
        wb.raw_values([a1(R, "A1")])  # a page: 20 s is past its deadline
    assert gov.free(READ) == 0  # Google said wait: every caller waits
    with interactive(5.0), pytest.raises(QuotaExceeded):
        wb.raw_values([a1(B, "A1")])
    assert server.api.total_calls() == 1  # the second page sent nothing
    slept.clear()
    wb.raw_values([a1(B, "A1")])  # the sync job waits it out
    assert slept == [pytest.approx(20)]


def test_a_step_waits_its_turn_where_a_page_would_show_the_last_read(
        app: Flask, client: FlaskClient, auth: AuthActions, server: Server, clock: Clock,
        slept: list[float]) -> None:
    """The office used up the minute's writes: a referral sent now waits the 20 s to its turn
    (``SHEETS_FORM_QUEUE_SECONDS``) and lands, rather than asking the person to send it again."""
    gov = governed(app, clock)
    auth.login()
    register(client)
    with app.app_context():
        bid = file_number(get_workbook())
    intake(client, bid)
    with app.app_context():
        rid = latest_request(get_workbook())["id"]
    client.get(f"/requests/{rid}")
    clock.advance(WINDOW)
    take_all(gov, WRITE)
    clock.advance(WINDOW - 20)
    slept.clear()
    response = client.post(f"/requests/{rid}/assign", data={"researcher": "سارة الباحثة"})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "تم: " in page and "لدى الباحث" in page
    assert slept == [pytest.approx(20)]
    with app.app_context():
        assert latest_request(get_workbook())["status"] == "لدى الباحث"
