"""Support request intake (طلب دعم مستفيد) and the workflow steps after it."""
from __future__ import annotations

from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from sheets import schema

from .base import Form
from .fields import (
    AfterEarlierSteps,
    CheckboxesField,
    LocalDateField,
    NotFuture,
    TodayMixin,
    strip,
)


class IntakeForm(Form):
    channel = SelectField("القناة", validators=[InputRequired("اختر قناة التقديم.")])
    documents = CheckboxesField("المستندات المقدمة", choices=[])
    notes = TextAreaField("ملاحظات", filters=[strip], validators=[Length(max=1000)])
    declared_by = StringField("اسم المقر بصحة البيانات", filters=[strip], validators=[
        DataRequired("اكتب اسم من أقر بصحة البيانات."), Length(max=120)])
    declaration_method = RadioField(
        "طريقة الإقرار", choices=list(schema.DECLARATION_METHODS),
        validators=[InputRequired("اختر طريقة الإقرار.")])
    unclear = BooleanField("الحالة غير واضحة: تُحال إلى الباحث الاجتماعي لدراستها قبل اللجنة")
    declaration = BooleanField(
        "أقر المتقدم بصحة البيانات المقدمة وأنه مسؤول مسؤولية مباشرة عن صحتها",
        validators=[DataRequired("لا يُقبل الطلب دون إقرار المتقدم بصحة البيانات.")])
    submit = SubmitField("حفظ الطلب")


class CompleteForm(Form):
    documents = CheckboxesField("المستندات المستلمة الآن", choices=[])
    submit = SubmitField("حفظ")

    def validate_documents(self, field: CheckboxesField) -> None:
        if not field.data:
            raise ValidationError("اختر ما استُلم من النواقص.")


class ReferForm(Form):
    submit = SubmitField("رفع الطلب إلى لجنة البحث")


class AssignForm(Form):
    researcher = SelectField("الباحث الاجتماعي",
                             validators=[InputRequired("اختر الباحث الاجتماعي.")])
    submit = SubmitField("إحالة")


class ReviewForm(TodayMixin, Form):
    recommendation = RadioField("توصية الباحث", choices=[SelectChoice("قبول", "يوصى بالقبول"),
                                                         SelectChoice("رفض", "يوصى بالرفض")],
                                validators=[InputRequired("اختر التوصية.")])
    visit_date = LocalDateField("تاريخ الزيارة الميدانية", validators=[
        Optional(), NotFuture("تاريخ الزيارة لا يكون في المستقبل."),
        AfterEarlierSteps("review")])
    researcher_notes = TextAreaField("ملاحظات الباحث", filters=[strip], validators=[
        DataRequired("اكتب ملخص دراسة الحالة."), Length(max=2000)])
    submit = SubmitField("رفع للجنة")


class DecisionForm(TodayMixin, Form):
    decision = RadioField("قرار اللجنة", choices=[SelectChoice("مقبول", "قبول"),
                                                         SelectChoice("مرفوض", "رفض")],
                          validators=[InputRequired("اختر القرار.")])
    decision_reason = TextAreaField("سبب القرار", filters=[strip],
                                    validators=[Length(max=1000)])
    decided_on = LocalDateField("تاريخ القرار (تاريخ اجتماع اللجنة)", validators=[
        InputRequired("تاريخ القرار مطلوب."), NotFuture("تاريخ القرار لا يكون في المستقبل."),
        AfterEarlierSteps("decide")])
    committee_members = StringField("أعضاء اللجنة الحاضرون (مفصولة بفواصل)", filters=[strip],
                                    validators=[Length(max=500)])
    meeting_number = StringField("رقم الاجتماع", filters=[strip], validators=[Length(max=30)])
    submit = SubmitField("اعتماد القرار")

    quorum = 1  # the association's quorum (the view sets it)

    def members(self) -> list[str]:
        """The names typed, each once, in the sheet's «، » list."""
        names = (self.committee_members.data or "").replace("،", ",").split(",")
        return list(dict.fromkeys(n.strip() for n in names if n.strip()))

    def validate_committee_members(self, field: StringField) -> None:
        if len(self.members()) < self.quorum:
            raise ValidationError(
                f"القرار للجنة البحث ونصابها {self.quorum}: اكتب أسماء الحاضرين "
                f"(سُجل {len(self.members())}).")

    def validate_decision_reason(self, field: TextAreaField) -> None:
        if self.decision.data == "مرفوض" and not field.data:
            raise ValidationError("سبب الرفض مطلوب: يحق للمتقدم معرفة سبب رفض طلبه.")


class RegisterForm(TodayMixin, Form):
    registered_on = LocalDateField("تاريخ استكمال التسجيل", validators=[
        InputRequired("التاريخ مطلوب."), NotFuture("التاريخ لا يكون في المستقبل."),
        AfterEarlierSteps("register")])
    submit = SubmitField("استكمال التسجيل")


class ServeForm(TodayMixin, Form):
    service_given = StringField("الخدمة المقدمة", filters=[strip], validators=[
        DataRequired("اكتب الخدمة المقدمة."), Length(max=200)])
    served_on = LocalDateField("تاريخ تقديم الخدمة", validators=[
        InputRequired("التاريخ مطلوب."), NotFuture("التاريخ لا يكون في المستقبل."),
        AfterEarlierSteps("serve")])
    served_by = StringField("مقدم الخدمة", filters=[strip], validators=[
        DataRequired("اكتب اسم مقدم الخدمة."), Length(max=120)])
    amount = StringField("المبلغ أو الكمية", filters=[strip], validators=[
        DataRequired("اكتب المبلغ أو الكمية (مثل: 500 ريال، سلتان)."), Length(max=100)])
    submit = SubmitField("حفظ")


class CloseForm(Form):
    reason = TextAreaField("سبب الإغلاق", filters=[strip], validators=[
        DataRequired("سبب الإغلاق مطلوب."), Length(max=500)])
    submit = SubmitField("إغلاق الطلب")
