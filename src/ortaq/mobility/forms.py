from __future__ import annotations

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw
from ortaq.i18n import add_version_fields, content_language, versions_from_form, written_in_choices
from ortaq.inputs import TEXT_MAX, HardenedForm

from .models import Application, Call, InternshipOffer
from .types import ApplicationInput, CallInput, OfferInput, Scores

OFFER_FIELDS = ["written_in", "title", "tasks", "city", "start_date", "end_date", "places", "isced_code", "language", "language_framework",
                "language_min_level", "accessibility_facilities"]
CALL_FIELDS = ["written_in", "title", "mobility_type", "academic_year", "deadline", "max_choices", "min_year_of_study", "min_grade", "language",
               "language_framework", "language_min_level", "ranking_rule", "weight_grade", "weight_language", "weight_motivation",
               "weight_interview", "lottery_seed", "acceptance_days"]
APPLICATION_FIELDS = ["programme", "year_of_study", "grade", "motivation", "share_accessibility_needs"]


def _lang() -> str:
    return translation.get_language() or "en"


def _language_fields(form) -> None:
    form.fields["language"] = forms.ChoiceField(label=_("language"), required=False, choices=[("", "—")] + [(t.code, fw.localized(t, _lang())) for t in fw.languages()])
    form.fields["language_framework"] = forms.ChoiceField(label=_("language framework"), required=False, choices=[("", "—")] + [(t.code, fw.localized(t, _lang())) for t in fw.language_frameworks()])


# Labels of the other-language versions a writer may add beside her own text (decision 0009).
VERSION_LABELS = {
    "title": {"kk": _("title in Kazakh"), "ru": _("title in Russian"), "zh-hans": _("title in Chinese"), "en": _("title in English")},
    "tasks": {"kk": _("tasks in Kazakh"), "ru": _("tasks in Russian"), "zh-hans": _("tasks in Chinese"), "en": _("tasks in English")},
}
OFFER_VERSIONS = {"title": 200, "tasks": TEXT_MAX}
CALL_VERSIONS = {"title": 200}


def _written_in_field(form) -> None:
    """The language the author writes in: the one she uses the site in, unless she says otherwise."""
    form.fields["written_in"] = forms.ChoiceField(label=_("written in"), choices=written_in_choices(), required=False,
                                                  initial=getattr(form.instance, "written_in", "") if form.instance.pk else content_language(),
                                                  help_text=_("The language of the text you write here. Add other languages below if you have them."))


def _versions_after_originals(form, names: tuple[str, ...]) -> None:
    """Each text's other-language versions right after it, with the language it is written in first."""
    order = ["written_in"]
    for name in names:
        order += [name, *(f for f in form.fields if f.startswith(f"{name}_") and f.rsplit("_", 1)[1] in ("kk", "ru", "zh", "en"))]
    form.order_fields(order)


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
        _written_in_field(self)
        add_version_fields(self, OFFER_VERSIONS, VERSION_LABELS, textareas=("tasks",))
        _versions_after_originals(self, ("title", "tasks"))

    def clean(self):
        cleaned = super().clean()
        _upper_level(cleaned)
        cleaned["written_in"] = cleaned.get("written_in") or content_language()
        cleaned["translations"] = versions_from_form(cleaned, OFFER_VERSIONS, written_in=cleaned["written_in"])
        return cleaned

    def to_input(self) -> OfferInput:
        return _typed(self, OfferInput)


class CallForm(HardenedForm, forms.ModelForm):
    mobility_type = forms.ChoiceField(label=_("mobility type"), choices=lambda: [(t.code, fw.localized(t, _lang())) for t in fw.mobility_types()])
    max_choices = forms.IntegerField(label=_("options an applicant may rank"), min_value=1, max_value=20, initial=3)
    academic_year = forms.IntegerField(label=_("academic year (starting)"), min_value=2000, max_value=2100)
    min_grade = forms.DecimalField(label=_("minimum average grade (0–100)"), min_value=0, max_value=100, required=False)
    acceptance_days = forms.IntegerField(label=_("days to accept a placement"), min_value=1, max_value=60, initial=7, required=False,
                                         help_text=_("Placed applicants accept or decline within this many days of the results."))

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
        _written_in_field(self)
        add_version_fields(self, CALL_VERSIONS, VERSION_LABELS)
        _versions_after_originals(self, ("title",))

    def clean(self):
        cleaned = super().clean()
        _upper_level(cleaned)
        cleaned["written_in"] = cleaned.get("written_in") or content_language()
        cleaned["translations"] = versions_from_form(cleaned, CALL_VERSIONS, written_in=cleaned["written_in"])
        if cleaned.get("acceptance_days") is None and "acceptance_days" not in self.errors:
            cleaned["acceptance_days"] = 7  # left empty: the call's default
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



def _module_label(module) -> str:
    return f"{module.code} {module.title} ({module.credits} {_('credits')})"


