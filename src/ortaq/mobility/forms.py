from __future__ import annotations

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw
from ortaq.inputs import HardenedForm

from .models import Application, Call, InternshipOffer
from .types import ApplicationInput, CallInput, OfferInput, Scores

OFFER_FIELDS = ["title", "tasks", "city", "start_date", "end_date", "places", "isced_code", "language", "language_framework",
                "language_min_level", "accessibility_facilities"]
CALL_FIELDS = ["title", "mobility_type", "academic_year", "deadline", "max_choices", "min_year_of_study", "min_grade", "language",
               "language_framework", "language_min_level", "ranking_rule", "weight_grade", "weight_language", "weight_motivation",
               "weight_interview", "lottery_seed"]
APPLICATION_FIELDS = ["programme", "year_of_study", "grade", "motivation", "share_accessibility_needs"]


def _lang() -> str:
    return translation.get_language() or "en"


def _language_fields(form) -> None:
    form.fields["language"] = forms.ChoiceField(label=_("language"), required=False, choices=[("", "—")] + [(t.code, fw.localized(t, _lang())) for t in fw.languages()])
    form.fields["language_framework"] = forms.ChoiceField(label=_("language framework"), required=False, choices=[("", "—")] + [(t.code, fw.localized(t, _lang())) for t in fw.language_frameworks()])


def _upper_level(cleaned) -> None:
    """Levels are written in capitals (B2, HSK levels as digits); whether the level exists is the service's rule."""
    if cleaned.get("language_min_level"):
        cleaned["language_min_level"] = cleaned["language_min_level"].upper()


def _typed(form, kind):
    """The form's cleaned values as the service's input type (the form is valid)."""
    values = {f: form.cleaned_data[f] for f in kind.__dataclass_fields__ if f in form.cleaned_data}
    return kind(**{f: tuple(v) if isinstance(v, list) else v for f, v in values.items()})


class OfferForm(HardenedForm, forms.ModelForm):
    isced_code = forms.ChoiceField(label=_("ISCED-F 2013 field"), choices=lambda: [(t.code, f"{t.code} {fw.localized(t, _lang())}") for t in fw.isced_fields() if t.group == "detailed"])
    accessibility_facilities = forms.MultipleChoiceField(label=_("accessibility facilities"), required=False, widget=forms.CheckboxSelectMultiple,
                                                         choices=lambda: [(t.code, fw.localized(t, _lang())) for t in fw.accessibility_facilities()])
    places = forms.IntegerField(label=_("places"), min_value=1, max_value=1000)

    class Meta:
        model = InternshipOffer
        fields = OFFER_FIELDS
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}), "end_date": forms.DateInput(attrs={"type": "date"}),
                   "tasks": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _language_fields(self)

    def clean(self):
        cleaned = super().clean()
        _upper_level(cleaned)
        return cleaned

    def to_input(self) -> OfferInput:
        return _typed(self, OfferInput)


class CallForm(HardenedForm, forms.ModelForm):
    mobility_type = forms.ChoiceField(label=_("mobility type"), choices=lambda: [(t.code, fw.localized(t, _lang())) for t in fw.mobility_types()])
    max_choices = forms.IntegerField(label=_("options an applicant may rank"), min_value=1, max_value=20, initial=3)
    academic_year = forms.IntegerField(label=_("academic year (starting)"), min_value=2000, max_value=2100)
    min_grade = forms.DecimalField(label=_("minimum average grade (0–100)"), min_value=0, max_value=100, required=False)

    class Meta:
        model = Call
        fields = CALL_FIELDS
        widgets = {"deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _language_fields(self)
        self.fields["deadline"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
        self.fields["lottery_seed"].help_text = _("Published with the results so that anyone can reproduce how ties were broken.")
        self.fields["lottery_seed"].required = False  # left empty, the service draws one

    def clean(self):
        cleaned = super().clean()
        _upper_level(cleaned)
        return cleaned

    def to_input(self) -> CallInput:
        return _typed(self, CallInput)


class ApplicationForm(HardenedForm, forms.ModelForm):
    year_of_study = forms.IntegerField(label=_("year of study"), min_value=1, max_value=6)
    grade = forms.DecimalField(label=_("average grade (0–100)"), min_value=0, max_value=100)

    class Meta:
        model = Application
        fields = APPLICATION_FIELDS
        widgets = {"motivation": forms.Textarea(attrs={"rows": 5})}

    def to_input(self) -> ApplicationInput:
        return _typed(self, ApplicationInput)


class ScoreForm(HardenedForm, forms.Form):
    motivation_score = forms.IntegerField(label=_("motivation score (0–100)"), min_value=0, max_value=100, required=False)
    interview_score = forms.IntegerField(label=_("interview score (0–100)"), min_value=0, max_value=100, required=False)

    def to_input(self) -> Scores:
        return _typed(self, Scores)

