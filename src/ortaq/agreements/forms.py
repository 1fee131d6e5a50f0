"""Validation of agreement input, shared by the web forms and the API."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw
from ortaq.inputs import HardenedForm

from .models import Agreement, CooperationCondition
from .rules import condition_problems, years_problems
from .types import AGREEMENT_FIELDS, CONDITION_FIELDS, YEAR_MAX, YEAR_MIN, AgreementTerms, ConditionTerms


def _lang() -> str:
    return translation.get_language() or "en"


def isced_choices():
    return [("", "—")] + [
        (t.code, f"{t.code} {fw.localized(t, _lang())}") for t in fw.isced_fields() if t.group == "detailed"
    ]


def level_choices(framework: str):
    return [("", "—")] + [(t.code, f"{t.code} · {fw.localized(t, _lang())}") for t in fw.levels(framework)]


def language_choices():
    return [("", "—")] + [(t.code, fw.localized(t, _lang())) for t in fw.languages()]


def language_framework_choices():
    return [("", "—")] + [(t.code, fw.localized(t, _lang())) for t in fw.language_frameworks()]


def language_level_choices():
    choices = [("", "—")]
    for framework in fw.language_frameworks():
        choices += [(t.code, t.code) for t in fw.language_levels(framework.code) if (t.code, t.code) not in choices]
    return choices


def edit_data(agreement: Agreement, changes: dict) -> dict:
    """An edit's input over the agreement's current terms: a PATCH, or a form post that leaves fields out,
    changes only what it names."""
    return {**{f: getattr(agreement, f) for f in AGREEMENT_FIELDS}, **changes}


class AgreementForm(HardenedForm, forms.ModelForm):
    start_year = forms.IntegerField(label=_("first academic year (starting)"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    end_year = forms.IntegerField(label=_("last academic year (starting)"), min_value=YEAR_MIN, max_value=YEAR_MAX)

    class Meta:
        model = Agreement
        fields = AGREEMENT_FIELDS
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        cleaned = super().clean()
        for field, message in years_problems(cleaned.get("start_year"), cleaned.get("end_year")):
            self.add_error(field, message)
        return cleaned

    def terms(self) -> AgreementTerms:
        """The validated input as the services take it (call after is_valid())."""
        return AgreementTerms(**{f: self.cleaned_data[f] for f in AGREEMENT_FIELDS})


class ConditionForm(HardenedForm, forms.ModelForm):
    isced_code = forms.ChoiceField(label=_("ISCED-F 2013 field"), choices=isced_choices)
    eqf_level = forms.ChoiceField(label=_("EQF level"), choices=lambda: level_choices("eqf"), required=False)
    nqf_level = forms.ChoiceField(label=_("KZ NQF level"), choices=lambda: level_choices("kz_nqf"), required=False)
    language = forms.ChoiceField(label=_("language"), choices=language_choices, required=False)
    language_framework = forms.ChoiceField(label=_("language framework"), choices=language_framework_choices, required=False)
    language_min_level = forms.ChoiceField(label=_("minimum language level"), choices=language_level_choices, required=False)
    places_per_year = forms.IntegerField(label=_("places per year"), min_value=1, max_value=10_000)
    duration = forms.IntegerField(label=_("duration per mobility"), min_value=1, max_value=730)
    start_year = forms.IntegerField(label=_("from academic year"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    end_year = forms.IntegerField(label=_("to academic year"), min_value=YEAR_MIN, max_value=YEAR_MAX)

    class Meta:
        model = CooperationCondition
        fields = CONDITION_FIELDS
        widgets = {"inclusion_support": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, agreement: Agreement, party_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        for name in ("sending", "receiving"):  # ModelChoiceFields (the model's foreign keys)
            cast(forms.ModelChoiceField, self.fields[name]).queryset = party_queryset
        self.fields["sending"].error_messages["invalid_choice"] = _("The sending institution must be a party to the agreement.")
        self.fields["receiving"].error_messages["invalid_choice"] = _("The receiving institution must be a party to the agreement.")
        self.fields["isced_code"].error_messages["invalid_choice"] = _("“%(value)s” is not an ISCED-F 2013 detailed field code.")

    def clean(self):
        cleaned = super().clean()
        sending, receiving = cleaned.get("sending"), cleaned.get("receiving")
        agreement = self.agreement
        for field, message in condition_problems(
            start_year=cleaned.get("start_year"), end_year=cleaned.get("end_year"),
            agreement_years=(agreement.start_year, agreement.end_year, agreement.academic_years),
            sending_id=sending.pk if sending else None, receiving_id=receiving.pk if receiving else None,
            language=cleaned.get("language") or "", language_framework=cleaned.get("language_framework") or "",
            language_min_level=cleaned.get("language_min_level") or "",
        ):
            self.add_error(field, message)
        return cleaned

    def terms(self) -> ConditionTerms:
        """The validated input as the services take it (call after is_valid())."""
        values = {f: self.cleaned_data[f] for f in CONDITION_FIELDS if f not in ("sending", "receiving")}
        return ConditionTerms(**values, sending_id=self.cleaned_data["sending"].pk, receiving_id=self.cleaned_data["receiving"].pk)
