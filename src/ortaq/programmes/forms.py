from __future__ import annotations

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw
from ortaq.inputs import HardenedForm

from .models import LearningOutcome, Module, Programme
from .rules import outcome_problems
from .types import CREDITS_MAX, MODULE_FIELDS, ORDER_MAX, OUTCOME_FIELDS, PROGRAMME_FIELDS, ModuleDetails, OutcomeText, ProgrammeDetails


def edit_data(programme: Programme, changes: dict) -> dict:
    """An edit's input over the programme as stored: a PATCH changes only what it names."""
    return {**{f: getattr(programme, f) for f in PROGRAMME_FIELDS}, **changes}


def _lang() -> str:
    return translation.get_language() or "en"


def _levels(framework: str):
    # KZ NQF and EQF levels are numbers people use ("5 · ..."); Chinese levels are named only (their codes are keys).
    return [("", "—")] + [(t.code, fw.localized(t, _lang()) if framework == "cn" else f"{t.code} · {fw.localized(t, _lang())}")
                          for t in fw.levels(framework)]


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

    def details(self) -> ProgrammeDetails:
        """The validated input as the services take it (call after is_valid())."""
        values = {f: self.cleaned_data[f] for f in PROGRAMME_FIELDS}
        return ProgrammeDetails(**values | {"languages": tuple(values["languages"])})


class ModuleForm(HardenedForm, forms.ModelForm):
    credits = forms.IntegerField(label=_("credits"), min_value=1, max_value=CREDITS_MAX)
    order = forms.IntegerField(label=_("order"), min_value=0, max_value=ORDER_MAX, required=False)

    def clean_order(self):
        return self.cleaned_data.get("order") or 0

    class Meta:
        model = Module
        fields = MODULE_FIELDS

    def details(self) -> ModuleDetails:
        """The validated input as the services take it (call after is_valid())."""
        return ModuleDetails(**{f: self.cleaned_data[f] for f in MODULE_FIELDS})


class OutcomeForm(HardenedForm, forms.ModelForm):
    class Meta:
        model = LearningOutcome
        fields = OUTCOME_FIELDS
        widgets = {f: forms.Textarea(attrs={"rows": 2}) for f in OUTCOME_FIELDS[1:]}

    def clean(self):
        cleaned = super().clean()
        for _field, message in outcome_problems([cleaned.get(f) for f in OUTCOME_FIELDS[1:]]):
            raise forms.ValidationError(message)
        return cleaned

    def details(self) -> OutcomeText:
        """The validated input as the services take it (call after is_valid())."""
        return OutcomeText(**{f: self.cleaned_data[f] for f in OUTCOME_FIELDS})
