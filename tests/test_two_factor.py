"""Two-factor sign-in (issue 18, Deliver 6): enrol with a QR code, a code after the password
within five minutes, wrong codes locked like wrong passwords, no code twice, roles that must
have it, the admin's reset, and the secret in no cookie, log or inline script."""
from __future__ import annotations

import logging
import re
import sqlite3
import time
from pathlib import Path

import pyotp
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

import users
from tests.conftest import PASSWORD, AuthActions
from tests.helpers import text
from tests.test_security_headers import INLINE, secured

ENROL = "/account/two-factor/"
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def secret_on(page: str) -> str:
    """The key the enrolment page shows for typing (groups of four)."""
    found = re.search(r'<code dir="ltr">([A-Z2-7 ]+)</code>', page)
    assert found, page
    return found.group(1).replace(" ", "")


def enrol_with(client: FlaskClient, auth: AuthActions, username: str) -> tuple[str, str]:
    """Sign in with the password, enrol with the app's current code, stay signed in: the
    secret and the code that confirmed it."""
    auth.login(username)
    page = text(client.get(ENROL))
    assert "Google Authenticator" in page and "<svg" in page
    secret = secret_on(page)
    code = pyotp.TOTP(secret).now()
    response = client.post(ENROL, data={"code": code})
    assert response.status_code == 302, text(response)
    assert "فُعّل التحقق بخطوتين" in text(client.get("/"))
    return secret, code


def enrol(client: FlaskClient, auth: AuthActions, username: str = "manager") -> str:
    return enrol_with(client, auth, username)[0]


