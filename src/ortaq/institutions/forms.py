"""Validation of institution input, shared by the web form, the API and the CSV/XLSX import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw
from ortaq.inputs import HardenedForm
from ortaq.names import latin_form
from ortaq.validators import validate_bin, validate_schac_domain, validate_uscc

from .models import Contact, Institution
from .rules import registration_problems
from .types import EDITABLE_FIELDS, ContactDetails, InstitutionDetails


def edit_data(institution: Institution, changes: dict) -> dict:
    """An edit's input over the institution's current profile: a PATCH, or a form post that leaves fields out,
    changes only what it names."""
    return {**{f: getattr(institution, f) for f in EDITABLE_FIELDS}, **changes}


def country_choices():
    return [("", "—")] + [(t.code, fw.localized(t, _lang())) for t in fw.countries()]


def facility_choices():
    return [(t.code, fw.localized(t, _lang())) for t in fw.accessibility_facilities()]


def _lang() -> str:
    from django.utils import translation

    return translation.get_language() or "en"


class InstitutionForm(HardenedForm, forms.ModelForm):
    country = forms.ChoiceField(label=_("country"), choices=country_choices)
    accessibility_facilities = forms.MultipleChoiceField(
        label=_("accessibility facilities"), choices=facility_choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Institution
        fields = EDITABLE_FIELDS
        help_texts = {
            "name_latin": _("Leave empty to have it suggested from the original name."),
            "kz_bin": _("12 digits, for institutions registered in Kazakhstan."),
            "cn_uscc": _("18 characters, for institutions registered in China."),
            "schac": _("The institution's internet domain, such as college.edu.kz."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name_latin"].required = False  # suggested from the original name when left empty

    def clean_kz_bin(self):
        value = self.cleaned_data["kz_bin"].strip()
        if value:
            validate_bin(value)
        return value

    def clean_cn_uscc(self):
        value = self.cleaned_data["cn_uscc"].strip().upper()
        if value:
            validate_uscc(value)
        return value

    def clean_schac(self):
        value = self.cleaned_data["schac"].strip().lower()
        if value:
            validate_schac_domain(value)
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("name_original") and not cleaned.get("name_latin"):
            cleaned["name_latin"] = latin_form(cleaned["name_original"])
        for field, message in registration_problems(
            country=cleaned.get("country"), kz_bin=cleaned.get("kz_bin") or "", cn_uscc=cleaned.get("cn_uscc") or ""
        ):
            self.add_error(field, message)
        return cleaned

    def details(self) -> InstitutionDetails:
        """The validated input as the services take it (call after is_valid())."""
        values = {f: self.cleaned_data[f] for f in EDITABLE_FIELDS}
        return InstitutionDetails(**values | {"accessibility_facilities": tuple(values["accessibility_facilities"])})


CONTACT_FIELDS = ["name", "name_latin", "position", "email", "phone"]


class ContactForm(HardenedForm, forms.ModelForm):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("name") and not cleaned.get("name_latin"):
            cleaned["name_latin"] = latin_form(cleaned["name"], person=True)
        return cleaned

    def details(self) -> ContactDetails:
        """The validated input as the services take it (call after is_valid())."""
        return ContactDetails(**{f: self.cleaned_data[f] for f in CONTACT_FIELDS})


class ImportForm(HardenedForm, forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
