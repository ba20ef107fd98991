"""A manager's view of personal data across the association: people's open requests about
their data, what has passed its retention period, and where each kind of data is kept."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

import privacy
from arabic import Noun, count
from forms.privacy import RetentionForm
from records import erasure
from records.data_map import places
from sheets import get_workbook, schema

from . import MANAGERS, association, roles_required, saved, tables, today, user_name

bp = Blueprint("privacy_admin", __name__, url_prefix="/privacy")
YEAR = Noun("سنة", "سنتان", "سنتين", "سنوات", "سنة", "واحدة")
B, R, D = schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.RIGHTS.name


@bp.route("/requests")
@roles_required(*MANAGERS)
def requests() -> str:
    """Every person's open request about their data, the soonest due first."""
    org = association()
    rows = tables(D)[D].records if D in get_workbook().titles() else []
    open_ = [(r, privacy.rights_computed(r, today(), org.rights_days)) for r in rows
             if r.get("status", privacy.OPEN) == privacy.OPEN]
    open_.sort(key=lambda pair: pair[1]["due_on"] or "9999")
    return render_template("privacy/requests.html", rows=open_, days=org.rights_days)


def _due() -> tuple[list[erasure.Due], int | None, int | None]:
    org = association()
    years = org.number("retention_inactive_files_years"), \
        org.number("retention_closed_requests_years")
    got = tables(B, R)
    return erasure.past_retention(got, today(), *years), *years


def _key(due: erasure.Due) -> str:
    return f"{'B' if due.tab == B else 'R'}:{due.record.get('id', '')}"


@bp.route("/retention", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def retention() -> str | Response:
    """What has passed its retention period; the manager reviews it and anonymises it."""
    due, file_years, request_years = _due()
    form = RetentionForm()
    form.chosen.choices = [_key(d) for d in due]
    if form.validate_on_submit():
        chosen = set(form.chosen.data or [])
        picked = [d for d in due if _key(d) in chosen]
        got: list[erasure.Outcome] = []
        if saved(lambda: got.append(erasure.wipe_past_retention(get_workbook(), picked,
                                                                user_name(), today()))):
            done = got[0]
            flash(f"{done}.", "success")
            if done.refused:
                flash("لم تُخفَ صفوف تغيّرت منذ عرض الصفحة: " + "، ".join(done.refused) +
                      ". راجعها ثم أعد المحاولة.", "warning")
            return redirect(url_for(".retention"))
    return render_template("privacy/retention.html", form=form, due=due, key=_key,
                           file_years=file_years and count(file_years, YEAR),
                           request_years=request_years and count(request_years, YEAR), B=B)


@bp.route("/where")
@roles_required(*MANAGERS)
def where() -> str:
    """Each tab and store, what personal data it holds, who sees it, and where it is."""
    config = current_app.config
    google = config.get("SHEETS_BACKEND") == "google"
    stores = {"sensitive": config.get("SENSITIVE_DB", ""), "users": config.get("USERS_DB", ""),
              "journal": config.get("JOURNAL_DB", ""),
              "uploads": config.get("SHEETS_LOCAL_DIR", ""),
              "backups": "instance/backups"}
    hidden = association().items("volunteer_hidden_columns")
    return render_template("privacy/where.html", places=places(google, stores, hidden),
                           google=google)

