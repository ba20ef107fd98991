"""The KPI dashboard, its downloads and the board's one-page report (manager, admin)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

import deadlines
from arabic import days
from forms.report import PeriodForm
from records import outreach
from records.association import Words
from reports import charts, export, kpi
from sheets import Table, get_workbook, schema

from . import association, roles_required, tables, today
from .access_log import ALL, log_export
from .home import workload
from .snapshot import per_snapshot

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
R, S, Q, B, T = (schema.REQUESTS.name, schema.SURVEYS.name, schema.INQUIRIES.name,
                 schema.BENEFICIARIES.name, schema.CONTACTS.name)
QUESTION_LABELS = [schema.SURVEYS.column(k).header for k in kpi.QUESTIONS]
ONLY = {"staff": ("manager",)}  # reports a role may not see although it sees the dashboard
SHOWN = 50  # rows of a long list on the page; the download has them all
def policy_note(w: Words) -> str:
    """The policy's words on satisfaction, in the association's word for the person."""
    return f"قياس الرضا حق لل{w.one} وأداة للتقويم والتطوير لا للعقاب والتشهير؛ تُعرض النتائج مجمعة."


@dataclass
class Report:
    """One table of the dashboard: shown, charted and downloadable the same way."""

    name: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    chart: Markup | None = None
    notes: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # a page for each row's first cell
    limit: int | None = None  # rows shown on the page


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{round(x * 100)}%"


def _num(x: float | None) -> Any:
    return "—" if x is None else x


def period_form() -> tuple[PeriodForm, kpi.Period | None]:
    """The period form as typed, and its period (``None`` when a date is wrong)."""
    form = PeriodForm(formdata=request.args)
    form.today = today()
    if not form.validate():
        return form, None
    start, end = form.period()
    form.start.data, form.end.data = start, end
    return form, kpi.Period(start, end)


def back_to_the_form() -> BaseResponse:
    """The dashboard with the dates as typed, where what is wrong with them is said."""
    return redirect(url_for(".index", **{k: request.args[k] for k in ("start", "end")
                                         if k in request.args}))


def may_see(name: str) -> bool:
    return current_user.role in ONLY.get(name, ("manager", "admin"))


def _satisfaction_rows(groups: dict[str, kpi.Satisfaction]) -> list[list[Any]]:
    return [[k, g.invited, g.answered, _pct(g.response_rate),
             *[_num(g.averages[q]) for q in kpi.QUESTIONS], _pct(g.csat)]
            for k, g in groups.items()]


def build(period: kpi.Period, with_staff: bool) -> list[Report]:
    """The dashboard's tables, computed once per snapshot, day and period."""
    # The contacts tab is new: a workbook laid out before it (init-sheets adds it) still shows.
    got = tables(R, S, Q, B, *([T] if T in get_workbook().titles() else []))
    org = association()
    s, now, w = org.rules(), today(), org.words
    return per_snapshot(("dashboard", period, with_staff),
                        (got[R], got[S], got[Q], got[B], got.get(T), s, now, w),
                        lambda: _build(got, s, now, period, with_staff, w))


