from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ortaq.analytics.selectors import disclosure
from ortaq.engines import frameworks as fw
from ortaq.errors import DomainError, error_text
from ortaq.i18n import LANG_SUFFIXES, add_version_fields, content_language, versions_from_form, written_in_choices
from ortaq.inputs import DATE_MAX, DATE_MIN, ID_MAX, HardenedForm, choice, whole_number
from ortaq.lib.views import export_response, row_action

from . import selectors, services
from .models import AssessmentKind, Course, Format

COHORT_VERSIONS = {"title": 200}
TITLE_LABELS = {"title": {"kk": gettext_lazy("title in Kazakh"), "ru": gettext_lazy("title in Russian"),
                          "zh-hans": gettext_lazy("title in Chinese"), "en": gettext_lazy("title in English")}}


class CohortForm(HardenedForm, forms.Form):
    course = forms.ModelChoiceField(label=gettext_lazy("course"), queryset=Course.objects.select_related("programme"))
    title = forms.CharField(label=gettext_lazy("title"), max_length=200)
    format = forms.ChoiceField(label=gettext_lazy("format"), choices=Format.choices)
    language = forms.ChoiceField(label=gettext_lazy("language"), choices=[("ru", "Русский"), ("kk", "Қазақша"), ("zh", "中文"), ("en", "English")])
    location = forms.CharField(label=gettext_lazy("location"), required=False, max_length=200)
    start_date = forms.DateField(label=gettext_lazy("start date"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=gettext_lazy("end date"), widget=forms.DateInput(attrs={"type": "date"}))
    capacity = forms.IntegerField(label=gettext_lazy("capacity"), min_value=1, max_value=500)
    sessions = forms.CharField(label=gettext_lazy("sessions: one per line, “YYYY-MM-DD HH:MM | topic”"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                               help_text=gettext_lazy("Add the topic in other languages after it if you have them: “| ru: тема | zh-hans: 主题”."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The trainer writes the title in her language (by default the site's) and may add others (decision 0009).
        self.fields["written_in"] = forms.ChoiceField(label=gettext_lazy("written in"), choices=written_in_choices(), initial=content_language(), required=False,
                                                      help_text=gettext_lazy("The language of the text you write here. Add other languages below if you have them."))
        add_version_fields(self, COHORT_VERSIONS, TITLE_LABELS)
        self.order_fields(["course", "written_in", "title", *(f"title_{s}" for s in LANG_SUFFIXES)])

    def clean(self):
        cleaned = super().clean()
        cleaned["written_in"] = cleaned.get("written_in") or content_language()
        cleaned["translations"] = versions_from_form(cleaned, COHORT_VERSIONS, written_in=cleaned["written_in"])
        for suffix in LANG_SUFFIXES:  # the versions travel in `translations`; cleaned_data is the service's arguments
            cleaned.pop(f"title_{suffix}", None)
        return cleaned

    def clean_sessions(self):
        rows = []
        for number, line in enumerate(self.cleaned_data["sessions"].splitlines(), start=1):
            if not line.strip():
                continue
            when, _sep, rest = line.partition("|")
            topic, versions = _topic_versions(rest)
            try:
                starts = timezone.make_aware(dt.datetime.strptime(when.strip(), "%Y-%m-%d %H:%M"))
            except ValueError:
                raise forms.ValidationError(_("Line %(n)d: write the date as YYYY-MM-DD HH:MM.") % {"n": number})
            if not DATE_MIN <= starts.date() <= DATE_MAX:  # year 1 would overflow when stored in UTC
                raise forms.ValidationError(_("Line %(n)d: write the date as YYYY-MM-DD HH:MM.") % {"n": number})
            rows.append((starts, topic.strip() or _("Session %(n)d") % {"n": number}, versions))
        return rows


_VERSION_SEGMENT = re.compile(r"^\s*(kk|ru|zh|zh-hans|en)\s*:\s*(.*)$", re.IGNORECASE)


def _topic_versions(rest: str) -> tuple[str, dict[str, dict[str, str]]]:
    """“topic | ru: тема | zh-hans: 主题” -> the topic and its other versions; a `|` that starts no language
    version stays part of the topic, as it always did."""
    topic: list[str] = []
    versions: dict[str, dict[str, str]] = {}
    for segment in rest.split("|"):
        found = _VERSION_SEGMENT.match(segment) if topic else None
        if found and found.group(2).strip():
            versions[content_language(found.group(1))] = {"topic": found.group(2).strip()}
        else:
            topic.append(segment)
    return "|".join(topic).strip(), versions


@login_required
def cohort_list(request):
    cohorts = selectors.cohorts_visible_to(actor=request.user)
    return render(request, "training/list.html", {"cohorts": cohorts, "may_create": services.may_create_cohorts(request.user),
                                                  "may_see_reports": selectors.may_see_reports(actor=request.user), "nav_section": "training"})


@login_required
def cohort_create(request):
    if not services.may_create_cohorts(request.user):
        raise PermissionDenied
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Cohort created. Colleges can now nominate their managers."))
            return redirect("training:cohort", cohort.pk)
    status = 422 if request.method == "POST" else 200  # every successful POST has redirected above
    return render(request, "training/cohort_form.html", {"form": form, "nav_section": "training"}, status=status)


def _get(request, pk: int):
    cohort = selectors.cohort_get(actor=request.user, pk=pk)
    if cohort is None:
        raise Http404
    return cohort


@login_required
def cohort_detail(request, pk: int):
    page = selectors.cohort_page(actor=request.user, cohort=_get(request, pk))
    return render(request, "training/cohort.html", {**page, "frameworks": fw.competency_frameworks(), "kinds": AssessmentKind.choices, "nav_section": "training"})


# Actions on one cohort the actor sees; a refused one is shown on the cohort's page.
_cohort_post = row_action(get=_get, page=cohort_detail, route="training:cohort")


def _row(queryset, request, name: str):
    """A row of this cohort named by the form (an enrolment, a session, a manager one may nominate): 404 for any other."""
    row = queryset.filter(pk=whole_number(request.POST.get(name), name=name, minimum=1, maximum=ID_MAX)).first()
    if row is None:
        raise Http404
    return row


@_cohort_post
def nominate(request, cohort):
    services.nominate(actor=request.user, cohort=cohort, manager=_row(selectors.managers_of(actor=request.user), request, "manager"))
    return _("Nominated.")


@_cohort_post
def enrol(request, cohort):
    services.enrolment_decide(actor=request.user, enrolment=_row(cohort.enrolments, request, "enrolment"), enrol=True)
    return _("Saved.")


@_cohort_post
def decline(request, cohort):
    services.enrolment_decide(actor=request.user, enrolment=_row(cohort.enrolments, request, "enrolment"), enrol=False)
    return _("Saved.")


@_cohort_post
def assess(request, cohort):
    enrolment = _row(cohort.enrolments, request, "enrolment")
    scores = {c["code"]: request.POST.get(f"score-{c['code']}") for c in cohort.rubric}
    services.assessment_record(actor=request.user, enrolment=enrolment, kind=request.POST.get("kind", ""), title=request.POST.get("title", ""), scores=scores)
    return _("Saved.")


@_cohort_post
def complete(request, cohort):
    services.completion_decide(actor=request.user, enrolment=_row(cohort.enrolments, request, "enrolment"))
    return _("Saved.")


@_cohort_post
def attendance(request, cohort):
    session = _row(cohort.sessions, request, "session")
    enrolled = [str(pk) for pk in cohort.enrolments.filter(state="enrolled").values_list("pk", flat=True)]
    # Each box ticked names an enrolled participant; anything else refuses the whole list.
    present = {int(choice(v, enrolled, name="present")) for v in request.POST.getlist("present")}
    services.attendance_list_record(actor=request.user, session=session, present_ids=present)
    return _("Attendance saved.")


@_cohort_post
def feedback(request, cohort):
    services.feedback_add(actor=request.user, session=_row(cohort.sessions, request, "session"), text=request.POST.get("text", ""))
    return _("Thank you for your feedback.")


@_cohort_post
def set_state(request, cohort):
    services.cohort_set_state(actor=request.user, cohort=cohort, state=request.POST.get("state", ""))
    return _("Saved.")


@login_required
def self_assessment(request, pk: int, phase: str, framework: str):
    cohort = _get(request, pk)
    enrolment, spec = cohort.enrolments.filter(manager=request.user).first(), fw.competency_framework(framework)
    if enrolment is None or spec is None:
        raise Http404
    if request.method == "POST" and _self_assessment_saved(request, enrolment, phase=phase, framework=framework, spec=spec):
        return redirect("training:cohort", cohort.pk)
    return render(request, "training/self_assessment.html", {"cohort": cohort, "spec": spec, "phase": phase, "nav_section": "training",
                                                             "ratings": selectors.self_assessment_ratings(enrolment, phase=phase, framework=framework)},
                  status=422 if request.method == "POST" else 200)  # every successful POST has redirected above


def _self_assessment_saved(request, enrolment, *, phase: str, framework: str, spec) -> bool:
    """Submits the ratings the form sent, one per element of the framework; False (with the reason shown) when refused."""
    try:
        services.self_assessment_submit(actor=request.user, enrolment=enrolment, phase=phase, framework=framework,
                                        ratings={e.code: request.POST.get(e.code, "") for e in spec.elements})
    except DomainError as error:
        messages.error(request, error_text(error))
        return False
    messages.success(request, _("Your self-assessment is saved."))
    return True


def _cells(*values) -> list:
    """Withheld figures (None) are blank cells in an export; the row's note says why."""
    return ["" if v is None else v for v in values]


def _withheld_note(withheld: bool) -> str:
    return _("withheld: fewer than %(threshold)d people") % {"threshold": disclosure.THRESHOLD} if withheld else ""


@login_required
def cohort_report_export(request, pk: int, fmt: str):
    cohort = _get(request, pk)
    if not selectors.may_see_reports(actor=request.user, cohort=cohort):
        raise PermissionDenied
    report = selectors.cohort_report(actor=request.user, cohort=cohort)
    header = ["colleges", "framework", "area", "participants", "mean_before", "mean_after", "growth", "scale_max", "note"]
    rows = []
    for part in report["parts"]:
        for a in part["areas"]:
            rows.append([part["key"], a["framework"].code, a["element"].code, *_cells(a["n"], a["before"], a["after"], a["growth"]), a["max"],
                         _withheld_note(bool(a["withheld"]))])
        rate = "" if part["completion_rate"] is None else f'{part["completion_rate"]}%'
        rows.append([part["key"], "enrolment", "nominated/enrolled/completed", *_cells(part["nominated"], part["enrolled"], part["completed"]), rate, "",
                     _withheld_note(part["counts_withheld"])])
    return export_response(fmt, f"cohort-{cohort.pk}-report", header, rows)


@login_required
def catalogue(request):
    # The catalogue row is a cohort's public description; its page (participants, sessions) opens only to those
    # who take part in it or answer for it, so only those cohorts are links.
    return render(request, "training/catalogue.html", {"programmes": selectors.catalogue(), "openable": selectors.cohort_ids_visible_to(actor=request.user),
                                                       "nav_section": "training"})


@login_required
def institution_report(request):
    if not selectors.may_see_reports(actor=request.user):
        raise PermissionDenied
    rows = selectors.institution_report(actor=request.user)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        header = ["institution", "nominated", "enrolled", "completed", "completion_rate", "mean_growth", "note"]
        return export_response(fmt, "training-by-institution", header, [
            [r["institution"].name_latin, *_cells(r["nominated"], r["enrolled"], r["completed"], r["completion_rate"], r["mean_growth"]), _withheld_note(r["withheld"])]
            for r in rows])
    return render(request, "training/report.html", {"rows": rows, "threshold": disclosure.THRESHOLD, "withheld": any(r["withheld"] for r in rows),
                                                    "nav_section": "training"})
