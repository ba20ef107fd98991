"""Who may see and edit which tab and column of the workbook in the sheet grid: pure rules.

Volunteers edit the sheet by hand, which is the product's first use; they need names, cities
and statuses, not national IDs, health, income or the researcher's notes. The same rules
decide what the grid's JSON carries, not only what it displays. Columns hidden from
volunteers are a setting of the association (``volunteer_hidden_columns``), by Arabic header.
"""
from __future__ import annotations

from collections.abc import Iterable

from sheets import schema

VOLUNTEER = "volunteer"
MANAGERS = frozenset({"manager", "admin"})
STAFF_ROLES = frozenset({"reception", "researcher", "committee", "manager", "admin"})
# Who may read the fields an association marks sensitive (records/sensitive.py): the social
# researcher who studies the case, the committee that decides on that study, and managers.
# Reception and volunteers type them, never read them back.
SENSITIVE_ROLES = frozenset({"researcher", "committee", "manager", "admin"})

# The tabs a volunteer works in; the rest are staff's (the audit and settings: managers').
VOLUNTEER_TABS = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.INQUIRIES.name)
MANAGER_TABS = (schema.AUDIT.name, schema.SETTINGS.name, schema.PROBLEMS.name,
                schema.RIGHTS.name)
# The app's own record of events (the outreach page writes who was contacted and when).
READ_ONLY_TABS = (schema.AUDIT.name, schema.PROBLEMS.name, schema.CONTACTS.name,
                  schema.RIGHTS.name)
# The general assembly's members and the contacts made are the front desk's and managers',
# as on their pages (a researcher or the committee has no need of them).
FRONT_DESK = frozenset({"reception", "manager", "admin"})
# The general assembly's tabs: kept on their pages (a member's number, a meeting's quorum
# checked there); in the grid a manager corrects a cell, nobody adds a row.
ASSEMBLY_TABS = (schema.MEMBERS.name, schema.PROJECTS.name, schema.PARTICIPATIONS.name,
                 schema.STATEMENTS.name, schema.MEETINGS.name, schema.ATTENDANCE.name)
FRONT_DESK_TABS = (*ASSEMBLY_TABS, schema.CONTACTS.name)

# A request's steps are taken on its page, by the role the policy gives each (the status rule,
# the researcher, the committee's quorum): in the grid these cells are read to everyone.
STEP_COLUMNS = frozenset({
    "status", "completed_on", "missing", "documents", "declared_by", "declared_on",
    "declaration_method", "researcher", "referred_on", "recommendation", "visit_date",
    "researcher_notes", "decision", "decision_reason", "decided_on", "registered_on",
    "service_given", "served_on", "served_by", "amount", "needs_study", "committee_members",
    "meeting_number", "verified_on", "verified_by", "attachments"})
# A member's status and dues are changed on the member's page, with their date and reason.
MEMBER_STEP_COLUMNS = frozenset({"status", "status_changed_on", "status_reason", "dues_year",
                                 "dues_paid_on", "dues_paid"})


def tabs_for(role: str) -> list[str]:
    """The tabs this role may open, in the workbook's order."""
    if role == VOLUNTEER:
        return list(VOLUNTEER_TABS)
    if role in MANAGERS:
        return [t.name for t in schema.TABS]
    if role in STAFF_ROLES:
        return [t.name for t in schema.TABS if t.name not in MANAGER_TABS and
                (role in FRONT_DESK or t.name not in FRONT_DESK_TABS)]
    return []


def visible(role: str, tab: schema.Tab, hidden: Iterable[str]) -> list[schema.Column]:
    """The tab's columns this role may see (``hidden``: headers hidden from volunteers)."""
    if tab.name not in tabs_for(role):
        return []
    if role != VOLUNTEER:
        return list(tab.columns)
    away = set(hidden)
    return [c for c in tab.columns if c.header not in away]


def editable(role: str, tab: schema.Tab, column: schema.Column) -> bool:
    """Whether this role may change the column's cells of an existing row."""
    if tab.name in READ_ONLY_TABS or column.computed or column.key == tab.id_key:
        return False
    if tab is schema.REQUESTS and column.key in STEP_COLUMNS:
        return False
    if tab is schema.MEMBERS:
        return column.key not in MEMBER_STEP_COLUMNS and role in MANAGERS
    if tab.name in ASSEMBLY_TABS:
        return role in MANAGERS
    if role == VOLUNTEER:
        return tab.name in VOLUNTEER_TABS
    if tab.name in (schema.SETTINGS.name, schema.SERVICES.name, schema.HOLIDAYS.name,
                    schema.REFERENCES.name):
        return role in MANAGERS  # the association's settings: as on the settings page
    return role in STAFF_ROLES


def may_add_rows(role: str, tab: schema.Tab) -> bool:
    """Whether this role may add a row (it gets its ID from the app); a member, a project or a
    meeting is added on its page, which checks it against the others."""
    return tab.id_key is not None and tab.name not in READ_ONLY_TABS and \
        tab.name != schema.SURVEYS.name and tab.name not in ASSEMBLY_TABS and \
        any(editable(role, tab, c) for c in tab.columns)


def entry_only(role: str, tab: schema.Tab, hidden: Iterable[str]) -> list[schema.Column]:
    """Columns hidden from this role that it still types when it adds a row: a walk-in's
    national ID (and its expiry), without which the row is not a file the sync accepts.
    Typed once, never shown back."""
    shown = {c.key for c in visible(role, tab, hidden)}
    if not may_add_rows(role, tab):
        return []
    return [c for c in tab.columns if c.key not in shown and not c.computed and
            (c.type == "national_id" or c.key == "id_expiry")]
