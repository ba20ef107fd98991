"""The app speaks Arabic only: counted days agree with their number, WTForms' own messages are
Arabic, and no page any role can reach shows an English sentence."""
from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import wtforms
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from arabic import CHARACTER, count, days
from forms.base import Form
from sheets import Workbook, schema
from tests.conftest import STAFF, AuthActions
from tests.helpers import file_number, intake, latest_request, register, text


@pytest.mark.parametrize("n, oblique, working, expected", [
    (1, False, False, "يوم واحد"),
    (2, False, False, "يومان"),
    (2, True, False, "يومين"),
    (3, False, False, "3 أيام"),
    (8, True, False, "8 أيام"),
    (10, False, False, "10 أيام"),
    (11, False, False, "11 يومًا"),
    (14, True, False, "14 يومًا"),
    (99, False, False, "99 يومًا"),
    (100, False, False, "100 يوم"),
    (102, False, False, "102 يوم"),
    (103, False, False, "103 أيام"),
    (111, False, False, "111 يومًا"),
    (365, False, False, "365 يومًا"),
    (0, False, False, "0 يوم"),
    (1, True, True, "يوم عمل واحد"),
    (2, True, True, "يومي عمل"),
    (2, False, True, "يوما عمل"),
    (5, True, True, "5 أيام عمل"),
    (14, True, True, "14 يوم عمل"),
])
def test_days_agree_with_their_number(n: int, oblique: bool, working: bool,
                                      expected: str) -> None:
    assert days(n, working=working, oblique=oblique) == expected


def test_other_counted_nouns() -> None:
    assert [count(n, CHARACTER, oblique=True) for n in (1, 2, 7, 60, 1000)] == \
        ["حرف واحد", "حرفين", "7 أحرف", "60 حرفًا", "1000 حرف"]


# --- what a person would see -------------------------------------------------------------

