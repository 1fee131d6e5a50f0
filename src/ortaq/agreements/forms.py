"""Validation of agreement input, shared by the web forms and the API."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw
from ortaq.inputs import HardenedForm

from .models import Agreement, CooperationCondition

AGREEMENT_FIELDS = ["kind", "title", "reference", "summary", "start_year", "end_year"]
CONDITION_FIELDS = [
    "mobility_type", "sending", "receiving", "isced_code", "eqf_level", "nqf_level", "places_per_year",
    "duration", "duration_unit", "language", "language_framework", "language_min_level", "start_year",
    "end_year", "inclusion_support",
]
YEAR_MIN, YEAR_MAX = 2000, 2100


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


class AgreementForm(HardenedForm, forms.ModelForm):
    start_year = forms.IntegerField(label=_("first academic year (starting)"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    end_year = forms.IntegerField(label=_("last academic year (starting)"), min_value=YEAR_MIN, max_value=YEAR_MAX)

    class Meta:
        model = Agreement
        fields = AGREEMENT_FIELDS
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_year"), cleaned.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("The last academic year cannot be before the first."))
        return cleaned


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
        start, end = cleaned.get("start_year"), cleaned.get("end_year")
        if start and end:
            if end < start:
                self.add_error("end_year", _("The last academic year cannot be before the first."))
            elif start < self.agreement.start_year or end > self.agreement.end_year:
                self.add_error(
                    "end_year",
                    _("Conditions must fall within the agreement's academic years (%(years)s).")
                    % {"years": self.agreement.academic_years},
                )
        if cleaned.get("sending") and cleaned.get("sending") == cleaned.get("receiving"):
            self.add_error("receiving", _("The receiving institution must differ from the sending one."))
        framework, level = cleaned.get("language_framework"), cleaned.get("language_min_level")
        if level and not framework:
            self.add_error("language_framework", _("Choose the framework of the minimum language level."))
        elif framework and level and fw.language_level_rank(framework, level) is None:
            self.add_error("language_min_level", _("This level does not exist in the chosen framework."))
        if (framework or level) and not cleaned.get("language"):
            self.add_error("language", _("Choose the language the level applies to."))
        return cleaned
