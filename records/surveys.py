"""Satisfaction surveys: invitations, signed links and answers.

Rating the service is the beneficiary's right and a tool for improvement, not
for punishment: an anonymous answer keeps the service and month only.
"""
from __future__ import annotations

from collections.abc import Container, Mapping
from datetime import date, timedelta

import qrcode
import qrcode.image.svg
from itsdangerous import BadSignature, URLSafeSerializer

from sheets import Record, Workbook, schema

from . import audit, store
from .ids import new_id

TAB = schema.SURVEYS
QUESTION_KEYS = ("q_reception", "q_clarity", "q_speed", "q_staff", "q_overall")
SENT, DONE, EXPIRED = "مرسلة", "مكتملة", "منتهية"


def invitation(request: Mapping[str, str], today: date, days: int,
               taken: Container[str]) -> dict[str, str]:
    """A new invitation row for a served request."""
    served = request.get("served_on") or today.isoformat()
    return {"id": new_id("S", taken, today), "request_id": request["id"],
            "beneficiary_id": request.get("beneficiary_id", ""),
            "service": request.get("service", ""), "service_month": served[:7],
            "invited_on": today.isoformat(),
            "expires_on": (today + timedelta(days=days)).isoformat(), "status": SENT}


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="mustafid-survey")


def token(secret: str, survey_id: str) -> str:
    """The signed part of a survey link (the expiry lives in the sheet row)."""
    return _serializer(secret).dumps(survey_id)


def survey_id(secret: str, text: str) -> str | None:
    try:
        value = _serializer(secret).loads(text)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


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


def questions(configured: list[str]) -> list[tuple[str, str]]:
    """The enabled questions as (key, Arabic label), in the tab's order."""
    wanted = set(configured) or None
    return [(k, TAB.column(k).header) for k in QUESTION_KEYS
            if wanted is None or TAB.column(k).header in wanted]


def answer(wb: Workbook, survey: Record, ratings: Mapping[str, int], comment: str,
           anonymous: bool, today: date) -> None:
    """Write the answer once; anonymous answers drop who answered and which request."""
    changes = {k: str(v) for k, v in ratings.items()}
    changes.update(comment=comment, anonymous="نعم" if anonymous else "لا",
                   answered_on=today.isoformat(), status=DONE)
    if anonymous:
        changes.update(beneficiary_id="", request_id="")
    def audit_row(tab: str, rid: str, diff: Mapping[str, tuple[str, str]],
                  action: str) -> dict[str, str]:
        # The audit row names the survey only: it must not undo an anonymous answer.
        return audit.row("المستفيد (رابط الاستبيان)", action, TAB, rid,
                         {"status": diff.get("status", (SENT, DONE))})

    # Single-use even when two answers arrive together: the second finds it answered.
    store.update(wb, TAB, survey["id"], changes, "", "إجابة استبيان رضا",
                 expect={"status": survey.get("status", ""), "answered_on": ""},
                 audit_fn=audit_row)


def message(name: str, association: str, url: str) -> str:
    return (f"السلام عليكم {name}،\nشكرًا لتواصلكم مع {association}. تقييمكم للخدمة حق لكم "
            f"ويساعدنا على تحسينها. نرجو الإجابة على استبيان قصير:\n{url}")


def qr_svg(url: str) -> str:
    """A QR code of the link as inline SVG (drawn here, no outside service)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")