# Latin words a page may show: file formats, the code, brand names.
ALLOWED = {"CSV", "XLSX", "QR", "SMS", "IP", "Google", "Sheets", "WhatsApp", "Mustafid"}
STRIP = re.compile(r"https?://\S+|\S+@\S+|\b[A-Z]{1,2}-\d{4}-[0-9A-Z]{5}\b|"
                   r"\b(?:" + "|".join(ALLOWED) + r")\b")
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[ \t,.:;!?()\-]+[A-Za-z][A-Za-z'’]*)+")


def english(text: str) -> list[str]:
    """Runs of two or more Latin words, once IDs, links, e-mails and known names are set aside."""
    return LATIN_RUN.findall(STRIP.sub(" ", text))


def miscounted(text: str) -> list[str]:
    """Day counts whose noun does not agree with the number («8 يومًا», «14 يوم»)."""
    return [m[0] for m in re.finditer(r"(?<!\d)(\d+) (يومًا|أيام|يوم)( عمل)?", text)
            if m[0] != days(int(m[1]), working=bool(m[3]))]


def not_arabic(text: str) -> list[str]:
    return english(text) + miscounted(text)


class Page(HTMLParser):
    """The text a person sees on a page (and in tooltips, placeholders and buttons), and its links."""

    HIDDEN = ("script", "style", "code", "template")
    SHOWN_ATTRS = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        self.texts += [a[k] for k in self.SHOWN_ATTRS if a.get(k)]
        if tag == "input" and a.get("type") in ("submit", "button", "reset"):
            self.texts.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def read(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def shape(url: str) -> str:
    """A URL with its record IDs and tokens replaced, so one kind of page is visited a few times."""
    parts = urlsplit(url)
    path = re.sub(r"/[A-Z]{1,2}-\d{4}-[0-9A-Z]{5}|/s/[^/]+", "/*", parts.path)
    return path + "?" + ",".join(sorted(k.split("=")[0] for k in parts.query.split("&") if k))


def crawl(client: FlaskClient, starts: list[str], per_page: int = 2, per_shape: int = 20,
          limit: int = 250) -> tuple[dict[str, list[str]], int]:
    """Follow same-origin GET links from ``starts``: (what is not Arabic on each page, pages read).

    Of each kind of page, ``per_page`` links are followed from each page that links to it
    (a request of each status from each filtered list) and ``per_shape`` in all. Links in the
    text count too (the survey link a message carries).
    """
    queue, seen, shapes = deque(starts), set(starts), Counter[str]()
    found: dict[str, list[str]] = {}
    visited = 0
    while queue and visited < limit:
        url = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code in (301, 302, 303):
            location = response.headers["Location"]
            if location not in seen:
                seen.add(location)
                queue.append(location)
            continue
        if response.mimetype != "text/html":
            continue  # CSV and XLSX downloads
        page = read(response.get_data(as_text=True))
        bad = [run for t in page.texts for run in not_arabic(t)]
        if bad:
            found[url] = bad
        in_text = [u for t in page.texts for u in re.findall(r"https?://localhost/\S+", t)]
        here = Counter[str]()
        for href in page.links + in_text:
            target, _ = urldefrag(urljoin("http://localhost" + url, href))
            parts = urlsplit(target)
            if parts.netloc != "localhost" or not parts.path.startswith("/"):
                continue  # wa.me, other sites, mailto:
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            kind = shape(local)
            if local in seen or shapes[kind] >= per_shape or here[kind] >= per_page:
                continue
            seen.add(local)
            shapes[kind] += 1
            here[kind] += 1
            queue.append(local)
    return found, visited


def test_the_checker_finds_what_reached_users() -> None:
    """It catches English and miscounted days, and lets IDs, links and known names through."""
    page = read('<p>Not a valid integer value.</p><p title="Field cannot be longer">عنوان</p>'
                '<p>R-2611-7KQ3M · CSV · XLSX · نورة@example.org https://wa.me/9665?text=a b</p>'
                '<code>flask users create</code><input type="submit" value="Sign in">'
                '<p>خلال 8 يومًا، ثم 14 يوم عمل، ثم 7 أيام، ثم 12 يوم</p>')
    assert [run for t in page.texts for run in not_arabic(t)] == \
        ["Not a valid integer value", "Field cannot be longer", "Sign in", "8 يومًا", "12 يوم"]


@pytest.mark.parametrize("role", [role for _, role, _ in STAFF])
def test_no_english_on_any_page_a_role_reaches(client: FlaskClient, auth: AuthActions,
                                              runner: FlaskCliRunner, role: str) -> None:
    assert runner.invoke(args=["demo", "--requests", "45", "--seed", "11"]).exit_code == 0
    assert runner.invoke(args=["sync"]).exit_code == 0
    auth.login(role)
    found, visited = crawl(client, ["/", "/no-such-page", "/s/not-a-token", "/dashboard"])
    assert found == {}
    assert visited > (5 if role == "volunteer" else 40)  # a volunteer has the sheet grid only


def test_no_english_before_sign_in(client: FlaskClient) -> None:
    assert crawl(client, ["/", "/login", "/s/not-a-token"])[0] == {}


# --- WTForms' own messages -------------------------------------------------------------

def pot_messages() -> list[tuple[str, str | None]]:
    """Every message WTForms can show (its catalogue template), with its plural if it has one."""
    pot = (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").read_text()
    out = []
    for m in re.finditer(r'^msgid "(.+)"\n(?:msgid_plural "(.+)"\n)?', pot, re.MULTILINE):
        out.append((m.group(1).replace('\\"', '"'), m.group(2)))
    return out


def test_every_wtforms_message_is_arabic(app: Flask) -> None:
    with app.test_request_context():
        form = Form()
        translations = form.meta.get_translations(form)
    messages = pot_messages()
    assert len(messages) > 30
    shown = []
    for singular, plural in messages:
        if plural is None:
            shown.append(translations.gettext(singular))
        else:
            shown += [translations.ngettext(singular, plural, n) for n in (1, 2, 3, 11, 100)]
    values = {"min": 3, "max": 100, "length": 120, "values": "أ، ب", "value": "ج",
              "other_name": "كلمة المرور"}
    shown = [s % values if "%(" in s else s for s in shown]
    assert [s for s in shown if english(s) or not re.search("[\u0600-\u06ff]", s)] == []


@pytest.mark.parametrize("typed, message", [
    ({"family_size": "3.5"}, "عدد صحيح"),
    ({"income_source": "ع" * 101}, "يجب ألا يزيد هذا الحقل عن 100 حرف؛ فيه الآن 101."),
    ({"full_name": "ا" * 121}, "يجب ألا يزيد هذا الحقل عن 120 حرفًا؛ فيه الآن 121."),
    ({"gender": "غير ذلك"}, "اختر أحد الخيارات المعروضة."),
], ids=["fraction", "longer than 100", "longer than 120", "not a choice"])
def test_form_errors_reach_staff_in_arabic(client: FlaskClient, auth: AuthActions,
                                           wb: Workbook, typed: dict[str, str],
                                           message: str) -> None:
    auth.login()
    page = text(register(client, **typed))
    errors = re.findall(r'<small class="error">([^<]*)</small>', page)
    assert len(errors) == 1 and message in errors[0]
    assert [run for t in read(page).texts for run in english(t)] == []


def test_receipt_counts_days_in_arabic(client: FlaskClient, auth: AuthActions,
                                       wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "decision_days", {"value": "8"})
    wb.update(schema.SETTINGS.name, "decision_days_confirmed", {"value": "نعم"})
    auth.login()
    register(client)
    intake(client, file_number(wb))
    receipt = text(client.get(f"/requests/{latest_request(wb)['id']}/receipt"))
    assert "خلال 8 أيام من اكتمال الطلب" in receipt and "يومًا" not in receipt


# --- numbers, IDs and dates inside Arabic text ---------------------------------------------

ISOLATING = ("mask", "mobile", "dual_date")
WRAPPED_AGAIN = re.compile(
    r"\|\s*(?:" + "|".join(ISOLATING) + r")\s*\|\s*ltr\b"  # {{ x|mobile|ltr }}
    r"|<(bdi|span)\b[^>]*\bdir=[^>]*>\s*\{\{[^}]*\|\s*(?:" + "|".join(ISOLATING) +
    r")\s*\}\}\s*</\1>")  # <bdi dir="ltr">{{ x|mask }}</bdi>


def test_no_template_isolates_twice() -> None:
    """The filters isolate what they return, so a template never wraps them again."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    found = [f"{path.relative_to(templates)}: {m[0]}" for path in sorted(templates.rglob("*.html"))
             for m in WRAPPED_AGAIN.finditer(path.read_text())]
    assert found == []


def test_filters_return_isolated_text(app: Flask) -> None:
    def render(source: str, **values: str) -> str:
        return app.jinja_env.from_string(source).render(**values)

    assert render("({{ n|mask }})", n="1000000008") == '(<bdi dir="ltr">1•••••••08</bdi>)'
    assert render("{{ m|mobile }}", m="+966551234567") == '<bdi dir="ltr">0551234567</bdi>'
    assert render("{{ d|dual_date }}", d="2026-11-22").startswith(
        '<bdi dir="rtl"><bdi class="date" dir="ltr">2026-11-22</bdi> — <span class="date">')
    assert render("{{ m|mobile|ltr }}", m="+966551234567") == '<bdi dir="ltr">0551234567</bdi>'
    assert render("[{{ n|mask }}{{ m|mobile }}]", n="", m="") == "[]"
