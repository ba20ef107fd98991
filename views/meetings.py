"""General assembly meetings: the list, schedule and edit, the invitation (its send-by date,
its text and links per member, the day it was sent), attendance and the quorum, held with its
decisions, or cancelled.

Managers and admins schedule, edit, record the invitation sent, hold and cancel. Reception (the
front desk that sends the invitations and receives members at the door) reads the meetings,
opens the invitation's links and records attendance, voiding a row recorded by mistake with
its reason while the meeting is still scheduled.
"""
from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

import assembly
from arabic import days
from forms.checks import canonical_mobile
from forms.meetings import AttendForm, HoldForm, InvitedForm, MeetingForm, ReasonForm
from records import Refused, attendance, meetings
from records.requests import sms_link, whatsapp_link
from sheets import Record, get_workbook, schema
from sheets.cells import parse_date

from . import (
    FRONT,
    MANAGERS,
    association,
    manages,
    roles_required,
    save_edit,
    saved,
    tables,
    tables_with,
    today,
    user_name,
)
from .paging import paginate
from .snapshot import per_snapshot

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
G, A, M, C = (schema.MEETINGS.name, schema.ATTENDANCE.name, schema.MEMBERS.name,
              schema.CONTACTS.name)
VIEW = FRONT  # reception, manager, admin
PLACE = ("kind", "date", "time", "place", "online_link", "agenda")  # fixed once it is held
CHANGED = ("تغيّر هذا الاجتماع في ملف البيانات منذ فتحت الصفحة (عدّله شخص آخر)، فلم يُحفظ "
           "شيء. القيم الحالية معروضة أدناه، وما كتبته باقٍ في الحقول؛ راجعه ثم احفظ.")



def _people() -> attendance.Members:
    """The members' index, built once per snapshot of their tab."""
    table = tables(M)[M]
    return per_snapshot("assembly-members", (table,), lambda: attendance.index(table.records))


def _rows(gid: str) -> list[Record]:
    """The meeting's attendance rows (voided ones too), grouped once per snapshot."""
    table = tables(A)[A]
    return per_snapshot("assembly-attendance", (table,),
                        lambda: attendance.by_meeting(table.records)).get(gid, [])


def _contacted(gid: str) -> set[str]:
    """The members contacted about this meeting's invitation from the outreach list."""
    table = tables(C)[C]
    return per_snapshot("assembly-contacted", (table,),
                        lambda: meetings.contacted(table.records)).get(gid, set())


def _meeting(gid: str, *names: str) -> Record:
    """The meeting (404 if none), its tab read with the others the page shows in one call."""
    found = tables_with(G, gid, *names)[G].get(gid)
    if found is None:
        abort(404)
    return found


@bp.route("")
@roles_required(*VIEW)
def index() -> tuple[str, int]:
    """The meetings to come (the next first), then the past ones; 50 a page."""
    table, now, notice = tables(G)[G], today(), association().notice_days
    rows = per_snapshot(("meetings", now), (table, now), lambda: meetings.listed(table.records,
                                                                                   now))
    page = paginate(rows)
    states = {m["id"]: assembly.invitation(m, now, notice) for m in page.items}
    return render_template("meetings/list.html", page=page, states=states, now=now.isoformat(),
                           manages=manages(), title=meetings.title), page.status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new() -> str | Response:
    form = MeetingForm()
    del form.decisions  # a meeting's decisions are recorded when it is held
    form.today = today()
    notice = association().notice_days
    if form.validate_on_submit():
        data = form.record()
        made: list[str] = []
        if saved(lambda: made.append(meetings.schedule(get_workbook(), data, user_name(),
                                                       today()))):
            flash(f"جُدول الاجتماع برقم {made[0]}.", "success")
            by = assembly.invite_by(form.date.data, notice)
            if by < today():
                flash(f"آخر موعد لإرسال الدعوة ({by.isoformat()}) مضى: الموعد بعد أقل من "
                      f"{days(notice, oblique=True)} من اليوم، وهي مهلة الدعوة في "
                      "الإعدادات.", "warning")
            return redirect(url_for(".detail", gid=made[0]))
    return render_template("meetings/form.html", form=form, meeting=None, conflict=[],
                           notice=notice, title="جدولة اجتماع للجمعية العمومية")


@bp.route("/<gid>")
@roles_required(*VIEW)
def detail(gid: str) -> tuple[str, int]:
    return _page(gid, AttendForm())


