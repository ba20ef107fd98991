"""Links given to a beneficiary: built from PUBLIC_URL, never from the staff page's address."""
from __future__ import annotations

import html
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from records import surveys
from sheets import Workbook, schema
from tests.conftest import AuthActions
from tests.helpers import text
from tests.test_survey_tokens import registered, serve, token_on
from views.links import public_url, public_url_missing, tracking_url, with_tracking

PUBLIC = "https://apply.example.org.sa"
OFFICE = "127.0.0.1:5000"
WARNING = 'id="no-public-url"'
R = schema.REQUESTS.name


def with_tracking_page(app: Flask) -> Flask:
    """The tracking page's endpoint (the public pages' own, or a stand-in at its path)."""
    if "public.track" not in app.view_functions:
        stand_in = Blueprint("public", __name__, url_prefix="/p")
        stand_in.add_url_rule("/track", "track", lambda: "")
        app.register_blueprint(stand_in)
    return app


class OfficeClient(FlaskClient):
    """Staff opened the app at the office machine's own address."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", f"http://{OFFICE}")
        return super().open(*args, **kwargs)


@pytest.fixture
def office(app: Flask) -> FlaskClient:
    with_tracking_page(app)
    return OfficeClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def auth(office: FlaskClient) -> AuthActions:
    return AuthActions(office)


def sent_text(page: str) -> str:
    return html.unescape(page.split('<textarea id="sms"')[1].split(">", 1)[1]
                         .split("</textarea>")[0])


def href(page: str, start: str) -> str:
    return html.unescape(page.split(f'href="{start}')[1].split('"')[0])


def test_the_survey_link_comes_from_public_url_not_the_office_address(
        app: Flask, office: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    app.config["PUBLIC_URL"] = PUBLIC + "/"  # a trailing slash typed by mistake
    registered(wb)
    auth.login("reception")
    serve(office)
    page = text(office.get("/requests/R-1/survey"))
    url = f"{PUBLIC}/s/{token_on(page)}"
    message = sent_text(page)
    assert message.endswith("\n" + url) and OFFICE not in page
    assert unquote(href(page, "https://wa.me/966551234567?text=")) == message
    assert unquote(href(page, "sms:+966551234567?body=")) == message
    assert surveys.qr_svg(url) in page  # the QR code carries the same link
    assert WARNING not in page
    receipt = text(office.get("/requests/R-1/receipt"))
    assert surveys.qr_svg(url) in receipt


def test_without_public_url_the_link_uses_the_office_address_and_the_pages_say_so(
        app: Flask, office: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    registered(wb)
    wb.append(schema.INQUIRIES.name, {
        "id": "Q-1", "type": "شكوى", "channel": "الاتصالات الهاتفية", "name": "هيا الشمري",
        "mobile": "+966551234567", "subject": "تأخر الصرف", "received_on": "2026-11-20",
        "status": "مفتوح", "reply": "سيُصرف يوم الأحد."})
    auth.login("reception")
    serve(office)
    pages = [text(office.get(p)) for p in
             ("/requests/R-1/survey", "/requests/R-1/message", "/inquiries/Q-1")]
    assert f"http://{OFFICE}/s/" in sent_text(pages[0])
    assert f"http://{OFFICE}/p/track" in sent_text(pages[1])
    assert f"http://{OFFICE}/p/track" in sent_text(pages[2])
    for page in pages:
        assert WARNING in page
        assert "لن تفتح خارج مقر الجمعية" in page and "PUBLIC_URL" in page
        assert "جدول الإعدادات" in page and "README.md" in page
    app.config["PUBLIC_URL"] = PUBLIC
    for path in ("/requests/R-1/survey", "/requests/R-1/message", "/inquiries/Q-1"):
        assert WARNING not in text(office.get(path))


def test_the_decision_message_carries_the_tracking_link(
        app: Flask, office: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    app.config["PUBLIC_URL"] = PUBLIC
    registered(wb)
    auth.login("manager")
    page = text(office.get("/requests/R-1/message"))
    message = sent_text(page)
    assert message.startswith("السلام عليكم هيا،") and "وتم قبوله" in message
    assert message.endswith(f"\nلمتابعة طلبكم برقمه R-1: {PUBLIC}/p/track")
    assert unquote(href(page, "https://wa.me/966551234567?text=")) == message
    assert unquote(href(page, "sms:+966551234567?body=")) == message
    assert OFFICE not in page and WARNING not in page


def test_a_message_without_a_mobile_offers_no_sms(office: FlaskClient, auth: AuthActions,
                                                  wb: Workbook) -> None:
    registered(wb)
    wb.update(schema.BENEFICIARIES.name, "B-1", {"mobile": ""})
    auth.login("manager")
    assert 'href="sms:' not in text(office.get("/requests/R-1/message"))


def test_the_helpers_outside_a_public_door() -> None:
    """An app without the tracking page: no tracking line; no PUBLIC_URL: the request's host."""
    bare = Flask(__name__)
    bare.add_url_rule("/s/<token>", "answer", lambda token: token)
    with bare.test_request_context("/", base_url=f"http://{OFFICE}"):
        assert tracking_url() == "" and public_url_missing()
        assert with_tracking("نص", "لمتابعة طلبكم", tracking_url()) == "نص"
        assert public_url("answer", token="x") == f"http://{OFFICE}/s/x"
        bare.config["PUBLIC_URL"] = PUBLIC
        assert public_url("answer", token="x") == f"{PUBLIC}/s/x" and not public_url_missing()
