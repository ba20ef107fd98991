"""The staff app: sign-in, roles, forms that keep what was typed, and the policy's path."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

import users
from sheets import Workbook, schema
from tests.conftest import PASSWORD, AuthActions, Server, calls, sheet_values
from tests.helpers import (
    COMMITTEE,
    PERSON,
    file_number,
    intake,
    latest_request,
    login_as,
    register,
    text,
)

B, R, A = schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.AUDIT.name


@pytest.mark.parametrize("path", ["/beneficiaries", "/beneficiaries/new", "/requests",
                                  "/queue/committee", "/requests/R-1/decide",
                                  "/requests/online", "/requests/R-1/attachments/0"])
def test_every_staff_page_needs_sign_in(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_home_page_of_a_visitor_is_the_associations_page(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/p/"


def test_sign_in_and_out(client: FlaskClient, auth: AuthActions) -> None:
    response = auth.login(password="wrong")
    assert "اسم المستخدم أو كلمة المرور غير صحيحة" in text(response)
    assert auth.login().headers["Location"] == "/"
    assert "نورة الاستقبال" in text(client.get("/"))
    auth.logout()
    assert client.get("/").status_code == 302


def test_first_start_tells_how_to_get_an_admin(tmp_path, server: Server) -> None:
    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SHEETS_LOCAL_URL": server.url,
                      "USERS_DB": str(tmp_path / "empty.sqlite3")})
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "users create --username admin --role admin" in page


@pytest.mark.parametrize("username, method, path", [
    ("reception", "post", "/requests/R-1/decide"),
    ("reception", "get", "/queue/committee"),
    ("researcher", "get", "/beneficiaries/new"),
    ("committee", "post", "/beneficiaries/B-1/requests/new"),
    ("committee", "get", "/requests/R-1/serve"),
    ("researcher", "post", "/requests/R-1/close"),
    ("admin", "post", "/requests/R-1/decide"),
])
def test_roles_refused_with_403(client: FlaskClient, auth: AuthActions, username: str,
                                method: str, path: str) -> None:
    auth.login(username)
    response = getattr(client, method)(path)
    assert response.status_code == 403
    assert "ليس من صلاحيات دورك" in text(response)


def test_post_without_csrf_token_is_refused(app: Flask, auth: AuthActions,
                                            client: FlaskClient) -> None:
    auth.login()
    app.config["WTF_CSRF_ENABLED"] = True
    response = register(client)
    assert response.status_code == 400
    assert "رمز الحماية" in text(response)
    assert client.post("/logout").status_code == 400


@pytest.mark.parametrize("field, typed, message", [
    ("national_id", "1000000007", "خانة التحقق"),
    ("national_id", "3000000004", "يبدأ بـ1"),
    ("national_id", "12345", "10 أرقام"),
    ("id_expiry", "2026-11-21", "الهوية منتهية"),
    ("id_expiry", "غدًا", "تاريخ غير مفهوم"),
    ("id_expiry", "", "تاريخ انتهاء الهوية مطلوب"),
    ("mobile", "0112345678", "رقم جوال سعودي غير صحيح"),
    ("mobile", "", "رقم الجوال مطلوب"),
    ("full_name", "", "الاسم الكامل مطلوب"),
    ("family_size", "0", "عدد أفراد الأسرة بين 1 و40"),
    ("monthly_income", "كثير", "الدخل رقم بالريال"),
])
def test_invalid_input_redisplays_with_a_message_per_field(
        client: FlaskClient, auth: AuthActions, wb: Workbook, field: str, typed: str,
        message: str) -> None:
    auth.login()
    response = register(client, **{field: typed}, district="حي الروضة")
    page = text(response)
    assert response.status_code == 200
    assert message in page
    assert 'value="حي الروضة"' in page  # nothing typed is lost
    assert sheet_values(wb, B)[1:] == []
    # At the form's top too, with a link to the field (on a phone it may be far below).
    html = response.get_data(as_text=True)
    top = html.split('id="mistakes"', 1)[1].split("</ul>", 1)[0]
    assert "لم يُحفظ شيء بعد" in top and message in top and f'href="#{field}"' in top


@pytest.mark.parametrize("typed", ["0551234567", "+966551234567", "00966 55 123 4567",
                                   "٠٥٥١٢٣٤٥٦٧", "551234567"])
def test_mobile_spellings_stored_in_one_form(client: FlaskClient, auth: AuthActions,
                                             wb: Workbook, typed: str) -> None:
    auth.login()
    response = register(client, mobile=typed)
    assert response.status_code == 302, re.findall(r"class=\"error\">([^<]*)", text(response))
    wb.invalidate()
    assert wb.table(B).records[0]["mobile"] == "+966551234567"


def test_arabic_indic_digits_and_dangerous_text_stay_text(client: FlaskClient,
                                                          auth: AuthActions,
                                                          wb: Workbook) -> None:
    auth.login()
    response = register(client, national_id="١٠٠٠٠٠٠٠٠٨", id_expiry="٢٠٢٧-٠٥-٠١",
                        full_name='=HYPERLINK("http://x")', notes="<script>alert(1)</script>")
    assert response.status_code == 302
    raw = wb.raw_values([f"'{B}'!A2:T2"], render="FORMULA")[0][0]
    assert raw[1] == '=HYPERLINK("http://x")'
    assert raw[2] == "1000000008"
    bid = file_number(wb)
    page = text(client.get(f"/beneficiaries/{bid}"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "=HYPERLINK(&#34;http://x&#34;)" in page


def test_duplicates_checked_before_creating(client: FlaskClient, auth: AuthActions,
                                            wb: Workbook) -> None:
    auth.login()
    register(client)
    page = text(register(client, full_name="اسم آخر"))
    assert "لهذا الرقم ملف مسجل" in page
    page = text(register(client, national_id="2000000006"))
    assert "هذا الجوال مسجل لملف آخر" in page
    response = client.post("/beneficiaries/new", data={**PERSON, "national_id": "2000000006",
                                                       "shared_mobile": "1"})
    assert response.status_code == 302
    wb.invalidate()
    assert len(wb.table(B).records) == 2


@pytest.mark.parametrize("query", ["فاطمه", "فاطمة", "القحطانى", "١٠٠٠٠٠٠٠٠٨", "0551234567",
                                   "966551234567"])
def test_search_and_masked_ids(client: FlaskClient, auth: AuthActions, wb: Workbook,
                               query: str) -> None:
    auth.login()
    register(client)
    page = text(client.get("/beneficiaries", query_string={"q": query}))
    assert "فاطمة عبدالله القحطاني" in page
    assert "1•••••••08" in page and "1000000008" not in page


def test_update_data_records_the_date(client: FlaskClient, auth: AuthActions,
                                      wb: Workbook) -> None:
    auth.login()
    register(client)
    bid = file_number(wb)
    form = text(client.get(f"/beneficiaries/{bid}/edit"))
    assert 'value="فاطمة عبدالله القحطاني"' in form and 'value="2027-05-01"' in form
    response = client.post(f"/beneficiaries/{bid}/edit", data={**PERSON, "city": "طريف"})
    assert response.status_code == 302
    wb.invalidate()
    person = wb.table(B).get(bid)
    assert person["city"] == "طريف" and person["data_updated_on"] == "2026-11-22"
    audit = wb.full(A).records[-1]
    assert audit["action"] == "تحديث بيانات مستفيد" and "المدينة: القريات → طريف" in \
        audit["changes"]


def test_whole_path_from_reception_to_service(client: FlaskClient, auth: AuthActions,
                                              wb: Workbook) -> None:
    auth.login("reception")
    register(client)
    bid = file_number(wb)
    choose = text(client.get(f"/beneficiaries/{bid}/requests/new"))
    assert "سلة غذائية" in choose and "صك الإعالة" in choose
    response = intake(client, bid, unclear="y")  # reception finds it unclear: studied first
    rid = latest_request(wb)["id"]
    assert response.headers["Location"] == f"/requests/{rid}/receipt"
    receipt = text(client.get(f"/requests/{rid}/receipt"))
    assert rid in receipt
    assert '<bdi class="date" dir="ltr">2026-12-06</bdi> — <span class="date">26 جمادى ' \
        'الآخرة 1448هـ</span>' in receipt  # 14 calendar days
    assert "يُحال طلبك إلى الباحث الاجتماعي" in receipt

    client.post(f"/requests/{rid}/assign", data={"researcher": "سارة الباحثة"})
    assert latest_request(wb)["status"] == "لدى الباحث"

    login_as(client, auth, "researcher")
    assert rid in text(client.get("/queue/researcher"))
    client.post(f"/requests/{rid}/review", data={
        "recommendation": "قبول", "visit_date": "2026-11-22",
        "researcher_notes": "أسرة من خمسة أفراد دخلها محدود."})
    assert latest_request(wb)["status"] == "لدى اللجنة"

    login_as(client, auth, "committee")
    assert rid in text(client.get("/queue/committee"))
    page = text(client.post(f"/requests/{rid}/decide",
                            data={"decision": "مرفوض", "decided_on": "2026-11-22", **COMMITTEE}))
    assert "سبب الرفض مطلوب" in page
    response = client.post(f"/requests/{rid}/decide",
                           data={"decision": "مقبول", "decided_on": "2026-11-22", **COMMITTEE})
    assert response.headers["Location"] == f"/requests/{rid}/message"
    message = text(client.get(f"/requests/{rid}/message"))
    assert "https://wa.me/966551234567?text=" in message
    assert f"طلبكم رقم {rid}" in message and "وتم قبوله" in message

    login_as(client, auth, "reception")
    client.post(f"/requests/{rid}/register", data={"registered_on": "2026-11-22"})
    assert latest_request(wb)["status"] == "مسجل"
    client.post(f"/requests/{rid}/serve", data={
        "service_given": "سلة غذائية", "served_on": "2026-11-22", "served_by": "نورة",
        "amount": "سلتان"})
    done = latest_request(wb)
    assert done["status"] == "تم تقديم الخدمة" and done["amount"] == "سلتان"
    assert done["decision"] == "مقبول" and done["researcher"] == "سارة الباحثة"

    wb.invalidate()
    trail = [r for r in wb.full(A).records if r["record_id"] in (rid, bid)]
    assert [r["action"] for r in trail] == [
        "تسجيل مستفيد", "طلب دعم مستفيد", "الإحالة للباحث الاجتماعي", "رفع التوصية للجنة",
        "قرار اللجنة", "استكمال التسجيل", "تسجيل تقديم الخدمة"]
    assert [r["user"] for r in trail][2:5] == ["نورة الاستقبال", "سارة الباحثة", "لجنة البحث"]
    assert "الحالة: لدى اللجنة → مقبول" in trail[4]["changes"]
    assert all(r["time"] and r["tab"] for r in trail)


def test_incomplete_request_waits_for_its_documents(client: FlaskClient, auth: AuthActions,
                                                    wb: Workbook) -> None:
    auth.login()
    register(client)
    bid = file_number(wb)
    intake(client, bid, documents=["صورة الهوية"])
    req = latest_request(wb)
    assert req["status"] == "ناقص" and req["missing"] == "إثبات الدخل، صك الإعالة"
    assert req["completed_on"] == ""
    receipt = text(client.get(f"/requests/{req['id']}/receipt"))
    assert "ما ينقص طلبك" in receipt and "إثبات الدخل، صك الإعالة" in receipt
    login_as(client, auth, "committee")
    client.post(f"/requests/{req['id']}/decide", data={"decision": "مقبول",
                                                       "decided_on": "2026-11-22", **COMMITTEE})
    page = text(client.get(f"/requests/{req['id']}", follow_redirects=True))
    assert "لا يمكن البت في طلب بياناته غير مكتملة" in page
    assert latest_request(wb)["status"] == "ناقص"
    login_as(client, auth, "reception")
    client.post(f"/requests/{req['id']}/complete", data={"documents": ["إثبات الدخل"]})
    assert latest_request(wb)["status"] == "ناقص"
    client.post(f"/requests/{req['id']}/complete", data={"documents": ["صك الإعالة"]})
    req = latest_request(wb)
    assert req["status"] == "جديد" and req["completed_on"] == "2026-11-22"
    assert req["missing"] == ""


def test_serving_a_rejected_request_is_refused(client: FlaskClient, auth: AuthActions,
                                               wb: Workbook) -> None:
    auth.login()
    register(client)
    intake(client, file_number(wb))
    rid = latest_request(wb)["id"]
    wb.update(R, rid, {"status": "مرفوض", "decision": "مرفوض", "researcher": "س",
                       "decision_reason": "الدخل كافٍ"})
    response = client.post(f"/requests/{rid}/serve", data={
        "service_given": "x", "served_on": "2026-11-22", "served_by": "y", "amount": "1"},
        follow_redirects=True)
    assert "لا يمكن تقديم الخدمة لطلب رفضته اللجنة" in text(response)
    assert latest_request(wb)["status"] == "مرفوض"


def test_hand_set_status_shown_as_it_is_with_a_warning(client: FlaskClient, auth: AuthActions,
                                                       wb: Workbook) -> None:
    auth.login()
    register(client)
    intake(client, file_number(wb))
    rid = latest_request(wb)["id"]
    wb.update(R, rid, {"status": "تم تقديم الخدمة"})  # a volunteer typed it
    page = text(client.get(f"/requests/{rid}"))
    assert "تم تقديم الخدمة" in page
    assert "دون قرار قبول من اللجنة" in page
    assert latest_request(wb)["status"] == "تم تقديم الخدمة"


def test_page_views_cost_no_call_while_snapshot_is_fresh(client: FlaskClient,
                                                         auth: AuthActions, wb: Workbook,
                                                         server: Server) -> None:
    auth.login()
    register(client)
    bid = file_number(wb)
    client.get("/")
    server.api.reset()
    for path in ("/", "/requests", f"/beneficiaries/{bid}", "/beneficiaries?q=فاطمة",
                 f"/beneficiaries/{bid}/requests/new"):
        assert client.get(path).status_code == 200
    assert calls(server) == 0, dict(server.api.calls)


def test_workbook_outage_shows_arabic_page(client: FlaskClient, auth: AuthActions,
                                           wb: Workbook, server: Server) -> None:
    auth.login()
    wb.invalidate()
    server.api.inject(503, times=100)
    response = client.get("/requests")
    assert response.status_code == 503
    assert "تعذر الوصول إلى ملف البيانات" in text(response)
    assert "Traceback" not in text(response)


def test_submission_kept_through_an_outage_and_written_once(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook,
        server: Server) -> None:
    auth.login()
    register(client)
    bid = file_number(wb)
    client.get(f"/beneficiaries/{bid}/requests/new?service=سلة غذائية")
    server.api.inject(503, times=100, methods=["spreadsheets.batchUpdate",
                                               "spreadsheets.values.get"])
    response = intake(client, bid)
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "حُفظ الطلب محليًا برقم" in page
    rid = response.headers["Location"].split("/")[2]
    assert rid in page and "2026-12-06" in page
    server.api.reset()
    from records.store import journal

    with app.test_request_context():
        assert len(journal().pending()) == 2
        assert journal().replay(wb) == 2
        assert journal().replay(wb) == 0
    ids = [r[0] for r in sheet_values(wb, R)[1:]]
    assert ids == [rid]
    audit = [r for r in sheet_values(wb, A)[1:] if r[4] == rid]
    assert len(audit) == 1


def test_users_cli(runner, app: Flask) -> None:
    result = runner.invoke(args=["users", "create", "--username", "Huda", "--role",
                                 "researcher", "--name", "هدى", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["users", "list"]).output
    assert "huda\tresearcher\tactive\tهدى" in listed
    assert "password" not in listed and "pbkdf2" not in listed and "scrypt" not in listed
    bad = runner.invoke(args=["users", "create", "--username", "x", "--role", "boss",
                              "--password", PASSWORD])
    assert bad.exit_code != 0
    short = runner.invoke(args=["users", "create", "--username", "y", "--role", "admin",
                                "--password", "123"])
    assert short.exit_code != 0 and "10" in short.output
    assert runner.invoke(args=["users", "disable", "--username", "huda"]).exit_code == 0
    client = app.test_client()
    page = client.post("/login", data={"username": "huda", "password": PASSWORD})
    assert "غير صحيحة" in page.get_data(as_text=True)


def test_wrong_passwords_lock_the_username_for_a_while(client: FlaskClient, auth: AuthActions,
                                                       runner, app: Flask) -> None:
    for _ in range(5):
        assert "غير صحيحة" in text(auth.login("committee", "wrong-password"))
    page = text(auth.login("committee"))  # even the right password waits now
    assert "أُوقف الدخول بهذا الاسم مؤقتًا" in page and "15 دقيقة" in page
    for _ in range(5):  # a username that does not exist locks the same way
        auth.login("ghost", "wrong-password")
    assert "أُوقف الدخول" in text(auth.login("ghost", "wrong-password"))
    assert runner.invoke(args=["users", "unlock", "--username", "committee"]).exit_code == 0
    assert auth.login("committee").status_code == 302


def test_lock_runs_out_after_fifteen_minutes(app: Flask) -> None:
    with app.app_context():
        for i in range(5):
            users.record_failure("reception", now=1000.0 + i)
        assert users.lock_remaining("reception", now=1005.0) == 15 * 60
        assert users.lock_remaining("reception", now=1004.0 + 15 * 60 - 1) == 2
        assert users.lock_remaining("reception", now=1004.0 + 15 * 60) == 0
        users.record_failure("manager", now=2000.0)
        assert users.lock_remaining("manager", now=2001.0) == 0  # one slip locks nothing
        for i in range(4):  # five slips spread over more than fifteen minutes lock nothing
            users.record_failure("admin", now=3000.0 + i * 300)
        users.record_failure("admin", now=3000.0 + 15 * 60 + 1)
        assert users.lock_remaining("admin", now=3000.0 + 15 * 60 + 2) == 0


def test_users_create_prompts_for_password(runner) -> None:
    result = runner.invoke(args=["users", "create", "--username", "amal", "--role", "manager"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0 and "Created amal" in result.output


def test_a_password_people_guess_first_is_refused(runner) -> None:
    for weak in ("123456789012", "password1234", "qwertyuiop12", "nora-nora-nora"):
        result = runner.invoke(args=["users", "create", "--username", "nora", "--role",
                                     "reception", "--name", "نورة", "--password", weak])
        assert result.exit_code != 0 and "سهلة التخمين" in result.output, weak
    short = runner.invoke(args=["users", "create", "--username", "nora", "--role",
                                "reception", "--password", "Sh0rt!x"])
    assert short.exit_code != 0 and "10 أحرف" in short.output
    good = runner.invoke(args=["users", "create", "--username", "nora", "--role", "reception",
                               "--password", "qamar-bahr-nakheel-7"])
    assert good.exit_code == 0, good.output


def test_wrong_passwords_elsewhere_do_not_lock_a_colleague_out(app: Flask) -> None:
    """Five wrong passwords for «committee» from one address lock that address only; the
    address that tries many usernames is refused past LOGIN_FAILURE_LIMIT."""
    app.config["LOGIN_FAILURE_LIMIT"] = "8 per hour"
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    for _ in range(5):
        other.post("/login", data={"username": "committee", "password": "wrong-password"})
    assert "أُوقف الدخول" in text(other.post("/login", data={
        "username": "committee", "password": PASSWORD}))
    desk = app.test_client()  # the committee member at their own desk
    assert desk.post("/login", data={"username": "committee",
                                     "password": PASSWORD}).status_code == 302
    codes = [other.post("/login", data={"username": f"user{i}", "password": "x"}).status_code
             for i in range(6)]
    assert codes[-1] == 429


def test_the_session_cookie_is_secure_when_the_public_address_is_https(tmp_path) -> None:
    from app import create_app
    from tests.conftest import app_config
    app = create_app({**app_config(tmp_path), "PUBLIC_URL": "https://jamiya.example"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_the_sign_in_cookie_says_httponly_and_samesite(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "reception", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_a_desk_left_open_is_signed_out(app: Flask, client: FlaskClient,
                                        auth: AuthActions, monkeypatch) -> None:
    import time as clock
    auth.login("reception")
    assert client.get("/requests").status_code == 200
    now = clock.time()
    monkeypatch.setattr(clock, "time", lambda: now + 31 * 60)
    gone = client.get("/requests")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    assert "دون استخدام" in text(client.get(gone.headers["Location"]))
    monkeypatch.setattr(clock, "time", lambda: now + 31 * 60 + 5)
    app.config["IDLE_SIGNOUT_MINUTES"] = 0
    auth.login("reception")
    monkeypatch.setattr(clock, "time", lambda: now + 600 * 60)
    assert client.get("/requests").status_code == 200  # 0: never