def _page(gid: str, form: AttendForm, found: Sequence[Record] = (),
          code: int = 200) -> tuple[str, int]:
    """The meeting's page: the invitation, the quorum, attendance and its form."""
    meeting = _meeting(gid, A, M, C)
    org, now, people = association(), today(), _people()
    rows = _rows(gid)
    page = paginate(list(reversed(rows)))  # the latest recorded first
    invited = InvitedForm(prefix="i", data={
        "invited_on": parse_date(meeting.get("invited_on", "")) or now,
        "shown": meeting.get("invited_on", "")})
    return render_template(
        "meetings/detail.html", meeting=meeting, title=meetings.title(meeting),
        when=meetings.when(meeting), invite=assembly.invitation(meeting, now, org.notice_days),
        notice=org.notice_days, quorum=attendance.quorum(rows, people, org.quorum_percent),
        page=page, people=people, form=form, found=found, invited=invited,
        contacted=len(_contacted(gid) & {m["id"] for m in people.active}),
        active=len(people.active), manages=manages(), open=meeting.get("status") ==
        meetings.SCHEDULED, reason=meetings.INVITATION, time_words=assembly.time_words), code


@bp.route("/<gid>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(gid: str) -> tuple[str, int] | Response:
    """Only the fields changed are written, each expected to hold what the page showed."""
    meeting = _meeting(gid)
    status = meeting.get("status", "")
    if status == meetings.CANCELLED:
        flash("الاجتماع ملغى: لا يُعدّل.", "info")
        return redirect(url_for(".detail", gid=gid))
    form = MeetingForm(data=_values(meeting) if request.method == "GET" else None)
    form.today = today()
    for key in (("decisions",) if status == meetings.SCHEDULED else PLACE):
        delattr(form, key)
    if request.method == "GET":
        form.remember_shown(meeting)
    conflict: list[tuple[str, str, str]] = []
    code = 200
    if form.validate_on_submit():
        changes, shown = form.changed(), form.shown_values()
        if not changes:
            flash("لم يتغير شيء في الاجتماع.", "info")
            return redirect(url_for(".detail", gid=gid))
        done = save_edit(schema.MEETINGS, gid, meeting, form, changes, shown, lambda: meetings.update(
            get_workbook(), gid, changes, shown, user_name()), CHANGED)
        if done.saved:
            headers = "، ".join(schema.MEETINGS.column(k).header for k in changes)
            flash(f"حُفظ الاجتماع: {headers}.", "success")
            if "date" in changes and meeting.get("invited_on"):
                flash("تغيّر موعد الاجتماع بعد إرسال دعوته: أرسل الدعوة بالموعد الجديد "
                      "وسجّل تاريخ إرسالها.", "warning")
            return redirect(url_for(".detail", gid=gid))
        meeting, conflict, code = done.row, done.conflict, done.status
    return render_template("meetings/form.html", form=form, meeting=meeting, conflict=conflict,
                           notice=association().notice_days, title="تعديل الاجتماع"), code


def _values(meeting: Record) -> dict[str, object]:
    values: dict[str, object] = dict(meeting)
    values["date"] = parse_date(meeting.get("date", ""))
    return values


@bp.route("/<gid>/invited", methods=["POST"])
@roles_required(*MANAGERS)
def invited(gid: str) -> Response:
    """The day the invitation went to the members (checked against the date the page showed)."""
    meeting = _meeting(gid)
    form = InvitedForm(prefix="i")
    form.today = today()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for(".detail", gid=gid))
    try:
        if saved(lambda: meetings.record_invitation(
                get_workbook(), gid, form.invited_on.data, form.shown.data or "", user_name())):
            flash(f"سُجل إرسال دعوة {meetings.title(meeting)} في "
                  f"{form.invited_on.data.isoformat()}.", "success")
    except Refused as exc:
        flash(exc.message, "danger")
    return redirect(url_for(".detail", gid=gid))


