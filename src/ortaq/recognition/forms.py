from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ortaq.agreements.selectors import agreements_in_force
from ortaq.errors import ValidationFailed
from ortaq.inputs import TEXT_MAX, HardenedForm, plain_text

from .types import ConversionHours, PastedOutcome

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


class OutcomesPasteForm:
    """The confirmed lines of a paste: `text` and `lang` repeated, one pair a line, as the preview posts them."""

    LANGUAGES = (("kk", _("Kazakh")), ("ru", _("Russian")), ("zh", _("Chinese")), ("en", _("English")))
    MAX_LINES = 200

    PASTE_MAX = 50_000  # characters: 200 outcomes of a long sentence each

    @classmethod
    def pasted(cls, post) -> str:
        """The pasted text, checked (no control characters, not empty, at most MAX_LINES lines)."""
        text = plain_text(post.get("lines"), name="lines", max_length=cls.PASTE_MAX, required_message=_("Paste at least one outcome, one a line."))
        if len([line for line in text.splitlines() if line.strip()]) > cls.MAX_LINES:
            raise ValidationFailed({"lines": [str(_("Paste at most %(n)d outcomes at a time.") % {"n": cls.MAX_LINES})]})
        return text

    @classmethod
    def confirmed(cls, post) -> list[PastedOutcome]:
        texts, langs = post.getlist("text"), post.getlist("lang")
        if len(texts) != len(langs) or len(texts) > cls.MAX_LINES:
            raise ValidationFailed({"lines": [str(_("Paste at most %(n)d outcomes at a time.") % {"n": cls.MAX_LINES})]})
        codes = {code for code, _label in cls.LANGUAGES}
        out = []
        for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
            if lang not in codes:
                raise ValidationFailed({f"lang_{i}": [str(_("Choose kk, ru, zh or en."))]})
            text = plain_text(text, name=f"text_{i}", max_length=TEXT_MAX)
            if text.strip():
                out.append(PastedOutcome(text=text.strip(), lang=lang))
        return out
