"""Demo data: clearly fictional beneficiaries, requests and inquiries in every status and channel."""
from __future__ import annotations

import random
from datetime import date, timedelta

import privacy
import workflow
from forms.checks import canonical_mobile, luhn_ok
from records import association as assoc
from records import audit, surveys
from records.ids import new_id
from sheets import Workbook, schema

FIRST_F = ("فاطمة", "نورة", "مريم", "هيا", "سارة", "لطيفة", "منيرة", "عائشة", "أمل", "هند")
FIRST_M = ("محمد", "عبدالله", "فهد", "سعد", "خالد", "ناصر", "تركي", "سلمان", "إبراهيم", "علي")
FAMILY = ("العتيبي", "الشمري", "القحطاني", "الحربي", "العنزي", "الزهراني", "الغامدي", "الدوسري",
          "المطيري", "الرويلي", "السبيعي", "الشهري")
CITIES = ("القريات", "طبرجل", "الجموم", "مكة المكرمة", "الرياض", "جدة")
NOTE = "بيانات تجريبية"
COMMENTS = ("", "", "شكرًا على حسن الاستقبال.", "تأخر الرد قليلًا.", "الإجراءات واضحة.",
            "أتمنى تسهيل المواعيد.", "تعليق تجريبي.")


def national_id(rng: random.Random) -> str:
    body = rng.choice("12") + "".join(rng.choice("0123456789") for _ in range(8))
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def mobile(rng: random.Random) -> str:
    while True:
        number = canonical_mobile("05" + rng.choice("0345689") +
                                  "".join(rng.choice("0123456789") for _ in range(7)))
        if number:
            return number


def beneficiaries(n: int, today: date, rng: random.Random) -> list[dict[str, str]]:
    out, taken = [], set()
    for _ in range(n):
        female = rng.random() < 0.6
        first = rng.choice(FIRST_F if female else FIRST_M)
        registered = today - timedelta(days=rng.randint(30, 900))
        rid = new_id("B", taken, registered)
        taken.add(rid)
        out.append({
            "id": rid, "full_name": f"{first} {rng.choice(FIRST_M)} {rng.choice(FAMILY)}",
            "national_id": national_id(rng),
            "id_expiry": (today + timedelta(days=rng.randint(-40, 1500))).isoformat(),
            "mobile": mobile(rng), "gender": "أنثى" if female else "ذكر",
            "city": rng.choice(CITIES), "family_size": str(rng.randint(1, 11)),
            "monthly_income": str(rng.randrange(0, 9000, 250)),
            "registered_on": registered.isoformat(),
            "data_updated_on": min(registered + timedelta(days=rng.randint(0, 500)), today
                                   ).isoformat() if rng.random() < 0.7 else registered.isoformat(),
            "notes": NOTE,
            # Consent given at the desk when the file was opened (privacy.py).
            "consent_on": registered.isoformat(), "consent_method": privacy.CONSENT_METHODS[0],
            "consent_scope": assoc.DEFAULTS["consent_purposes"], "legal_basis": privacy.CONSENT,
        })
    return out