def _build(got: dict[str, Table], s: deadlines.Settings, now: date, period: kpi.Period,
           with_staff: bool, w: Words) -> list[Report]:
    requests, items = got[R].records, got[Q].records
    odd = kpi.implausible(requests, items, period, now)
    # Each table below counts only what happened in the period: the rows are chosen once
    # (two passes over 50,000 requests instead of eleven).
    decided = period.within(requests, "decided_on")
    out = []
    asked = period.submitted(requests)  # one pass over 50,000 rows for the three tables
    status = kpi.by_status(asked)
    rows = [[k, status[k]] for k in schema.STATUSES if status[k]]
    out.append(Report("status", "الطلبات حسب الحالة", ["الحالة", "العدد"], rows,
                      charts.bars([(k, v) for k, v in rows], "الطلبات حسب الحالة")))
    channel = kpi.by_channel(asked)
    rows = [[k, v] for k, v in channel.most_common()]
    out.append(Report("channel", "الطلبات حسب القناة", ["القناة", "العدد"], rows,
                      charts.bars([(k, v) for k, v in rows], "الطلبات حسب القناة")))
    groups = kpi.by_group(asked, per_snapshot("file-groups", (got[B],),
                                                lambda: kpi.file_groups(got[B].records)))
    out.append(Report("group", "الملفات والطلبات حسب الفئة",
                      ["الفئة", "الملفات المسجلة", "طلبات الفترة", "منها قُدمت لها الخدمة"],
                      [list(g) for g in groups],
                      charts.bars([(g[0], g[2]) for g in groups], "طلبات الفترة حسب الفئة")))
    med, share, n = kpi.decision_times(decided, period, s, now)
    out.append(Report("decisions", "سرعة قرار اللجنة", ["المؤشر", "القيمة"], [
        ["الطلبات التي صدر فيها قرار", n],
        ["الوسيط (أيام من اكتمال الطلب إلى القرار)", _num(med)],
        [("نسبة القرارات في الموعد الموعود "
          f"({days(s.decision_days, s.decision_day_kind == 'working')})"), _pct(share)],
        ["طلبات بتواريخ غير معقولة لم تُحسب", sum(1 for o in odd if o.tab == "request")]]))
    late = workload(got[R], got[Q], now, s).overdue
    rows = [[k, late[k]] for k in deadlines.DUE_STATUSES]
    out.append(Report("overdue", "المتأخر الآن حسب المرحلة", ["المرحلة", "متأخر"], rows,
                      charts.bars([(k, v) for k, v in rows], "المتأخر الآن")))
    # What only the surveys and names feed is kept apart: a volunteer's edit to the
    # requests leaves it as it is (a tenth of this page's second at 50,000 requests).
    satisfied, comments = per_snapshot(
        ("dashboard-surveys", period), (got[S], got[B], w),
        lambda: _survey_reports(got[S].records, got[B].records, period, w))
    out += satisfied
    stats = kpi.inquiries(items, period, s, now)
    rows = [[f"النوع: {k}", v] for k, v in stats.by_type.most_common()] + \
        [[f"القناة: {k}", v] for k, v in stats.by_channel.most_common()] + \
        [["نسبة الرد في الموعد", _pct(stats.in_time_share)]]
    out.append(Report("inquiries", "الاستفسارات والشكاوى والاقتراحات", ["البند", "العدد"], rows,
                      charts.bars(list(stats.by_type.items()), "حسب النوع")))
    if T in got:
        made = outreach.contacts_by_reason(got[T].records, period.start, period.end)
        out.append(Report("outreach", f"التواصل مع {w.the_many} قبل أن يسألوا",
                          ["السبب", "مرات التواصل"],
                          [[k, v] for k, v in made.items()] + [["الإجمالي", sum(made.values())]],
                          notes=["ما سجّله الموظفون بزر «تم التواصل» في صفحة «التواصل» خلال الفترة."]))
    adopted = kpi.adopted_suggestions(items, period)
    out.append(Report("adopted", "الاقتراحات المتبناة وما تغير بسببها",
                      ["الرقم", "الموضوع", "ما الذي تغير"],
                      [[r.get("id", ""), r.get("subject", ""), r.get("adopted_change", "")]
                       for r in adopted],
                      links=[url_for("inquiries.detail", qid=r["id"]) for r in adopted],
                      notes=["اقتراحات وردت أو رُدّ عليها في الفترة وتبنّتها الجمعية."]))
    out.append(comments)
    out.append(Report("dates", "تواريخ غير معقولة", ["الرقم", "السجل", "المشكلة"],
                      [[o.id, "طلب" if o.tab == "request" else "استفسار أو شكوى أو اقتراح",
                        "، ".join(o.problems)] for o in odd],
                      links=[url_for("requests.detail", rid=o.id) if o.tab == "request" else
                             url_for("inquiries.detail", qid=o.id) for o in odd],
                      notes=[("سجلات لا يمكن أن تصح تواريخها كلها، فلم تدخل في الوسيط ولا في "
                              "نسب المواعيد؛ صحّحها في ملف البيانات.")]))
    if with_staff:
        trend = kpi.staff_trends(decided, period, now)
        rows = [[name, month, count, days] for name, months in trend.items()
                for month, (count, days) in months.items()]
        out.append(Report("staff", "اتجاه عمل الباحثين شهريًا (للتحسين لا للمقارنة)",
                          ["الباحث", "الشهر", "طلبات صدر فيها قرار", "الوسيط (أيام)"], rows,
                          notes=["يعرض كل باحث مقارنةً بنفسه عبر الأشهر، مرتبًا بالاسم."]))
    return out


