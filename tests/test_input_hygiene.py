"""Input that cannot poison the store: invisible controls, other scripts' digits, the secret key."""
from __future__ import annotations

import importlib
import inspect
import io
import os
import pkgutil
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from openpyxl import load_workbook

import config
import forms
from forms.base import Form
from forms.checks import FOREIGN_DIGITS, clean_input, mobile_error, national_id_error
from forms.survey import survey_form
from sheets import Workbook, schema
from sheets.cells import ascii_digits
from sheets.parse import parse_table
from sync.job import check_rows
from tests.conftest import AuthActions, sheet_values
from tests.helpers import register, text

B, R = schema.BENEFICIARIES.name, schema.REQUESTS.name
ROOT = Path(__file__).resolve().parent.parent
FULLWIDTH_ID = "１０００００００００８"  # 1000000008 in fullwidth digits
DEVANAGARI_ID = "१०००००००००८"


def invisible(value: str) -> list[str]:
    """The control and format characters of ``value`` other than ZWNJ and ZWJ."""
    return [f"U+{ord(ch):04X}" for ch in value if unicodedata.category(ch) in ("Cc", "Cf")
            and ch not in "\u200c\u200d\n\t"]


@pytest.mark.parametrize("typed, kept", [
    ("سارة\x00", "سارة"),
    ("\u202eسارة\u202c", "سارة"),  # a right-to-left override pasted from a chat
    ("\u200f0551234567\u200e", "0551234567"),  # direction marks around a copied number
    ("\ufeffالرياض\u200b", "الرياض"),  # a BOM and a zero-width space
    ("a\x1b[31mb\x7f", "a[31mb"),
    ("می\u200cخواهم", "می\u200cخواهم"),  # ZWNJ shapes Persian and Arabic words: kept
    ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # ZWJ joins emoji: kept
    ("\u0600١٢٣ ۝", "\u0600١٢٣ ۝"),  # the Arabic number sign is a visible mark: kept
    ("x\ufffey\uffff", "xy"),  # noncharacters no XLSX can hold
    ("سطر\r\nسطر\tآخر\x85", "سطر  سطر آخر "),  # line breaks in a one-line field: spaces
])
def test_one_line_text_loses_invisible_controls(typed: str, kept: str) -> None:
    assert clean_input(typed) == kept


def test_multi_line_text_keeps_its_lines_and_tabs() -> None:
    assert clean_input("سطر\r\nثانٍ\rثالث\n\tبند\x00\u202e\x0b", multiline=True) == \
        "سطر\nثانٍ\nثالث\n\tبند "


def _form_classes() -> list[type]:
    found: list[type] = [survey_form([("q_overall", "عموما")])]
    for info in pkgutil.iter_modules(forms.__path__):
        module = importlib.import_module(f"forms.{info.name}")
        found += [c for _, c in inspect.getmembers(module, inspect.isclass)
                  if issubclass(c, FlaskForm) and c.__module__ == module.__name__]
    return found


def test_every_form_cleans_its_text() -> None:
    classes = _form_classes()
    assert len(classes) > 10
    assert [c.__name__ for c in classes if not issubclass(c, Form)] == []


def test_controls_typed_in_a_form_never_reach_the_sheet(client: FlaskClient, auth: AuthActions,
                                                         wb: Workbook) -> None:
    auth.login()
    response = register(client, full_name="فاطمة\x00 عبدالله\u202e", city="\x1bالقريات",
                        national_id="\u200e1000000008\u200f", mobile="\u202a0551234567\u202c",
                        notes="سطر أول\r\nسطر\x07 ثانٍ\tبند", address="حي\u200cالروضة\ufeff")
    assert response.status_code == 302
    header, row = sheet_values(wb, B)[:2]
    got = dict(zip(header, row, strict=False))
    assert [(h, invisible(v)) for h, v in got.items() if invisible(v)] == []
    assert got["الاسم الكامل"] == "فاطمة عبدالله"
    assert (got["رقم الهوية"], got["الجوال"]) == ("1000000008", "+966551234567")
    assert got["ملاحظات"] == "سطر أول\nسطر ثانٍ\tبند"
    assert got["العنوان"] == "حي\u200cالروضة"


def test_controls_in_an_inquiry_never_reach_the_sheet(client: FlaskClient, auth: AuthActions,
                                                      wb: Workbook) -> None:
    auth.login()
    response = client.post("/inquiries/new", data={
        "type": "استفسار", "channel": "الاتصالات الهاتفية", "name": "سارة\x00",
        "subject": "\u202eموعد\x1b الصرف", "details": "متى؟\x00\r\nشكرًا",
        "assigned_to": "المدير"})
    assert response.status_code == 302, text(response)
    header, row = sheet_values(wb, schema.INQUIRIES.name)[:2]
    got = dict(zip(header, row, strict=False))
    assert [v for v in got.values() if invisible(v)] == []
    assert (got["الموضوع"], got["التفاصيل"]) == ("موعد الصرف", "متى؟\nشكرًا")


@pytest.mark.parametrize("field, typed", [
    ("national_id", FULLWIDTH_ID), ("national_id", DEVANAGARI_ID),
    ("national_id", "١٠٠٠٠٠٠٠٠٨".replace("٨", "８")),  # one fullwidth digit among Arabic-Indic
    ("mobile", "０５５１２３４５６７"), ("mobile", "०५५१२३४५६७"), ("alt_mobile", "٠٥٥١٢٣٤٥٦７"),
])
def test_other_scripts_digits_refused_and_redisplayed(client: FlaskClient, auth: AuthActions,
                                                      wb: Workbook, field: str,
                                                      typed: str) -> None:
    auth.login()
    response = register(client, **{field: typed}, district="حي الروضة\x00")
    page = text(response)
    assert response.status_code == 200
    assert FOREIGN_DIGITS in page
    # what they typed stays beside the message (٠-٩ shown as 0-9, as the field always does)
    assert f'value="{ascii_digits(typed)}"' in page
    assert 'value="حي الروضة"' in page
    assert sheet_values(wb, B)[1:] == []


