"""The beneficiary file shows what registration asked; accounts and amounts refuse nonsense."""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

import users
from sheets import Workbook, schema
from tests.conftest import PASSWORD, AuthActions, sheet_values
from tests.helpers import file_number, register, text

B = schema.BENEFICIARIES.name


def test_the_file_shows_every_answer_of_registration(client: FlaskClient, auth: AuthActions,
                                                     wb: Workbook) -> None:
    auth.login()
    response = register(client, gender="أنثى", birth_date="1985-03-14", marital_status="أرمل",
                        address="شارع الملك فهد، بجوار المسجد",
                        income_source="الضمان الاجتماعي", monthly_income="2500")
    assert response.status_code == 302, text(response)
    page = text(client.get(f"/beneficiaries/{file_number(wb)}"))
    for label, shown in (("الجنس", "أنثى"), ("تاريخ الميلاد", "1985-03-14"),
                         ("الحالة الاجتماعية", "أرمل"),
                         ("العنوان", "شارع الملك فهد، بجوار المسجد"),
                         ("مصدر الدخل", "الضمان الاجتماعي"), ("الدخل الشهري (ريال)", "2500")):
        assert f"<dt>{label}</dt>" in page
        assert shown in page.split(f"<dt>{label}</dt>")[1].split("</dd>")[0], label


def test_an_empty_answer_shows_a_dash(client: FlaskClient, auth: AuthActions,
                                      wb: Workbook) -> None:
    auth.login()
    register(client)
    page = text(client.get(f"/beneficiaries/{file_number(wb)}"))
    for label in ("الجنس", "تاريخ الميلاد", "الحالة الاجتماعية", "العنوان", "مصدر الدخل"):
        assert page.split(f"<dt>{label}</dt><dd>")[1].startswith("—"), label


@pytest.mark.parametrize("field, typed, message", [
    ("monthly_income", "-500", "الدخل الشهري لا يكون سالبًا"),
    ("monthly_income", "-٥٠٠", "الدخل الشهري لا يكون سالبًا"),  # shown back as -500
    ("family_size", "2.5", "عدد أفراد الأسرة عدد صحيح بلا كسور"),
    ("family_size", "خمسة", "عدد أفراد الأسرة عدد صحيح بلا كسور"),
    ("family_size", "-3", "عدد أفراد الأسرة بين 1 و40"),
    ("family_size", "0", "عدد أفراد الأسرة بين 1 و40"),
])
def test_amounts_and_counts_refused_in_arabic(client: FlaskClient, auth: AuthActions,
                                              wb: Workbook, field: str, typed: str,
                                              message: str) -> None:
    auth.login()
    page = text(register(client, **{field: typed}))
    assert message in page and f'value="{typed.replace("٥٠٠", "500")}"' in page
    assert "Not a valid" not in page
    errors = page.split(f'id="{field}"')[1].split("</div>")[0]
    assert errors.count('class="error"') == 1  # one message, not two
    assert sheet_values(wb, B)[1:] == []


@pytest.mark.parametrize("income", ["0", "3500", "3,500", "٣٥٠٠"])
def test_zero_and_positive_income_accepted(client: FlaskClient, auth: AuthActions,
                                           wb: Workbook, income: str) -> None:
    auth.login()
    assert register(client, monthly_income=income).status_code == 302


@pytest.mark.parametrize("username", ["noura ali", "noura\tali", "نورة علي", "noura\u00a0ali"])
def test_usernames_with_spaces_refused(runner: FlaskCliRunner, app: Flask,
                                       username: str) -> None:
    result = runner.invoke(args=["users", "create", "--username", username, "--role",
                                 "reception", "--password", PASSWORD])
    assert result.exit_code != 0
    assert "اسم المستخدم لا يحوي مسافات" in result.output
    with app.app_context():
        assert all(" " not in u.username and "ali" not in u.username for u in users.all_users())
        with pytest.raises(users.UserError, match="لا يحوي مسافات"):
            users.create(username, PASSWORD, "reception")


@pytest.mark.parametrize("username, error", [("noura.ali", None), ("نورة_1", None),
                                             ("  huda  ", None), ("a/b", "حروف وأرقام"),
                                             ("x" * 41, "40 حرفًا")])
def test_username_rules(username: str, error: str | None) -> None:
    why = users.username_error(username)
    assert (why is None) if error is None else (error in why)


def test_family_size_and_income_may_be_left_empty(client: FlaskClient, auth: AuthActions,
                                                  wb: Workbook) -> None:
    auth.login()
    assert register(client, family_size="", monthly_income="").status_code == 302
    person = wb.table(B).get(file_number(wb))
    assert person["family_size"] == "" and person["monthly_income"] == ""
