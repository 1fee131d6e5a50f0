from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role
from ortaq.analytics.selectors import disclosure
from ortaq.engines import frameworks as fw
from ortaq.errors import DomainError, error_text
from ortaq.inputs import DATE_MAX, DATE_MIN, ID_MAX, HardenedForm, choice, refused, whole_number
from ortaq.lib.views import export_response

from . import selectors, services
from .models import AssessmentKind, Course, Format


class CohortForm(HardenedForm, forms.Form):
    course = forms.ModelChoiceField(label=gettext_lazy("course"), queryset=Course.objects.select_related("programme"))
    title = forms.CharField(label=gettext_lazy("title"), max_length=200)
    format = forms.ChoiceField(label=gettext_lazy("format"), choices=Format.choices)
    language = forms.ChoiceField(label=gettext_lazy("language"), choices=[("ru", "Русский"), ("kk", "Қазақша"), ("zh", "中文"), ("en", "English")])
    location = forms.CharField(label=gettext_lazy("location"), required=False, max_length=200)
    start_date = forms.DateField(label=gettext_lazy("start date"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=gettext_lazy("end date"), widget=forms.DateInput(attrs={"type": "date"}))
    capacity = forms.IntegerField(label=gettext_lazy("capacity"), min_value=1, max_value=500)
    sessions = forms.CharField(label=gettext_lazy("sessions: one per line, “YYYY-MM-DD HH:MM | topic”"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def clean_sessions(self):
        rows = []
        for number, line in enumerate(self.cleaned_data["sessions"].splitlines(), start=1):
            if not line.strip():
                continue
            when, _sep, topic = line.partition("|")
            try:
                starts = timezone.make_aware(dt.datetime.strptime(when.strip(), "%Y-%m-%d %H:%M"))
            except ValueError:
                raise forms.ValidationError(_("Line %(n)d: write the date as YYYY-MM-DD HH:MM.") % {"n": number})
            if not DATE_MIN <= starts.date() <= DATE_MAX:  # year 1 would overflow when stored in UTC
                raise forms.ValidationError(_("Line %(n)d: write the date as YYYY-MM-DD HH:MM.") % {"n": number})
            rows.append((starts, topic.strip() or _("Session %(n)d") % {"n": number}))
        return rows


@login_required
def cohort_list(request):
    access = access_for(request.user)
    cohorts = selectors.cohorts_visible_to(actor=request.user)
    return render(request, "training/list.html", {"cohorts": cohorts, "may_create": access.is_admin or bool(access.institutions_with({Role.TRAINER})),
                                                  "nav_section": "training"})


@login_required
def cohort_create(request):
    access = access_for(request.user)
    if not (access.is_admin or access.institutions_with({Role.TRAINER})):
        raise PermissionDenied
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cohort = services.cohort_create(actor=request.user, course=data["course"], title=data["title"], start_date=data["start_date"],
                                            end_date=data["end_date"], capacity=data["capacity"], language=data["language"], format=data["format"],
                                            location=data["location"], sessions=data["sessions"])
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
    cohort = _get(request, pk)
    access = access_for(request.user)
    trainer = services.is_trainer(request.user, cohort)
    enrolments = list(selectors.enrolments_visible(actor=request.user, cohort=cohort).prefetch_related("attendance", "assessments", "self_assessments"))
    mine = next((e for e in enrolments if e.manager_id == request.user.pk), None)
    for enrolment in enrolments:
        enrolment.completion = services.completion_status(enrolment)
        enrolment.present = {a.session_id for a in enrolment.attendance.all() if a.present}
    return render(request, "training/cohort.html", {
        "cohort": cohort, "trainer": trainer, "enrolments": enrolments, "mine": mine,
        "growth": selectors.growth(mine) if mine else [], "frameworks": fw.competency_frameworks(),
        "done_before": {s.framework for s in mine.self_assessments.all() if s.phase == "before"} if mine else set(),
        "report": selectors.cohort_report(actor=request.user, cohort=cohort) if selectors.may_see_reports(actor=request.user, cohort=cohort) else None,
        "managers": selectors.managers_of(actor=request.user) if access.manages else [],
        "sessions": selectors.sessions_with_feedback(actor=request.user, cohort=cohort), "kinds": AssessmentKind.choices, "nav_section": "training",
    })


@login_required
def cohort_action(request, pk: int, action: str):
    if request.method != "POST":
        raise Http404
    cohort = _get(request, pk)
    post = request.POST

    def row_id(name: str) -> int:
        return whole_number(post.get(name), name=name, minimum=1, maximum=ID_MAX)

    try:
        if action == "nominate":
            manager = selectors.managers_of(actor=request.user).filter(pk=row_id("manager")).first()
            if manager is None:
                raise Http404
            services.nominate(actor=request.user, cohort=cohort, manager=manager)
            messages.success(request, _("Nominated."))
        elif action in ("enrol", "decline", "assess", "complete"):
            enrolment = cohort.enrolments.filter(pk=row_id("enrolment")).first()
            if enrolment is None:
                raise Http404
            if action in ("enrol", "decline"):
                services.enrolment_decide(actor=request.user, enrolment=enrolment, enrol=action == "enrol")
            elif action == "assess":
                scores = {c["code"]: post.get(f"score-{c['code']}") for c in cohort.rubric}
                services.assessment_record(actor=request.user, enrolment=enrolment, kind=post.get("kind", ""), title=post.get("title", ""), scores=scores)
            else:
                services.completion_decide(actor=request.user, enrolment=enrolment)
            messages.success(request, _("Saved."))
        elif action == "attendance":
            session = cohort.sessions.filter(pk=row_id("session")).first()
            if session is None:
                raise Http404
            enrolled = list(cohort.enrolments.filter(state="enrolled"))
            # Each box ticked names an enrolled participant; anything else refuses the whole list.
            present = {choice(v, [str(e.pk) for e in enrolled], name="present") for v in post.getlist("present")}
            with transaction.atomic():
                for enrolment in enrolled:
                    services.attendance_record(actor=request.user, session=session, enrolment=enrolment, present=str(enrolment.pk) in present)
            messages.success(request, _("Attendance saved."))
        elif action == "feedback":
            session = cohort.sessions.filter(pk=row_id("session")).first()
            if session is None:
                raise Http404
            services.feedback_add(actor=request.user, session=session, text=post.get("text", ""))
            messages.success(request, _("Thank you for your feedback."))
        elif action == "state":
            services.cohort_set_state(actor=request.user, cohort=cohort, state=post.get("state", ""))
            messages.success(request, _("Saved."))
        else:
            raise Http404
    except DomainError as error:
        return refused(request, error, cohort_detail, pk)
    return redirect("training:cohort", cohort.pk)


@login_required
def self_assessment(request, pk: int, phase: str, framework: str):
    cohort = _get(request, pk)
    enrolment = cohort.enrolments.filter(manager=request.user).first()
    spec = fw.competency_framework(framework)
    if enrolment is None or spec is None:
        raise Http404
    existing = enrolment.self_assessments.filter(phase=phase, framework=framework).first()
    if request.method == "POST":
        try:
            services.self_assessment_submit(actor=request.user, enrolment=enrolment, phase=phase, framework=framework,
                                            ratings={e.code: request.POST.get(e.code, "") for e in spec.elements})
        except DomainError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Your self-assessment is saved."))
            return redirect("training:cohort", cohort.pk)
    status = 422 if request.method == "POST" else 200  # every successful POST has redirected above
    return render(request, "training/self_assessment.html", {"cohort": cohort, "spec": spec, "phase": phase,
                                                             "ratings": existing.ratings if existing else {}, "nav_section": "training"}, status=status)


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
    return render(request, "training/catalogue.html", {"programmes": selectors.catalogue(), "nav_section": "training"})


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