def _survey_reports(surveys: list[kpi.Row], people: list[kpi.Row], period: kpi.Period, w: Words
                    ) -> tuple[list[Report], Report]:
    """Satisfaction by service and by month; the comments with no names."""
    answers = [r for r in surveys if period.holds(r.get("invited_on", "")) or
               period.holds(r.get("answered_on", ""))]
    overall = kpi.satisfaction(answers, period)
    head = ["", "الدعوات", "الإجابات", "نسبة الاستجابة", *QUESTION_LABELS, "نسبة الرضا (4–5)"]
    by_service = kpi.satisfaction_by(answers, period, "service")
    by_month = kpi.satisfaction_by(answers, period, "service_month")
    names = {r["id"]: r.get("full_name", "") for r in people}
    comments = kpi.survey_comments(answers, period, names)
    return [Report("satisfaction_service", f"رضا {w.the_many} حسب الخدمة",
                   ["الخدمة", *head[1:]], _satisfaction_rows({"الإجمالي": overall, **by_service}),
                   charts.bars([(k, round((g.csat or 0) * 100)) for k, g in by_service.items()],
                               "نسبة الرضا حسب الخدمة", "%")),
            Report("satisfaction_month", f"رضا {w.the_many} حسب الشهر", ["الشهر", *head[1:]],
                   _satisfaction_rows(by_month))], \
        Report("comments", "تعليقات الاستبيانات دون أسماء", ["الخدمة", "الشهر", "التعليق"],
               [[c.service, c.month, c.text] for c in comments], limit=SHOWN,
               notes=[policy_note(w) + " لا يُعرض اسم صاحب التعليق ولا رقمه، ويُخفى ما "
                      "كتبه من اسمه أو أرقامه."])


def _cut(value: Any, n: int = 150) -> Any:
    return value[:n - 1] + "…" if isinstance(value, str) and len(value) > n else value


def _top(report: Report, n: int, columns: list[str] | None = None,
         rows: list[list[Any]] | None = None) -> Report:
    """The first ``n`` rows (of ``rows`` if given), long texts cut, only ``columns`` kept."""
    keep = [report.header.index(h) for h in columns] if columns else \
        list(range(len(report.header)))
    rows = report.rows if rows is None else rows
    more = len(rows) - n
    return Report(report.name, report.title, [report.header[i] for i in keep],
                  [[_cut(row[i]) for i in keep] for row in rows[:n]],
                  notes=[f"(و{more} غيرها في لوحة المؤشرات)"] if more > 0 else [])


def board_reports(reports: list[Report]) -> dict[str, Report]:
    """The board's one page: short tables and the first few items of each list."""
    got = {r.name: r for r in reports}
    out = {k: got[k] for k in ("status", "decisions", "overdue")}
    inq = got["inquiries"]
    kinds = [row for row in inq.rows if row[0].startswith("النوع")]
    channels = [row for row in inq.rows if row[0].startswith("القناة")]
    out["inquiries"] = replace(inq, rows=kinds + channels[:3] + inq.rows[-1:])
    sat = got["satisfaction_service"]
    answered = sat.header.index("الإجابات")
    services = sorted(sat.rows[1:], key=lambda row: -row[answered])
    out["satisfaction"] = _top(sat, 6, ["الخدمة", "الإجابات", "نسبة الاستجابة",
                                        QUESTION_LABELS[-1], "نسبة الرضا (4–5)"],
                               sat.rows[:1] + services)
    out["adopted"] = _top(got["adopted"], 4, ["الموضوع", "ما الذي تغير"])
    out["comments"] = _top(got["comments"], 4)
    out["dates"] = got["dates"]
    return out


@bp.route("")
@roles_required("manager", "admin")
def index() -> str:
    form, period = period_form()
    reports = [] if period is None else build(period, current_user.role == "manager")
    return render_template("dashboard/index.html", form=form, period=period, reports=reports)


@bp.route("/export/<name>.<fmt>")
@roles_required("manager", "admin")
def download(name: str, fmt: str) -> BaseResponse:
    if not may_see(name):  # before the lookup: a report kept from this role is a 403, not a 404
        abort(403)
    period = period_form()[1]
    if period is None:
        return back_to_the_form()
    report = next((r for r in build(period, current_user.role == "manager") if r.name == name),
                  None)
    if report is None or fmt not in ("csv", "xlsx"):
        abort(404)
    filename = f"mustafid-{name}-{period.start}-{period.end}.{fmt}"
    log_export(ALL, f"تنزيل تقرير «{report.title}» ({period.start} – {period.end}، {fmt.upper()})")
    if fmt == "csv":
        # content_type, not mimetype: Flask would add a second "; charset=utf-8" to text/csv
        body, kind = export.to_csv(report.header, report.rows), "text/csv; charset=utf-8"
    else:
        body = export.to_xlsx(report.title, report.header, report.rows)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, content_type=kind,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/board")
@roles_required("manager", "admin")
def board() -> str | BaseResponse:
    period = period_form()[1]
    if period is None:
        return back_to_the_form()
    org = association()
    reports = board_reports(build(period, with_staff=False))
    return render_template("dashboard/board.html", period=period, org=org, reports=reports,
                           today=today(), note=policy_note(org.words))
