"""Satisfaction surveys: invitations, random single-use links and answers.

Rating the service is the beneficiary's right and a tool for improvement, not
for punishment: an anonymous answer keeps the service and month only.

A link carries a random token (``secrets.token_urlsafe``); the sheet keeps only its
SHA-256 (``بصمة الرابط``). Nothing the association holds (the sheet, its audit rows,
its version history, a backup, ``SECRET_KEY``) can reopen a link or answer in someone's
name, so staff who need the link again make a new one, which voids the old. A plain
hash is enough: 144 random bits leave no guess to try, and a keyed hash would break
every open link whenever ``SECRET_KEY`` changes.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Container, Iterable, Mapping
from datetime import date, timedelta

import qrcode
import qrcode.image.svg
from itsdangerous import BadSignature, URLSafeSerializer

from sheets import Record, Table, Workbook, schema

from . import audit, store
from .ids import new_id

TAB = schema.SURVEYS
QUESTION_KEYS = ("q_reception", "q_clarity", "q_speed", "q_staff", "q_overall")
SENT, DONE, EXPIRED = "مرسلة", "مكتملة", "منتهية"
INVITE_ACTION, RENEW_ACTION = "دعوة استبيان رضا", "رابط استبيان جديد"
ANSWERER = "المستفيد (رابط الاستبيان)"
HASH = "token_hash"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{24}")  # what ``new_token`` makes


def invitation(request: Mapping[str, str], today: date, days: int,
               taken: Container[str], token_hash: str | None = None) -> dict[str, str]:
    """A new invitation row for a served request (the sync's has no link yet: no hash)."""
    served = request.get("served_on") or today.isoformat()
    row = {"id": new_id("S", taken, today), "request_id": request["id"],
           "beneficiary_id": request.get("beneficiary_id", ""),
           "service": request.get("service", ""), "service_month": served[:7],
           "invited_on": today.isoformat(),
           "expires_on": (today + timedelta(days=days)).isoformat(), "status": SENT}
    return row if token_hash is None else {**row, HASH: token_hash}


def new_token() -> str:
    """A link's random part: 18 bytes, no survey number in it under any decoding."""
    return secrets.token_urlsafe(18)


def fingerprint(token: str) -> str:
    """What the sheet keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="mustafid-survey")


def signed_token(secret: str, survey_id: str) -> str:
    """The old link form (the survey's number, signed): made only by tests now; links of
    this form already sent keep working until their row expires."""
    return _serializer(secret).dumps(survey_id)


token = signed_token  # its former name (tests/test_browser.py)


def _signed_id(secret: str, text: str) -> str | None:
    try:
        value = _serializer(secret).loads(text)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def well_formed(secret: str, token: str) -> bool:
    """Whether a link could be one of ours at all (checked before any read)."""
    if _TOKEN.fullmatch(token):
        return True
    return "." in token and _signed_id(secret, token) is not None


def find(table: Table, secret: str, token: str) -> Record | None:
    """The invitation a link opens: by its token's hash, or, for an old signed link, by the
    number it carries while its row has no hash (a new link made since voids it)."""
    if not token:
        return None
    digest = fingerprint(token)
    hit = next((r for r in table.records if r.get(HASH) and
                secrets.compare_digest(r[HASH], digest)), None)
    if hit is not None:
        return hit
    sid = None if _TOKEN.fullmatch(token) else _signed_id(secret, token)
    old = table.get(sid) if sid else None
    return old if old is not None and not old.get(HASH) else None


def holds(survey: Mapping[str, str], token: str) -> bool:
    """Whether ``token`` is the survey's current link."""
    return bool(survey.get(HASH)) and secrets.compare_digest(survey[HASH], fingerprint(token))


def link_state(survey: Mapping[str, str] | None, today: date) -> str:
    """``open``, ``used``, ``expired`` or ``unknown`` for a link's row."""
    if survey is None:
        return "unknown"
    if survey.get("status") == DONE:
        return "used"
    expires = survey.get("expires_on", "")
    if survey.get("status") == EXPIRED or (expires and today.isoformat() > expires):
        return "expired"
    return "open"


def of_request(records: Iterable[Mapping[str, str]], rid: str) -> Mapping[str, str] | None:
    """The invitation of a request (none once answered anonymously)."""
    return next((s for s in records if s.get("request_id") == rid), None)


def invite(wb: Workbook, request: Mapping[str, str], today: date, days: int,
           user: str) -> tuple[Record, str]:
    """Write a served request's invitation with its link's hash; return it and the token.

    The request's ``دعوة الاستبيان`` was dated in the same write as its service, so the
    sync never adds a second invitation; an outage keeps this one in the journal.
    """
    token = new_token()
    taken = {r["id"] for r in wb.table(TAB.name).records}
    record = Record(invitation(request, today, days, taken, fingerprint(token)))
    store.create(wb, TAB, record, user, INVITE_ACTION)
    return record, token


def renew(wb: Workbook, survey: Mapping[str, str], user: str) -> str:
    """A new link for an open invitation (the hash replaced; the old link stops opening)."""
    token = new_token()
    store.update(wb, TAB, survey["id"], {HASH: fingerprint(token)}, user, RENEW_ACTION,
                 expect={"status": SENT, HASH: survey.get(HASH, "")})
    return token


def questions(configured: list[str]) -> list[tuple[str, str]]:
    """The enabled questions as (key, Arabic label), in the tab's order."""
    wanted = set(configured) or None
    return [(k, TAB.column(k).header) for k in QUESTION_KEYS
            if wanted is None or TAB.column(k).header in wanted]


def answer(wb: Workbook, survey: Record, ratings: Mapping[str, int], comment: str,
           anonymous: bool, today: date) -> None:
    """Write the answer once.

    An anonymous answer keeps the service and month only: the row loses the request,
    the beneficiary and the link's hash, and takes a new number, since the invitation's
    own number is named beside the request in the audit rows of its making.
    """
    changes = {k: str(v) for k, v in ratings.items()}
    changes.update(comment=comment, anonymous="نعم" if anonymous else "لا",
                   answered_on=today.isoformat(), status=DONE)
    named = survey["id"]
    if anonymous:
        named = new_id("S", {r["id"] for r in wb.table(TAB.name).records}, today)
        changes.update(id=named, beneficiary_id="", request_id="")
        if HASH in survey:
            changes[HASH] = ""

    def audit_row(tab: str, rid: str, diff: Mapping[str, tuple[str, str]],
                  action: str) -> dict[str, str]:
        # The status alone, under the answer's own number: it must not undo an anonymous answer.
        return audit.row(ANSWERER, action, TAB, named if rid == survey["id"] else rid,
                         {"status": diff.get("status", (SENT, DONE))})

    # Single-use even when two answers arrive together: the second finds it answered (or,
    # after an anonymous one, gone).
    store.update(wb, TAB, survey["id"], changes, "", "إجابة استبيان رضا",
                 expect={"status": survey.get("status", ""), "answered_on": ""},
                 audit_fn=audit_row)


def message(name: str, association: str, url: str) -> str:
    return (f"السلام عليكم {name}،\nشكرًا لتواصلكم مع {association}. تقييمكم للخدمة حق لكم "
            f"ويساعدنا على تحسينها. نرجو الإجابة على استبيان قصير:\n{url}")


def qr_svg(url: str) -> str:
    """A QR code of the link as inline SVG (drawn here, no outside service); '' for no link."""
    if not url:
        return ""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")