def next_code(secret: str) -> str:
    """The app's next code: accepted one step ahead, and never the one used a moment ago."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def wrong_code(secret: str) -> str:
    totp, now = pyotp.TOTP(secret), time.time()
    valid = {totp.at(now + s) for s in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555")
                if c not in valid)


def signed_in(client: FlaskClient) -> bool:
    return client.get("/requests").status_code == 200


def test_enrol_then_sign_in_asks_for_the_code(client: FlaskClient, auth: AuthActions,
                                              runner: FlaskCliRunner) -> None:
    auth.login()
    assert "التحقق بخطوتين" in text(client.get("/requests"))  # the link beside the name
    auth.logout()
    secret = enrol(client, auth)
    assert "مفعّل لحسابك" in text(client.get(ENROL))
    assert "manager\tmanager\tactive\tالمدير\t2fa" in runner.invoke(args=["users", "list"]).output
    auth.logout()

    response = auth.login("manager")
    assert response.status_code == 302 and response.location.endswith("/login/code")
    assert not signed_in(client)  # the password alone signs nobody in
    page = text(client.get("/login/code"))
    assert "رمز التحقق" in page and "تطبيق المصادقة" in page
    code = next_code(secret)
    typed = f"{code[:3]} {code[3:]}".translate(ARABIC_DIGITS)
    response = client.post("/login/code", data={"code": typed})  # ١٢٣ ٤٥٦ as a phone types
    assert response.status_code == 302
    assert "أهلًا المدير" in text(client.get("/")) and signed_in(client)


def test_the_page_goes_on_to_where_the_person_was_going(client: FlaskClient,
                                                        auth: AuthActions) -> None:
    secret = enrol(client, auth)
    auth.logout()
    response = client.post("/login?next=/inquiries",
                           data={"username": "manager", "password": PASSWORD})
    assert response.location.endswith("/login/code")
    response = client.post("/login/code", data={"code": next_code(secret)})
    assert response.status_code == 302 and response.location.endswith("/inquiries")


def test_a_wrong_code_is_refused_and_counted_as_a_wrong_password(client: FlaskClient,
                                                                 auth: AuthActions,
                                                                 app: Flask) -> None:
    secret = enrol(client, auth)
    auth.logout()
    auth.login("manager")
    assert "الرمز 6 أرقام" in text(client.post("/login/code", data={"code": "12ab"}))
    for _ in range(users.MAX_FAILURES):
        page = text(client.post("/login/code", data={"code": wrong_code(secret)}))
        assert "الرمز غير صحيح" in page and not signed_in(client)
    page = text(client.post("/login/code", data={"code": next_code(secret)}))
    assert "أُوقف الدخول بهذا الاسم مؤقتًا" in page and not signed_in(client)
    assert "أُوقف الدخول" in text(auth.login("manager"))  # the password waits as well
    with app.app_context():
        assert users.lock_remaining("manager", "127.0.0.1") > 0


def test_the_password_and_the_code_share_the_address_limit(client: FlaskClient,
                                                           auth: AuthActions,
                                                           app: Flask) -> None:
    secret = enrol(client, auth)
    auth.logout()
    app.config["LOGIN_FAILURE_LIMIT"] = "3 per hour"
    auth.login("committee", "wrong-password")  # one wrong password
    auth.login("manager")
    codes = [client.post("/login/code", data={"code": wrong_code(secret)}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    assert auth.login("reception", "wrong-password").status_code == 429


def test_a_code_is_accepted_once(client: FlaskClient, auth: AuthActions) -> None:
    secret, used_to_enrol = enrol_with(client, auth, "manager")
    auth.logout()
    auth.login("manager")
    # The code that confirmed the enrolment was used already.
    assert "استُخدم من قبل" in text(client.post("/login/code", data={"code": used_to_enrol}))
    code = next_code(secret)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    auth.logout()
    auth.login("manager")
    assert "استُخدم من قبل" in text(client.post("/login/code", data={"code": code}))
    assert not signed_in(client)


def test_the_window_is_one_step_either_side(app: Flask) -> None:
    now = 1_800_000_000.0
    with app.app_context():
        secret = users.totp_enrolment("researcher")
        assert users.totp_enrolment("researcher") == secret  # the page opened again: same QR
        totp = pyotp.TOTP(secret)
        assert not users.confirm_totp("researcher", totp.at(now + 90), now=now)
        assert users.confirm_totp("researcher", totp.at(now), now=now)
        assert not users.verify_totp("researcher", totp.at(now + 60), now=now)  # two ahead
        assert users.verify_totp("researcher", totp.at(now + 30), now=now)  # the phone ahead
        assert not users.verify_totp("researcher", totp.at(now - 30), now=now + 30)  # older
        assert users.verify_totp("researcher", totp.at(now + 60), now=now + 60)
        assert not users.verify_totp("reception", totp.at(now), now=now)  # no 2FA: no code


def test_the_half_signed_in_state_lasts_five_minutes(client: FlaskClient,
                                                     auth: AuthActions) -> None:
    secret = enrol(client, auth)
    auth.logout()

    def age(seconds: float) -> None:
        with client.session_transaction() as session:
            username, at, target = session["two_factor"]
            session["two_factor"] = [username, at - seconds, target]

    auth.login("manager")
    age(5 * 60 + 1)
    response = client.post("/login/code", data={"code": next_code(secret)})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert "انتهت مهلة إدخال الرمز" in text(client.get("/login")) and not signed_in(client)
    assert client.get("/login/code").location.endswith("/login")  # nothing left to go on
    auth.login("manager")
    age(5 * 60 - 10)
    assert client.post("/login/code", data={"code": next_code(secret)}).status_code == 302
    assert signed_in(client)


def test_a_required_role_enrols_before_any_other_page(client: FlaskClient,
                                                      auth: AuthActions, app: Flask) -> None:
    app.config["TOTP_REQUIRED_ROLES"] = "admin, manager"
    auth.login("manager")
    for path in ("/", "/requests", "/settings/", "/sheet/", "/no-such-page"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith(ENROL), path
    assert "يلزم دورك التحقق بخطوتين" in text(client.get(ENROL))
    style = client.get("/static/style.css")
    assert style.status_code == 200
    style.close()
    secret = secret_on(text(client.get(ENROL)))
    assert client.post(ENROL, data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert signed_in(client)
    # Turned off (a new phone): the person is sent to enrol again, with a new key.
    assert client.post(f"{ENROL}off", data={"code": next_code(secret)}).status_code == 302
    assert client.get("/requests").location.endswith(ENROL)
    assert secret_on(text(client.get(ENROL))) != secret
    assert client.post("/logout").status_code == 302
    auth.login("reception")  # a role not named signs in as before
    assert signed_in(client)


def test_turning_it_off_needs_a_current_code(client: FlaskClient, auth: AuthActions,
                                             app: Flask) -> None:
    secret = enrol(client, auth, "reception")
    page = text(client.post(f"{ENROL}off", data={"code": wrong_code(secret)}))
    assert "الرمز غير صحيح" in page
    with app.app_context():
        assert users.get("reception").two_factor
    assert client.post(f"{ENROL}off", data={"code": next_code(secret)}).status_code == 302
    with app.app_context():
        assert not users.get("reception").two_factor
    auth.logout()
    assert auth.login("reception").location.endswith("/")  # the password alone again


def test_the_admin_resets_a_lost_phone(client: FlaskClient, auth: AuthActions,
                                       runner: FlaskCliRunner) -> None:
    enrol(client, auth)
    auth.logout()
    result = runner.invoke(args=["users", "reset-2fa", "--username", "Manager"])
    assert result.exit_code == 0 and "turned off for Manager" in result.output
    assert auth.login("manager").location.endswith("/") and signed_in(client)
    assert "2fa" not in runner.invoke(args=["users", "list"]).output
    missing = runner.invoke(args=["users", "reset-2fa", "--username", "ghost"])
    assert missing.exit_code != 0 and "لا يوجد مستخدم باسم ghost" in missing.output


def test_the_pages_run_under_the_policy_and_the_key_is_not_cached(client: FlaskClient,
                                                                  auth: AuthActions) -> None:
    auth.login("manager")
    enrolling = secured(client.get(ENROL))
    assert enrolling.headers["Cache-Control"] == "no-store"
    secret = secret_on(text(enrolling))
    client.post(ENROL, data={"code": pyotp.TOTP(secret).now()})
    pages = [text(enrolling), text(secured(client.get(ENROL)))]
    auth.logout()
    auth.login("manager")
    pages.append(text(secured(client.get("/login/code"))))
    for page in pages:
        for pattern, what in INLINE:
            assert not re.search(pattern, page), what


def test_the_secret_is_in_no_cookie_and_no_log(client: FlaskClient, auth: AuthActions,
                                               runner: FlaskCliRunner, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    secret = enrol(client, auth)
    auth.logout()
    auth.login("manager")
    with client.session_transaction() as session:
        assert session["two_factor"][0] == "manager" and secret not in repr(dict(session))
    client.post("/login/code", data={"code": wrong_code(secret)})
    client.post("/login/code", data={"code": next_code(secret)})
    assert signed_in(client)
    with client.session_transaction() as session:
        assert "two_factor" not in session and secret not in repr(dict(session))
    runner.invoke(args=["users", "reset-2fa", "--username", "manager"])
    assert caplog.records  # the log was listened to
    assert secret not in caplog.text and secret.lower() not in caplog.text.lower()


def test_an_older_accounts_file_gains_the_columns(app: Flask, tmp_path: Path) -> None:
    old = tmp_path / "old-users.sqlite3"
    with sqlite3.connect(old) as conn:
        conn.execute("CREATE TABLE users (username TEXT PRIMARY KEY, display_name TEXT NOT NULL, "
                     "role TEXT NOT NULL, password_hash TEXT NOT NULL, active INTEGER NOT NULL "
                     "DEFAULT 1, created TEXT NOT NULL)")
        conn.execute("INSERT INTO users VALUES ('huda', 'هدى', 'admin', 'x', 1, '2025-01-01')")
    app.config["USERS_DB"] = str(old)
    with app.app_context():
        assert users.get("huda") == users.User("huda", "هدى", "admin", True, False)
        secret = users.totp_enrolment("huda")
        assert users.confirm_totp("huda", pyotp.TOTP(secret).now())
        assert users.get("huda").two_factor
        users.create("amal", "qamar-bahr-nakheel-7", "manager")
        assert not users.get("amal").two_factor
