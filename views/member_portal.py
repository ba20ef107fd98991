"""The member's page, without an account (issue 17): with their membership number and national
ID, a member of the general assembly reads the next meeting and its agenda, the open projects,
the published financial statements and their own shares, and asks to update their data.

As on the beneficiary's door (``views.public``), a lookup that does not match answers the same
whichever of its two numbers was wrong, and is counted against the address that made it.
"""
from __future__ import annotations

import time

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    session,
    url_for,
)

import assembly
from forms.member_portal import MemberLookupForm, MemberUpdateForm
from ratelimit import failure_limit, limiter, lookup_failed, post_only, public_limit
from records import meetings, member_portal, members, projects, statements
from sheets import Record, get_workbook, read_file, schema

from . import association, tables, today

bp = Blueprint("member_portal", __name__, url_prefix="/p/member")
M, G, P, F = (schema.MEMBERS.name, schema.MEETINGS.name, schema.PROJECTS.name,
              schema.STATEMENTS.name)
NOT_FOUND = ("لم نجد عضوية بهذا الرقم وهذه الهوية. تأكد من رقم العضوية في بطاقتك أو رسالة "
             "الجمعية، أو تواصل معنا.")
OPEN_SECONDS = 30 * 60  # how long a matched lookup stays open in this browser


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(public_limit, exempt_when=post_only)
@limiter.limit(failure_limit, exempt_when=post_only, deduct_when=lookup_failed)
def lookup() -> str | Response:
    form = MemberLookupForm()
    if form.validate_on_submit() and not form.is_robot():
        found = member_portal.find_member(tables(M)[M], form.number.data or "",
                                          form.national_id.data or "")
        if found is not None:
            session["member"] = {"id": found["id"], "at": time.time()}
            return redirect(url_for(".page"))
        g.lookup_failed = True
        form.national_id.errors = [*form.national_id.errors, NOT_FOUND]
    return render_template("member_portal/lookup.html", form=form, org=association())


def _member() -> Record:
    """The member this browser opened a moment ago, or back to the lookup form."""
    held = session.get("member") or {}
    member = tables(M)[M].get(held.get("id", "")) if held else None
    if member is None or time.time() - float(held.get("at", 0)) > OPEN_SECONDS or \
            member.get("status") == "منسحب":
        session.pop("member", None)
        abort(redirect(url_for(".lookup")))
    return member


@bp.route("/me")
def page() -> str:
    return _page(_member(), MemberUpdateForm())


def _page(member: Record, form: MemberUpdateForm) -> str:
    org, now = association(), today()
    got = tables(G, P, F)
    return render_template(
        "member_portal/page.html", org=org, member=member, form=form, riyals=members.riyals,
        time_words=assembly.time_words,
        holding=member_portal.holding(member, org.values.get("share_value", ""), now),
        meeting=meetings.next_meeting(got[G].records, now),
        projects=projects.open_projects(got[P].records, now),
        statements=statements.published(got[F].records))


@bp.route("/me/update", methods=["POST"])
@limiter.limit(public_limit)
def update() -> str | Response:
    member = _member()
    form = MemberUpdateForm()
    if form.validate_on_submit():
        if form.is_robot():
            abort(400)
        qid, _written = member_portal.ask_update(get_workbook(), member, form.details.data or "",
                                                 form.mobile.data or "", today())
        session["member_asked"] = qid
        return redirect(url_for(".asked"))
    return _page(member, form)


@bp.route("/me/asked")
def asked() -> str:
    member = _member()
    qid = session.get("member_asked") or abort(404)
    return render_template("member_portal/asked.html", org=association(), member=member,
                           qid=qid)


@bp.route("/me/statements/<sid>")
def statement(sid: str) -> Response:
    """A published statement's document kept in the file store (a link opens by itself)."""
    _member()
    found = next((s for s in statements.published(tables(F)[F].records) if s["id"] == sid), None)
    if found is None or not found.get("document") or found["document"].startswith("http"):
        abort(404)
    data, mime = read_file(get_workbook(), found["document"])
    return Response(data, mimetype=mime, headers={
        "Content-Disposition": "inline", "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})


@bp.route("/leave", methods=["POST"])
def leave() -> Response:
    session.pop("member", None)
    session.pop("member_asked", None)
    return redirect(url_for(".lookup"))