def requests(n: int, people: list[dict[str, str]], org: assoc.Association, today: date,
             rng: random.Random, researchers: list[str]) -> list[dict[str, str]]:
    out, taken = [], set()
    for i in range(n):
        status = workflow.STATUSES[i % len(workflow.STATUSES)]
        channel = org.channels[i % len(org.channels)] if org.channels else "المقابلة"
        service = org.services[i % len(org.services)] if org.services else None
        submitted = today - timedelta(days=rng.randint(0, 180))
        rid = new_id("R", taken, submitted)
        taken.add(rid)
        docs = list(service.documents) if service else []
        rec = {"id": rid, "beneficiary_id": rng.choice(people)["id"],
               "service": service.name if service else "سلة غذائية", "channel": channel,
               "submitted_on": submitted.isoformat(), "status": status,
               "declared_by": "المتقدم", "declared_on": submitted.isoformat(),
               "declaration_method": rng.choice(schema.DECLARATION_METHODS),
               "created_by": "بيانات تجريبية", "notes": NOTE}
        if status == workflow.INCOMPLETE:
            missing = docs[-1:] or ["إثبات الدخل"]
            rec.update(missing="، ".join(missing), documents="، ".join(docs[:-1]))
            out.append(rec)
            continue
        completed = submitted + timedelta(days=rng.randint(0, 5))
        rec.update(documents="، ".join(docs), completed_on=min(completed, today).isoformat())
        order = workflow.STATUSES.index(status)
        if status != workflow.NEW and status != workflow.CLOSED:
            rec.update(researcher=rng.choice(researchers),
                       referred_on=min(completed + timedelta(days=1), today).isoformat())
        if order >= workflow.STATUSES.index(workflow.COMMITTEE) and status != workflow.CLOSED:
            # No study notes: they are a sensitive field, kept outside the sheet.
            rec.update(recommendation="قبول" if status != workflow.REJECTED else "رفض")
        decided = min(completed + timedelta(days=rng.randint(5, 20)), today)
        if status in (workflow.ACCEPTED, workflow.REGISTERED, workflow.SERVED):
            rec.update(decision=workflow.ACCEPTED, decided_on=decided.isoformat())
        if status == workflow.REJECTED:
            rec.update(decision=workflow.REJECTED, decided_on=decided.isoformat(),
                       decision_reason="الدخل يتجاوز حد الاستحقاق.")
        if status in (workflow.REGISTERED, workflow.SERVED):
            rec["registered_on"] = decided.isoformat()
        if status == workflow.SERVED:
            rec.update(service_given=rec["service"], served_by="موظف تجريبي", amount="1",
                       served_on=min(decided + timedelta(days=2), today).isoformat())
        out.append(rec)
    return out


def inquiries(n: int, people: list[dict[str, str]], org: assoc.Association, today: date,
              rng: random.Random) -> list[dict[str, str]]:
    out, taken = [], set()
    for i in range(n):
        kind = schema.INQUIRY_TYPES[i % 3]
        received = today - timedelta(days=rng.randint(0, 60))
        rid = new_id("Q", taken, received)
        taken.add(rid)
        person = rng.choice(people)
        closed = rng.random() < 0.6
        out.append({"id": rid, "type": kind,
                    "channel": org.channels[i % len(org.channels)] if org.channels else "",
                    "beneficiary_id": person["id"], "name": person["full_name"],
                    "mobile": person["mobile"], "subject": f"{kind} تجريبي",
                    "details": NOTE, "received_on": received.isoformat(),
                    "status": "مغلق" if closed else "مفتوح",
                    "reply": "تم الرد." if closed else "",
                    "replied_on": min(received + timedelta(days=rng.randint(0, 8)),
                                      today).isoformat() if closed else ""})
    return out


def answered_surveys(reqs: list[dict[str, str]], today: date,
                     rng: random.Random) -> list[dict[str, str]]:
    """Earlier invitations for most served requests, most of them answered (some anonymously).

    Each request invited here gets its survey date, as a past sync would have written it.
    """
    out: list[dict[str, str]] = []
    taken: set[str] = set()
    for r in reqs:
        if r["status"] != workflow.SERVED or rng.random() < 0.2:
            continue
        served = date.fromisoformat(r["served_on"])
        invite = surveys.invitation(r, served, 30, taken)
        taken.add(invite["id"])
        r["survey_sent"] = served.isoformat()
        if rng.random() < 0.7:
            base = rng.choice((5, 5, 4, 4, 4, 3, 2))
            invite.update({k: str(max(1, min(5, base + rng.choice((-1, 0, 0, 1)))))
                           for k in surveys.QUESTION_KEYS})
            anonymous = rng.random() < 0.2
            invite.update(status=surveys.DONE, comment=rng.choice(COMMENTS),
                          anonymous="نعم" if anonymous else "لا",
                          answered_on=min(served + timedelta(days=rng.randint(0, 6)),
                                          today).isoformat())
            if anonymous:
                invite.update(beneficiary_id="", request_id="")
        out.append(invite)
    return out


