"""The general assembly's rules: the invitation's last day and its state on each day around it,
the quorum (more than the bylaws' share of the active working members), proxies and the time."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from assembly import (
    Invitation,
    Quorum,
    clock,
    invitation,
    invite_by,
    invite_by_cell,
    needed,
    proxy_error,
    time_words,
    votes,
    window_opens,
)

MEETING = date(2026, 12, 20)
NOTICE = 15  # the bylaws' notice period: the invitation goes out by 5 December
BY = date(2026, 12, 5)
OPENS = date(2026, 11, 28)  # raised a week before its last day
DAY = timedelta(days=1)


def test_the_last_day_to_invite_and_the_day_it_is_raised() -> None:
    assert invite_by(MEETING, NOTICE) == BY
    assert window_opens(MEETING, NOTICE) == OPENS
    assert invite_by(MEETING, 0) == MEETING and window_opens(MEETING, 0) == MEETING - 7 * DAY
    assert invite_by_cell({"date": "2026-12-20"}, NOTICE) == "2026-12-05"
    assert invite_by_cell({"date": "20/12/2026"}, 30) == "2026-11-20"


@pytest.mark.parametrize("meeting", [{"date": ""}, {"date": "بعد رمضان"}, {}])
def test_no_date_no_invitation(meeting: dict[str, str]) -> None:
    assert invite_by_cell(meeting, NOTICE) == ""
    assert invitation({**meeting, "status": "مجدول"}, BY, NOTICE) is None


SCHEDULED = {"date": "2026-12-20", "status": "مجدول"}


@pytest.mark.parametrize("today, state, left, raised", [
    (OPENS - DAY, "waiting", 8, False),
    (OPENS, "due", 7, True),
    (BY - DAY, "due", 1, True),
    (BY, "due", 0, True),
    (BY + DAY, "late", -1, True),
    (MEETING, "late", -15, True),
    (MEETING + DAY, "closed", -16, False),  # the meeting is past: nothing to send
])
def test_an_unsent_invitation_day_by_day(today: date, state: str, left: int, raised: bool) -> None:
    got = invitation(SCHEDULED, today, NOTICE)
    assert got == Invitation(BY, state, None, left)
    assert got.raised is raised


@pytest.mark.parametrize("sent, state", [(BY - DAY, "sent"), (BY, "sent"), (BY + DAY, "sent_late")])
@pytest.mark.parametrize("today", [OPENS - DAY, BY, MEETING + DAY])
def test_a_sent_invitation_on_time_or_late(sent: date, state: str, today: date) -> None:
    got = invitation({**SCHEDULED, "invited_on": sent.isoformat(), "status": "منعقد"}, today, NOTICE)
    assert got == Invitation(BY, state, sent, (BY - today).days)
    assert got.raised is False


@pytest.mark.parametrize("status", ["منعقد", "ملغى", ""])
def test_a_meeting_no_longer_scheduled_raises_nothing(status: str) -> None:
    got = invitation({"date": "2026-12-20", "status": status}, BY, NOTICE)
    assert got == Invitation(BY, "closed", None, 0)
    assert invitation({"date": "2026-12-20"}, BY, NOTICE) == Invitation(BY, "closed", None, 0)


@pytest.mark.parametrize("invite, words", [
    (Invitation(BY, "sent", BY - DAY, 3), "أُرسلت في 2026-12-04"),
    (Invitation(BY, "sent_late", BY + DAY, -3), "أُرسلت في 2026-12-06 (بعد آخر موعد لها)"),
    (Invitation(BY, "sent"), "أُرسلت في "),
    (Invitation(BY, "late", None, -1), "متأخرة: مضى آخر موعد لها منذ يوم واحد"),
    (Invitation(BY, "late", None, -2), "متأخرة: مضى آخر موعد لها منذ يومين"),
    (Invitation(BY, "late", None, -11), "متأخرة: مضى آخر موعد لها منذ 11 يومًا"),
    (Invitation(BY, "due", None, 0), "مستحقة: آخر يوم لإرسالها اليوم"),
    (Invitation(BY, "due", None, 1), "مستحقة: بقي على آخر موعد لها يوم واحد"),
    (Invitation(BY, "due", None, 2), "مستحقة: بقي على آخر موعد لها يومان"),
    (Invitation(BY, "due", None, 7), "مستحقة: بقي على آخر موعد لها 7 أيام"),
    (Invitation(BY, "waiting", None, 8), "لم يحن وقتها بعد"),
    (Invitation(BY, "closed", None, -16), "لم يُسجل إرسالها"),
])
def test_the_invitation_in_words(invite: Invitation, words: str) -> None:
    assert invite.words == words


# More than the share: 50% of 50 active members is 25, so 26 are needed.
@pytest.mark.parametrize("active, percent, least", [
    (50, 50, 26), (51, 50, 26), (52, 50, 27), (1, 50, 1), (2, 50, 2), (3, 50, 2), (4, 50, 3),
    (10, 66, 7), (9, 66, 6), (10, 75, 8), (10, 100, 10), (10, 0, 1), (0, 50, 0), (-1, 50, 0),
])
def test_members_needed_for_the_quorum(active: int, percent: int, least: int) -> None:
    assert needed(active, percent) == least
    assert Quorum(0, active, percent).needed == least


@pytest.mark.parametrize("present, met", [(25, False), (26, True), (27, True)])
def test_the_quorum_at_its_edge(present: int, met: bool) -> None:
    q = Quorum(present, 50, 50)
    assert q.met is met
    verdict = "النصاب مكتمل" if met else "النصاب غير مكتمل"
    assert q.text == (f"الحاضرون {present} والنصاب 26: {verdict} "
                      "(أكثر من 50٪ من الأعضاء العاملين النشطين، وعددهم 50)")


def test_no_quorum_without_active_members() -> None:
    assert Quorum(0, 0, 50).met is False and Quorum(3, 0, 50).met is False


@pytest.mark.parametrize("member, counted", [
    ({"status": "نشط", "type": "عضو عامل"}, True),
    ({"status": "نشط", "type": ""}, True),
    ({"status": "نشط"}, True),
    ({"status": "نشط", "type": "عضو منتسب"}, False),
    ({"status": "نشط", "type": "عضو شرفي"}, False),
    ({"status": "موقوف", "type": "عضو عامل"}, False),
    ({"type": "عضو عامل"}, False),
])
def test_who_counts_in_the_quorum(member: dict[str, str], counted: bool) -> None:
    assert votes(member) is counted


@pytest.mark.parametrize("held", [1, 2])
def test_a_member_holds_one_proxy(held: int) -> None:
    assert proxy_error(0) is None
    assert proxy_error(held) == ("يحمل هذا العضو إنابة عضو آخر في هذا الاجتماع، ولا ينوب العضو "
                                 "عن أكثر من عضو واحد.")


@pytest.mark.parametrize("typed, hhmm", [
    ("19:30", "19:30"), ("0:00", "00:00"), ("23:59", "23:59"), ("7:05", "07:05"), (" 7 : 30 ", "07:30"),
    ("7.30", "07:30"), ("7٫30", "07:30"), ("٧:٣٠ م", "19:30"),
    ("7:30 م", "19:30"), ("7:30 مساءً", "19:30"), ("7:30 مساء", "19:30"), ("7:30م", "19:30"),
    ("11:59 م", "23:59"), ("1:00 م", "13:00"), ("12:00 م", "12:00"), ("12:30 م", "12:30"),
    ("7:30 ص", "07:30"), ("7:30 صباحًا", "07:30"), ("7:30 صباحا", "07:30"), ("11:00 ص", "11:00"),
    ("12:00 ص", "00:00"), ("12:30 صباحًا", "00:30"),
    ("24:00", None), ("23:60", None), ("13:00 م", None), ("0:30 ص", None), ("7:3", None),
    ("730", None), ("7:30 ظهرًا", None), ("", None), (None, None),
])
def test_a_typed_time(typed: str | None, hhmm: str | None) -> None:
    assert clock(typed) == hhmm  # type: ignore[arg-type]


@pytest.mark.parametrize("hhmm, words", [
    ("00:15", "12:15 صباحًا"), ("07:05", "7:05 صباحًا"), ("11:59", "11:59 صباحًا"),
    ("12:00", "12:00 ظهرًا"), ("12:30", "12:30 ظهرًا"), ("13:00", "1:00 مساءً"),
    ("19:30", "7:30 مساءً"), ("7:30 م", "7:30 مساءً"), ("بعد العصر", "بعد العصر"), ("", ""),
])
def test_a_time_as_arabic_reads_it(hhmm: str, words: str) -> None:
    assert time_words(hhmm) == words