def test_one_national_id_cannot_be_registered_twice_in_other_digits(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    assert register(client).status_code == 302
    for typed, message in [(FULLWIDTH_ID, FOREIGN_DIGITS), (DEVANAGARI_ID, FOREIGN_DIGITS),
                           ("١٠٠٠٠٠٠٠٠٨", "لهذا الرقم ملف مسجل"),
                           ("۱۰۰۰۰۰۰۰۰۸", "لهذا الرقم ملف مسجل")]:
        page = text(register(client, national_id=typed, mobile="0561234567"))
        assert message in page, typed
    assert [r[2] for r in sheet_values(wb, B)[1:]] == ["1000000008"]


@pytest.mark.parametrize("typed", [FULLWIDTH_ID, DEVANAGARI_ID, "1000000008".replace("8", "𝟖")])
def test_hand_typed_ids_in_other_digits_are_reported_and_kept_as_typed(typed: str) -> None:
    header = [c.header for c in schema.BENEFICIARIES.columns]
    rows = [[""] * len(header) for _ in range(2)]
    nid, mobile, rid = (header.index(schema.BENEFICIARIES.column(k).header)
                        for k in ("national_id", "mobile", "id"))
    rows[0][rid], rows[0][nid], rows[0][mobile] = "B-1", "1000000008", "0551234567"
    rows[1][rid], rows[1][nid], rows[1][mobile] = "B-2", typed, "０５５１２３４５６７"
    table = parse_table(schema.BENEFICIARIES, [header, *rows])
    assert [r["national_id"] for r in table.records] == ["1000000008", typed]
    problems = check_rows({B: table})
    assert [(p.row, p.column, p.value) for p in problems] == [
        (3, "رقم الهوية", typed), (3, "الجوال", "０５５１２３４５６７")]
    assert national_id_error(typed) == FOREIGN_DIGITS


@pytest.mark.parametrize("typed", ["055CALLME1", "0551234567x", "+966 55 123 4567 ext 2"])
def test_mobiles_are_digits_only(typed: str) -> None:
    assert mobile_error(typed) == "رقم جوال سعودي غير صحيح (مثال: 0551234567)."


def test_export_of_what_a_volunteer_typed_never_fails(client: FlaskClient, auth: AuthActions,
                                                      wb: Workbook) -> None:
    wb.append(R, {"id": "R-1", "beneficiary_id": "B-1", "service": "سلة غذائية",
                  "channel": "المقابلة", "status": "مقبول", "submitted_on": "2026-11-01",
                  "completed_on": "2026-11-02", "decided_on": "2026-11-06",
                  "researcher": "=سارة\x00\x1b" + "ا" * 40000})
    auth.login("manager")
    for fmt in ("xlsx", "csv"):
        response = client.get(f"/dashboard/export/staff.{fmt}?start=2026-11-01&end=2026-11-30")
        assert response.status_code == 200, fmt
    book = load_workbook(io.BytesIO(client.get(
        "/dashboard/export/staff.xlsx?start=2026-11-01&end=2026-11-30").data))
    name = book.active["A2"].value
    assert name.startswith("=سارة\ufffd\ufffdا") and len(name) == 32767  # a string cell: as typed
    assert book.active["A2"].data_type == "s"


CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import config
for n in range(int(sys.argv[3])):
    print("ready", flush=True)
    go = Path(sys.argv[2]) / f"go{n}"
    while not go.exists():
        time.sleep(0.0005)
    print(config.instance_secret(str(Path(sys.argv[2]) / f"instance{n}")), flush=True)
"""


def test_processes_starting_together_share_one_secret_key(tmp_path: Path) -> None:
    rounds = 10  # each on a fresh folder: the old code failed about one start in three
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT), str(tmp_path),
                                  str(rounds)], stdout=subprocess.PIPE, text=True)
                for _ in range(20)]
    try:
        for n in range(rounds):
            (tmp_path / f"instance{n}").mkdir()
            for child in children:
                assert child.stdout is not None and child.stdout.readline() == "ready\n"
            (tmp_path / f"go{n}").touch()
            keys = [child.stdout.readline().strip() for child in children if child.stdout]
            assert len(set(keys)) == 1 and len(keys[0]) == 64, (n, keys)
            path = tmp_path / f"instance{n}" / "secret_key"
            assert path.read_text() == keys[0] and path.stat().st_mode & 0o777 == 0o600
            assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary
            assert config.instance_secret(str(path.parent)) == keys[0]
    finally:
        for child in children:
            child.kill()
            child.communicate()  # waits and closes the pipe


def test_a_key_being_written_is_waited_for(tmp_path: Path) -> None:
    (tmp_path / "secret_key").touch()  # another process created it and has not written yet
    writer = threading.Timer(0.1, (tmp_path / "secret_key").write_text, ["k" * 64])
    writer.start()
    started = time.monotonic()
    assert config.instance_secret(str(tmp_path)) == "k" * 64
    assert time.monotonic() - started >= 0.1
    writer.join()


def test_without_hard_links_the_key_is_still_made_once(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(*_: object) -> None:
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(os, "link", no_link)
    key = config.instance_secret(str(tmp_path / "instance"))
    assert len(key) == 64 and config.instance_secret(str(tmp_path / "instance")) == key
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600