def members(n: int, people: list[dict[str, str]], today: date,
            rng: random.Random) -> list[dict[str, str]]:
    """Members of the general assembly in every status and type: some hold a beneficiary file
    (same national ID and mobile), the others are new people; shares and dues vary."""
    out: list[dict[str, str]] = []
    taken: set[str] = set()
    ids = {p["national_id"] for p in people}
    for i in range(n):
        joined = today - timedelta(days=rng.randint(60, 3000))
        mid = new_id("M", taken, joined)
        taken.add(mid)
        if i % 3 == 0 and i // 3 < len(people):
            person = people[i // 3]
            name, nid, phone, file = (person["full_name"], person["national_id"],
                                      person["mobile"], person["id"])
        else:
            nid = national_id(rng)
            while nid in ids:
                nid = national_id(rng)
            name = f"{rng.choice(FIRST_M + FIRST_F)} {rng.choice(FIRST_M)} {rng.choice(FAMILY)}"
            phone, file = mobile(rng), ""
        ids.add(nid)
        status = schema.MEMBER_STATUSES[i % len(schema.MEMBER_STATUSES)] if i % 4 else \
            schema.MEMBER_STATUSES[0]
        kind = schema.MEMBERSHIP_TYPES[i % 5 // 2]
        paid = today.year - rng.choice((0, 0, 1, 2))
        changed = status != schema.MEMBER_STATUSES[0]
        out.append({
            "id": mid, "full_name": name, "national_id": nid, "mobile": phone,
            "beneficiary_id": file, "type": kind, "joined_on": joined.isoformat(),
            "status": status, "shares": str(rng.choice((1, 5, 10, 20, 50))), "share_value": "100",
            "dues": "" if kind == schema.MEMBERSHIP_TYPES[2] else "200",
            "dues_year": "" if kind == schema.MEMBERSHIP_TYPES[2] else str(paid),
            "dues_paid_on": "" if kind == schema.MEMBERSHIP_TYPES[2] else f"{paid}-03-01",
            "dues_paid": "" if kind == schema.MEMBERSHIP_TYPES[2] else "200",
            "status_changed_on": (joined + timedelta(days=30)).isoformat() if changed else "",
            "status_reason": "قرار مجلس الإدارة (تجريبي)" if changed else "",
            "confirmed_on": (today - timedelta(days=rng.randint(0, 500))).isoformat(),
            "notes": NOTE,
        })
    return out


def fill(wb: Workbook, n_requests: int, today: date, researchers: list[str],
         seed: int | None = None) -> dict[str, int]:
    """Append demo rows (a few calls whatever the size); return how many of each."""
    rng = random.Random(seed)
    org = assoc.load(wb.read(*assoc.TABS))
    people = beneficiaries(max(5, n_requests // 2), today, rng)
    reqs = requests(n_requests, people, org, today, rng, researchers or ["باحث تجريبي"])
    inqs = inquiries(max(3, n_requests // 5), people, org, today, rng)
    answers = answered_surveys(reqs, today, rng)
    assembly = members(max(3, n_requests // 6), people, today, rng)
    wb.append_many(schema.BENEFICIARIES.name, people)
    wb.append_many(schema.REQUESTS.name, reqs)
    wb.append_many(schema.INQUIRIES.name, inqs)
    wb.append_many(schema.SURVEYS.name, answers)
    wb.append_many(schema.MEMBERS.name, assembly)
    counts = {"beneficiaries": len(people), "requests": len(reqs), "inquiries": len(inqs),
              "surveys": len(answers), "members": len(assembly)}
    entry = audit.row("بيانات تجريبية", "إضافة بيانات تجريبية", schema.REQUESTS, "", {})
    entry["changes"] = "، ".join(f"{t.name}: {n}" for t, n in (
        (schema.BENEFICIARIES, len(people)), (schema.REQUESTS, len(reqs)),
        (schema.INQUIRIES, len(inqs)), (schema.SURVEYS, len(answers)),
        (schema.MEMBERS, len(assembly))))
    wb.append(audit.TAB, entry)
    return counts
