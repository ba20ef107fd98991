"""Each of the five real policies in ../shared/seeds/ fits in one association's settings."""
from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from records import association as assoc
from sheets import Workbook, schema
from sheets.parse import parse_table
from tests.conftest import AuthActions

EIGHT = ("المقابلة، الاتصالات الهاتفية، وسائل التواصل الاجتماعي، الخطابات، خدمات طلب المساعدة، "
         "خدمة التطوع، الموقع الإلكتروني للجمعية، مناديب المكاتب الفرعية")
SEEDS = {
    "000": {"association_name": "جمعية المسئولية الاجتماعية", "channels": EIGHT,
            "policy_approval": "اعتمدها مجلس الإدارة بجلسته رقم (2) عام 2023م"},
    "001": {"association_name": "جمعية الأكاديمية الإسلامية المفتوحة", "beneficiary_word": "مستخدم",
            "channels": "المقابلة، الاتصالات الهاتفية، وسائل التواصل الاجتماعي، الخطابات، "
                        "خدمة التطوع، الموقع الإلكتروني للجمعية، المناديب",
            "policy_approval": "اعتمدها مجلس الإدارة بجلسته الثانية بتاريخ ١٧/٧/١٤٤٢هـ "
                               "الموافق ١/٣/٢٠٢١م"},
    "002": {"association_name": "جمعية العون لرعاية السجناء بالقريات", "channels": EIGHT,
            "categories": "أسرة سجين، مفرج عنه، سجين",
            "policy_approval": "أقرت بالاجتماع رقم (٤) بتاريخ ٠٨/٠٢/٢٠٢٢"},
    "003": {"association_name": "جمعية القلوب الصغيرة", "channels": EIGHT,
            "policy_approval": "محضر اجتماع مجلس الإدارة رقم (٣) 10/08/2023 - 1445/01/23هـ"},
    "004": {"association_name": "الجمعية التعاونية متعددة الأغراض رضا",
            "beneficiary_word": "مساهم",
            "channels": "المقابلة، الاتصالات الهاتفية، وسائل التواصل الاجتماعي، الخطابات، "
                        "خدمة التطوع، الموقع الإلكتروني للجمعية، "
                        "مناديب الجمعية أو المشاريع التابعة لها",
            "policy_approval": "بجلسته ٣٣ بتاريخ ٠٧/٠٥/١٤٤٣هـ الموافق ١١/١٢/٢٠٢١م"},
}


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed_policy_as_settings(seed: str) -> None:
    rows = [["المفتاح", "القيمة"], *([k, v] for k, v in SEEDS[seed].items())]
    org = assoc.load({schema.SETTINGS.name: parse_table(schema.SETTINGS, rows),
                      schema.SERVICES.name: parse_table(schema.SERVICES, []),
                      schema.HOLIDAYS.name: parse_table(schema.HOLIDAYS, [])})
    assert org.problems == []
    assert org.channels == [c.strip() for c in SEEDS[seed]["channels"].split("،")]
    assert org.values["policy_approval"] == SEEDS[seed]["policy_approval"]
    # "خلال مدة لا تقل عن أسبوعين": 14 calendar days by default
    assert (org.number("decision_days"), org.values["decision_day_kind"]) == (14, "calendar")


def test_the_association_word_is_used(client: FlaskClient, auth: AuthActions,
                                      wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "beneficiary_word", {"value": "مساهم"})
    auth.login()
    page = client.get("/beneficiaries").get_data(as_text=True)
    assert "استقبال المساهم" in page and "تسجيل مساهم جديد" in page