class ComponentsForm(HardenedForm, forms.Form):
    """The agreement's components picked, not typed: modules of the host's programmes (what is studied abroad), each
    recognised as a module of the learner's home programme, with outcomes of that home module; plus one free row for
    a component no programme lists. Only the programmes of this agreement are choices, so another programme's module
    is refused here; `components()` builds the rows the services take (they check every value again)."""

    other_code = forms.CharField(label=_("code"), required=False, max_length=40)
    other_title = forms.CharField(label=_("component not in a programme"), required=False, max_length=300)
    other_credits = forms.DecimalField(label=_("credits"), required=False, min_value=0, max_value=60, decimal_places=1, max_digits=4)

    def __init__(self, *args, host_programmes, home_programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.host = {m.pk: m for p in host_programmes for m in p.modules.all()}
        self.home = {m.pk: m for p in home_programmes for m in p.modules.all()}
        self.home_outcomes = {o.pk: o for m in self.home.values() for o in m.outcomes.all()}
        self.fields["modules"] = forms.TypedMultipleChoiceField(label=_("modules at the host"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
                                                                choices=[(p.title, [(m.pk, _module_label(m)) for m in p.modules.all()]) for p in host_programmes])
        home_choices = [("", "—")] + [(p.title, [(m.pk, _module_label(m)) for m in p.modules.all()]) for p in home_programmes]
        for key in [*self.host, "other"]:
            self.fields[f"recognised_as_{key}"] = forms.TypedChoiceField(label=_("recognised at home as"), required=False, coerce=int, empty_value=None, choices=home_choices)
        self.fields["outcomes"] = forms.TypedMultipleChoiceField(label=_("learning outcomes"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
                                                                 choices=[(m.title, [(o.pk, f"{o.code} {o.text}") for o in m.outcomes.all()]) for m in self.home.values()])

    def rows(self):
        """Each host module, whether it is chosen, and its recognised-as field (for the template)."""
        chosen = {str(v) for v in self["modules"].value() or []}
        return [(m, str(pk) in chosen, self[f"recognised_as_{pk}"]) for pk, m in self.host.items()]

    def start_from(self, components) -> None:
        """Pre-select what the agreement holds: the host modules by code, the home module by the recognition text
        this form writes, the outcomes linked (a component typed before the picker existed is left unselected)."""
        by_code = {m.code: pk for pk, m in self.host.items()}
        homes = {f"{m.code} {m.title}": pk for pk, m in self.home.items()}
        self.initial["modules"] = [by_code[c.code] for c in components if c.code in by_code]
        for c in components:
            if c.code in by_code and c.recognition in homes:
                self.initial[f"recognised_as_{by_code[c.code]}"] = homes[c.recognition]
        self.initial["outcomes"] = [o.pk for c in components for o in c.outcomes.all() if o.pk in self.home_outcomes]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("other_title") and cleaned.get("other_credits") is None:
            self.add_error("other_credits", _("Give the credits of the component."))
        chosen = set(cleaned.get("modules") or [])
        recognised = {cleaned.get(f"recognised_as_{k}") for k in chosen} | ({cleaned.get("recognised_as_other")} if cleaned.get("other_title") else set())
        stray = [o for o in cleaned.get("outcomes") or [] if self.home_outcomes[o].module_id not in recognised]
        if stray:
            self.add_error("outcomes", _("Choose outcomes only of the home modules the chosen components are recognised as."))
        if not chosen and not cleaned.get("other_title"):
            raise forms.ValidationError(_("Choose at least one module or describe another component."))
        return cleaned

    def _row(self, *, code, title, credits, home_id) -> dict:
        home = self.home.get(home_id)
        outcomes = [o for o in self.cleaned_data["outcomes"] if home and self.home_outcomes[o].module_id == home.pk]
        return {"code": code, "title": title, "credits": credits, "hours": 0, "recognition": f"{home.code} {home.title}" if home else "", "outcomes": outcomes}

    def components(self) -> list[dict]:
        """The typed component records the services take (the form is valid)."""
        data = self.cleaned_data
        rows = [self._row(code=self.host[pk].code, title=self.host[pk].title, credits=self.host[pk].credits, home_id=data[f"recognised_as_{pk}"])
                for pk in data["modules"]]
        if data.get("other_title"):
            rows.append(self._row(code=data.get("other_code") or "", title=data["other_title"], credits=data["other_credits"], home_id=data.get("recognised_as_other")))
        return rows


def components_form(agreement, data=None) -> ComponentsForm:
    """The picker of an agreement: the host institution's programmes, and the learner's programme (or, when the
    application names none, those the sending institution awards — the outcomes `during.allowed_outcome_ids` allows)."""
    from ortaq.programmes.selectors import programmes_awarded_by

    application = agreement.nomination.application
    home = [application.programme_id] if application.programme_id else None
    home_qs = programmes_awarded_by(institutions=None).filter(pk__in=home) if home else programmes_awarded_by(institutions=[application.call.owner_id])
    host_qs = programmes_awarded_by(institutions=[agreement.nomination.host_id])
    form = ComponentsForm(data, host_programmes=list(host_qs.prefetch_related("modules__programme")), home_programmes=list(home_qs.prefetch_related("modules__outcomes")))
    if data is None:
        form.start_from(agreement.components.prefetch_related("outcomes"))
    return form


def posted_components(agreement, data) -> list[dict]:
    """The components a posted picker names, or ValidationFailed with the form's errors (nothing is written)."""
    from ortaq.errors import ValidationFailed

    form = components_form(agreement, data)
    if not form.is_valid():
        raise ValidationFailed({name: [str(m) for m in messages] for name, messages in form.errors.items()})
    return form.components()


COMPONENT_ROW_FIELDS = ("code", "title", "credits", "hours", "recognition")
COMPONENT_ROWS_MAX = 100


def posted_component_rows(data) -> list[dict]:
    """The component rows of the host's change form (`code_<i>`, `title_<i>`, `credits_<i>`, `hours_<i>`,
    `recognition_<i>`, the checkboxes `outcomes_<i>`), as the services take them; wholly empty rows are left out. The
    values are checked by the service (during._clean_components), as for the home's change form."""
    rows = []
    for i in range(COMPONENT_ROWS_MAX):
        if f"title_{i}" not in data:
            break
        row: dict = {name: data.get(f"{name}_{i}", "").strip() for name in COMPONENT_ROW_FIELDS}
        row["outcomes"] = data.getlist(f"outcomes_{i}")
        if any(row.values()):
            rows.append(row)
    return rows