@bp.route("/<gid>/hold", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def hold(gid: str) -> tuple[str, int] | Response:
    """Held: its decisions, and the quorum kept as it stands now."""
    meeting = _meeting(gid, A, M)
    quorum = attendance.quorum(_rows(gid), _people(), association().quorum_percent)
    form = HoldForm()
    why = meetings.hold_error(meeting, today())
    if why is None and form.validate_on_submit():
        decisions = form.decisions.data or ""
        try:
            if saved(lambda: meetings.hold(get_workbook(), gid, decisions, quorum.text,
                                           user_name(), today())):
                flash(f"سُجل انعقاد الاجتماع. النصاب: {quorum.text}.", "success")
                return redirect(url_for(".detail", gid=gid))
        except Refused as exc:
            why = exc.message
    return _action(meeting, form, "تسجيل انعقاد الاجتماع", why, quorum=quorum)


@bp.route("/<gid>/cancel", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def cancel(gid: str) -> tuple[str, int] | Response:
    """Cancelled with a reason (added to its notes); the meeting stays in the list."""
    meeting = _meeting(gid)
    form = ReasonForm()
    form.submit.label.text = "إلغاء الاجتماع"
    why = None if meeting.get("status") == meetings.SCHEDULED else \
        f"الاجتماع «{meeting.get('status', '')}»: لا يُلغى إلا اجتماع مجدول."
    if why is None and form.validate_on_submit():
        reason = form.reason.data or ""
        try:
            if saved(lambda: meetings.cancel(get_workbook(), gid, reason, user_name(),
                                             today())):
                flash("أُلغي الاجتماع، وبقي في القائمة بسبب إلغائه.", "success")
                return redirect(url_for(".detail", gid=gid))
        except Refused as exc:
            why = exc.message
    return _action(meeting, form, "إلغاء الاجتماع", why)


def _action(meeting: Record, form: HoldForm | ReasonForm, title: str, why: str | None,
            **shown: object) -> tuple[str, int]:
    """A step's page: the meeting, why the step is refused (409 when sent), its form."""
    return render_template("meetings/action.html", meeting=meeting, form=form, title=title,
                           refusal=why, when=meetings.when(meeting), **shown
                           ), 409 if why and request.method == "POST" else 200


@bp.route("/<gid>/attend", methods=["POST"])
@roles_required(*VIEW)
def attend(gid: str) -> tuple[str, int] | Response:
    """One member present, found by number, national ID or name (several: the page offers
    them); refused with the reason (inactive, twice, no proxy holder…)."""
    meeting = _meeting(gid)
    form = AttendForm()
    if not form.validate_on_submit():
        return _page(gid, form)
    people = _people()
    found = people.find(form.member.data or "")
    if not found:
        form.member.errors = ["لا عضو بهذا الرقم أو الاسم بين الأعضاء النشطين."]
        return _page(gid, form)
    if len(found) > 1:
        return _page(gid, form, found)
    holder = None
    if form.mode.data == attendance.BY_PROXY:
        held = people.find(form.proxy.data or "")
        if len(held) != 1:
            form.proxy.errors = ["لا وكيل بهذا الرقم؛ اكتب رقم عضويته أو هويته." if not held
                                 else "أكثر من عضو بهذا الاسم؛ اكتب رقم عضوية الوكيل."]
            return _page(gid, form)
        holder = held[0]
    member = found[0]
    made: list[str] = []
    try:
        if saved(lambda: made.append(attendance.attend(get_workbook(), meeting, member,
                                                       form.mode.data, holder, user_name(),
                                                       today()))):
            how = f"بالإنابة، الوكيل {holder.get('full_name', '')}" if holder else form.mode.data
            flash(f"سُجل حضور {member.get('full_name', '')} ({how}) برقم {made[0]}.", "success")
            return redirect(url_for(".detail", gid=gid))
    except Refused as exc:
        flash(exc.message, "danger")
        return _page(gid, form, code=409)
    return _page(gid, form)


@bp.route("/<gid>/attendance/<vid>/void", methods=["GET", "POST"])
@roles_required(*VIEW)
def void(gid: str, vid: str) -> tuple[str, int] | Response:
    """Take a row recorded by mistake out of the count (the row stays, with date and reason)."""
    meeting = _meeting(gid)
    row = tables_with(A, vid)[A].get(vid)
    if row is None or row.get("meeting_id") != gid:
        abort(404)
    form = ReasonForm()
    form.submit.label.text = "إلغاء التسجيل"
    why = None if meeting.get("status") == meetings.SCHEDULED else \
        f"الاجتماع «{meeting.get('status', '')}»: حضوره كما سُجل."
    if why is None and form.validate_on_submit():
        try:
            if saved(lambda: attendance.void(get_workbook(), vid, form.reason.data or "",
                                             user_name(), today())):
                flash(f"أُلغي تسجيل حضور {_people().name(row.get('member_id', ''))} ({vid}).",
                      "success")
                return redirect(url_for(".detail", gid=gid))
        except Refused as exc:
            why = exc.message
    return _action(meeting, form, "إلغاء تسجيل حضور", why, row=row,
                   name=_people().name(row.get("member_id", "")))


@bp.route("/<gid>/invitation")
@roles_required(*VIEW)
def invitation(gid: str) -> tuple[str, int]:
    """The invitation's text, and each active member's WhatsApp and SMS links (50 a page)."""
    meeting = _meeting(gid, M, C)
    org, people = association(), _people()
    page = paginate(people.active)
    links: dict[str, tuple[str, str]] = {}
    if meeting.get("status") == meetings.SCHEDULED:
        for m in page.items:
            mobile = canonical_mobile(m.get("mobile", ""))
            if mobile:
                text = meetings.invitation_text(meeting, org.name, m)
                links[m["id"]] = (whatsapp_link(mobile, text), sms_link(mobile, text))
    return render_template(
        "meetings/invitation.html", meeting=meeting, title=meetings.title(meeting), page=page,
        text=meetings.invitation_text(meeting, org.name), links=links,
        contacted=_contacted(gid), reason=meetings.INVITATION,
        invite=assembly.invitation(meeting, today(), org.notice_days)), page.status
