from __future__ import annotations

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw
from ortaq.inputs import HardenedForm

from .models import LearningOutcome, Module, Programme

PROGRAMME_FIELDS = [
    "code", "title_kk", "title_ru", "title_zh", "title_en", "is_joint", "dual_qualification", "qualification_kz",
    "qualification_cn", "isced_code", "kz_nqf_level", "eqf_level", "cn_level", "specialty_code_kz",
    "specialty_code_cn", "languages", "duration_months",
]
MODULE_FIELDS = [
    "code", "order", "title_kk", "title_ru", "title_zh", "title_en", "credits", "professional_standard_code",
    "professional_standard_title", "certificate_1x_code", "certificate_1x_title",
]
OUTCOME_FIELDS = ["code", "text_kk", "text_ru", "text_zh", "text_en"]


def _lang() -> str:
    return translation.get_language() or "en"


def _levels(framework: str):
    return [("", "—")] + [(t.code, f"{t.code} · {fw.localized(t, _lang())}") for t in fw.levels(framework)]


class ProgrammeForm(HardenedForm, forms.ModelForm):
    isced_code = forms.ChoiceField(
        label=_("ISCED-F 2013 field"),
        choices=lambda: [(t.code, f"{t.code} {fw.localized(t, _lang())}") for t in fw.isced_fields() if t.group == "detailed"],
    )
    kz_nqf_level = forms.ChoiceField(label=_("KZ NQF level"), choices=lambda: _levels("kz_nqf"), required=False)
    eqf_level = forms.ChoiceField(label=_("EQF level"), choices=lambda: _levels("eqf"), required=False)
    cn_level = forms.ChoiceField(label=_("Chinese level"), choices=lambda: _levels("cn"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("languages of instruction"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=lambda: [(t.code, fw.localized(t, _lang())) for t in fw.languages()],
    )

    class Meta:
        model = Programme
        fields = PROGRAMME_FIELDS


class ModuleForm(HardenedForm, forms.ModelForm):
    credits = forms.IntegerField(label=_("credits"), min_value=1, max_value=240)
    order = forms.IntegerField(label=_("order"), min_value=0, max_value=999, required=False)

    def clean_order(self):
        return self.cleaned_data.get("order") or 0

    class Meta:
        model = Module
        fields = MODULE_FIELDS


class OutcomeForm(HardenedForm, forms.ModelForm):
    class Meta:
        model = LearningOutcome
        fields = OUTCOME_FIELDS
        widgets = {f: forms.Textarea(attrs={"rows": 2}) for f in OUTCOME_FIELDS[1:]}

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(f) for f in OUTCOME_FIELDS[1:]):
            raise forms.ValidationError(_("Write the outcome in at least one language."))
        return cleaned
