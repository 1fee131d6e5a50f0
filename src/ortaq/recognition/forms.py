from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ortaq.agreements.selectors import agreements_in_force
from ortaq.inputs import HardenedForm

from .types import ConversionHours

HOURS_MESSAGE = _("Hours per credit must be between 1 and 60.")


def _hours(label) -> forms.IntegerField:
    field = forms.IntegerField(label=label, min_value=1, max_value=60)
    field.error_messages |= {"invalid": HOURS_MESSAGE, "min_value": HOURS_MESSAGE, "max_value": HOURS_MESSAGE, "required": HOURS_MESSAGE}
    return field


class ConversionRuleForm(HardenedForm, forms.Form):
    """A new version of the default rule (no agreement) or of an agreement in force's own rule."""

    agreement = forms.ModelChoiceField(label=_("Agreement"), queryset=agreements_in_force(), required=False)
    hours_per_kz_credit = _hours(_("Hours per Kazakh credit"))
    hours_per_cn_credit = _hours(_("Hours per Chinese credit"))
    hours_per_ects = _hours(_("Hours per ECTS/ECVET point"))

    def to_input(self) -> ConversionHours:
        return ConversionHours(**{f: self.cleaned_data[f] for f in ConversionHours.__dataclass_fields__})
