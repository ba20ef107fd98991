"""The KPI dashboard, its downloads and the board's one-page report (manager, admin)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from markupsafe import Markup

import deadlines
from reports import charts, export, kpi
from sheets import schema

from . import association, roles_required, tables, today

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
R, S, Q = schema.REQUESTS.name, schema.SURVEYS.name, schema.INQUIRIES.name
QUESTION_LABELS = [schema.SURVEYS.column(k).header for k in kpi.QUESTIONS]


@dataclass
class Report:
    """One table of the dashboard: shown, charted and downloadable the same way."""

    name: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    chart: Markup | None = None
    notes: list[str] = field(default_factory=list)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{round(x * 100)}%"


def _num(x: float | None) -> Any:
    return "—" if x is None else x


def period_from_args() -> kpi.Period:
    """The chosen period; by default the current year up to today."""
    from sheets.cells import parse_date

    end = parse_date(request.args.get("end", "")) or today()
    start = parse_date(request.args.get("start", "")) or date(end.year, 1, 1)
    return kpi.Period(min(start, end), max(start, end))


def _satisfaction_rows(groups: dict[str, kpi.Satisfaction]) -> list[list[Any]]:
    return [[k, g.invited, g.answered, _pct(g.response_rate),
             *[_num(g.averages[q]) for q in kpi.QUESTIONS], _pct(g.csat)]
            for k, g in groups.items()]


def build(period: kpi.Period, with_staff: bool) -> list[Report]:
    got = tables(R, S, Q)
    requests, surveys, items = got[R].records, got[S].records, got[Q].records
    s = association().rules()
    now = today()
    out = []
    status = kpi.by_status(requests, period)
    rows = [[k, status[k]] for k in schema.STATUSES if status[k]]
    out.append(Report("status", "الطلبات حسب الحالة", ["الحالة", "العدد"], rows,
                      charts.bars([(k, v) for k, v in rows], "الطلبات حسب الحالة")))
    channel = kpi.by_channel(requests, period)
    rows = [[k, v] for k, v in channel.most_common()]
    out.append(Report("channel", "الطلبات حسب القناة", ["القناة", "العدد"], rows,
                      charts.bars([(k, v) for k, v in rows], "الطلبات حسب القناة")))
    med, share, n = kpi.decision_times(requests, period, s)
    out.append(Report("decisions", "سرعة قرار اللجنة", ["المؤشر", "القيمة"], [
        ["الطلبات التي صدر فيها قرار", n],
        ["الوسيط (أيام من اكتمال الطلب إلى القرار)", _num(med)],
        [f"نسبة القرارات في الموعد الموعود ({s.decision_days} يومًا)", _pct(share)]]))
    late = kpi.overdue_now(requests, now, s)
    rows = [[k, late[k]] for k in deadlines.DUE_STATUSES]
    out.append(Report("overdue", "المتأخر الآن حسب المرحلة", ["المرحلة", "متأخر"], rows,
                      charts.bars([(k, v) for k, v in rows], "المتأخر الآن")))
    overall = kpi.satisfaction(surveys, period)
    head = ["", "الدعوات", "الإجابات", "نسبة الاستجابة", *QUESTION_LABELS, "نسبة الرضا (4–5)"]
    by_service = kpi.satisfaction_by(surveys, period, "service")
    out.append(Report("satisfaction_service", "رضا المستفيدين حسب الخدمة", ["الخدمة", *head[1:]],
                      _satisfaction_rows({"الإجمالي": overall, **by_service}),
                      charts.bars([(k, round((g.csat or 0) * 100)) for k, g in
                                   by_service.items()], "نسبة الرضا حسب الخدمة", "%")))
    by_month = kpi.satisfaction_by(surveys, period, "service_month")
    out.append(Report("satisfaction_month", "رضا المستفيدين حسب الشهر", ["الشهر", *head[1:]],
                      _satisfaction_rows(by_month)))
    stats = kpi.inquiries(items, period, s, now)
    rows = [[f"النوع: {k}", v] for k, v in stats.by_type.most_common()] + \
        [[f"القناة: {k}", v] for k, v in stats.by_channel.most_common()] + \
        [["نسبة الرد في الموعد", _pct(stats.in_time_share)]]
    out.append(Report("inquiries", "الاستفسارات والشكاوى والاقتراحات", ["البند", "العدد"], rows,
                      charts.bars(list(stats.by_type.items()), "حسب النوع")))
    if with_staff:
        trend = kpi.staff_trends(requests, period)
        rows = [[name, month, count, days] for name, months in trend.items()
                for month, (count, days) in months.items()]
        out.append(Report("staff", "اتجاه عمل الباحثين شهريًا (للتحسين لا للمقارنة)",
                          ["الباحث", "الشهر", "طلبات صدر فيها قرار", "الوسيط (أيام)"], rows,
                          notes=["يعرض كل باحث مقارنةً بنفسه عبر الأشهر، مرتبًا بالاسم."]))
    return out


@bp.route("")
@roles_required("manager", "admin")
def index() -> str:
    period = period_from_args()
    return render_template("dashboard/index.html", period=period,
                           reports=build(period, current_user.role == "manager"))


@bp.route("/export/<name>.<fmt>")
@roles_required("manager", "admin")
def download(name: str, fmt: str) -> Response:
    period = period_from_args()
    report = next((r for r in build(period, current_user.role == "manager") if r.name == name),
                  None)
    if report is None or fmt not in ("csv", "xlsx"):
        abort(404)
    filename = f"mustafid-{name}-{period.start}-{period.end}.{fmt}"
    if fmt == "csv":
        body, mime = export.to_csv(report.header, report.rows), "text/csv; charset=utf-8"
    else:
        body = export.to_xlsx(report.title, report.header, report.rows)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/board")
@roles_required("manager", "admin")
def board() -> str:
    period = period_from_args()
    org = association()
    reports = {r.name: r for r in build(period, with_staff=False)}
    return render_template("dashboard/board.html", period=period, org=org, reports=reports,
                           today=today())
