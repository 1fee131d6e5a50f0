from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ortaq.accounts.selectors import access_for
from ortaq.agreements.selectors import condition_rows
from ortaq.errors import DomainError, ValidationFailed, valid_or_raise
from ortaq.inputs import HardenedForm, choice, plain_text, query_text, refused, whole_number
from ortaq.institutions.selectors import institution_rows
from ortaq.lib.views import apply_errors, export_response, paginate
from ortaq.programmes.selectors import programmes_awarded_by

from . import eligibility, remote_services, round_services, selectors, services
from .forms import ApplicationForm, CallForm, OfferForm, ScoreForm
from .models import InternshipOffer, PlacementRound

REASONS = {
    "below_cutoff": gettext_lazy("Other applicants ranked higher took all its places (your position there: %(rank)s)."),
    "not_acceptable": gettext_lazy("The host did not rank you for this option."),
    "no_capacity": gettext_lazy("This option had no places."),
    "not_eligible": gettext_lazy("You did not meet its requirements."),
}


class HostForm(HardenedForm, forms.Form):
    host = forms.ModelChoiceField(label=gettext_lazy("host institution"), queryset=institution_rows().none())

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        access = access_for(actor)
        ids = access.institutions_with(services.HOST_ROLES)
        self.fields["host"].queryset = institution_rows(ids=None if access.is_admin else ids)
        if len(ids) == 1 and not access.is_admin:  # most people act for one institution: choose it for them
            self.fields["host"].initial = next(iter(ids))


class OwnerForm(HardenedForm, forms.Form):
    owner = forms.ModelChoiceField(label=gettext_lazy("sending institution"), queryset=institution_rows().none())
    programmes = forms.ModelMultipleChoiceField(label=gettext_lazy("eligible programmes (none: any)"), queryset=programmes_awarded_by(), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        access = access_for(actor)
        self.fields["owner"].queryset = institution_rows(ids=None if access.is_admin else access.manages)
        if not access.is_admin:  # the call's service checks that the chosen owner awards each one
            self.fields["programmes"].queryset = programmes_awarded_by(institutions=access.manages)
        if len(access.manages) == 1 and not access.is_admin:
            self.fields["owner"].initial = next(iter(access.manages))


@login_required
def mobility_home(request):
    access = access_for(request.user)
    return render(request, "mobility/home.html", {
        **paginate(request, selectors.calls_visible_to(actor=request.user)),
        "may_open_calls": access.is_admin or bool(access.manages),
        "is_host": bool(access.institutions_with(services.HOST_ROLES)),
        "nav_section": "mobility",
    })


@login_required
def offer_list(request):
    access = access_for(request.user)
    return render(request, "mobility/offers.html", {
        **paginate(request, selectors.offers_visible_to(actor=request.user)),
        "may_post": access.is_admin or bool(access.institutions_with(services.HOST_ROLES)), "nav_section": "mobility",
    })


def _posted_and_valid(request, *forms_) -> bool:
    """A POST whose forms are all valid; every form is checked, so that the page shows all of their errors."""
    return request.method == "POST" and all([form.is_valid() for form in forms_])


def _form_status(request) -> int:
    return 422 if request.method == "POST" else 200  # every successful POST has redirected


@login_required
def offer_create(request):
    host_form, form = HostForm(request.POST or None, actor=request.user), OfferForm(request.POST or None)
    if not host_form.fields["host"].queryset.exists():
        raise PermissionDenied
    if _posted_and_valid(request, host_form, form):
        try:
            services.offer_create(actor=request.user, host=host_form.cleaned_data["host"], offer=form.to_input(), publish=bool(request.POST.get("publish")))
        except DomainError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The offer has been saved."))
            return redirect("mobility:offers")
    return render(request, "mobility/offer_form.html", {"form": form, "host_form": host_form, "nav_section": "mobility"}, status=_form_status(request))


@login_required
@require_POST
def offer_publish(request, pk: int):
    offer = selectors.offers_visible_to(actor=request.user).filter(pk=pk).first()
    if offer is None:
        raise Http404
    try:
        services.offer_publish(actor=request.user, offer=offer)
    except DomainError as error:
        return refused(request, error, offer_list)
    messages.success(request, _("The offer is published."))
    return redirect("mobility:offers")


@login_required
def call_create(request):
    owner_form, form = OwnerForm(request.POST or None, actor=request.user), CallForm(request.POST or None)
    if not owner_form.fields["owner"].queryset.exists():
        raise PermissionDenied
    if _posted_and_valid(request, owner_form, form):
        try:
            call = services.call_create(actor=request.user, owner=owner_form.cleaned_data["owner"], call=form.to_input(),
                                        programmes=owner_form.cleaned_data["programmes"])
        except DomainError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Call saved as a draft. Add options with places, then open it."))
            return redirect("mobility:call", call.pk)
    return render(request, "mobility/call_form.html", {"form": form, "owner_form": owner_form, "nav_section": "mobility"}, status=_form_status(request))


def _get_call(request, pk: int):
    call = selectors.call_get(actor=request.user, pk=pk)
    if call is None:
        raise Http404
    return call


def _explain(outcome, names: dict[int, str], reasons: dict[str, str] | None = None) -> list[dict]:
    """An outcome's explanations in words, each naming its option's host (`names`: option id -> host name;
    `reasons`: REASONS translated once, when a page explains many outcomes)."""
    reasons = reasons or {key: str(text) for key, text in REASONS.items()}
    rows = []
    for item in outcome.explanations if outcome else []:
        text = reasons.get(item["reason"], item["reason"]) % {"rank": item.get("rank", "—")}
        rows.append({"option": item["option"], "host": names.get(item["option"], ""), "reason": item["reason"], "text": text,
                     "details": item.get("details", [])})
    return rows


def _lines(pairs, escaped: dict[str, str]) -> str:
    """Lines of "<safe prefix><text>" as one piece of HTML, each distinct text escaped once (`escaped`: shared by
    the page's rows). A page lists hundreds of such lines: a template loop or format_html per line costs more
    than the rest of the page."""
    out = []
    for prefix, text in pairs:
        safe = escaped.get(text)
        if safe is None:
            safe = escaped[text] = escape(text)
        out.append(prefix + safe)
    return mark_safe("<br>".join(out))  # noqa: S308 - every text is escaped above; prefixes are our own


def _id_param(request, name: str) -> int | None:
    """An id from the query string, or None when absent or not an id (a filter then simply does not apply)."""
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) < 19 else None


APPLICATION_FILTER_LABELS = {
    "submitted": gettext_lazy("Submitted"), "withdrawn": gettext_lazy("Withdrawn"), "placed": gettext_lazy("Placed"),
    "not_placed": gettext_lazy("Not placed"), "pending": gettext_lazy("Awaiting the host's answer"),
    "accepted": gettext_lazy("Accepted by the host"), "declined": gettext_lazy("Declined by the host"),
}


def _coordinator_context(request, call) -> dict:
    """The coordinator's part of the call page: one page of applications (filtered by status, option or
    name), each with its choices and real status, and the counts per status, at a cost that does not grow
    with the call (issue 13)."""
    rounds = list(selectors.rounds_of(call))
    status = request.GET.get("status", "")
    status = status if status in selectors.APPLICATION_FILTERS else ""
    option_id, name = _id_param(request, "option"), query_text(request.GET, "name")
    applications = paginate(request, selectors.call_applications(actor=request.user, call=call, status=status, option_id=option_id, name=name,
                                                                 rounds=rounds), per_page=25)
    page = list(applications["page"])
    details = selectors.applications_page_details(page, rounds=rounds)
    rows: list[dict[str, Any]] = []
    escaped: dict[str, str] = {}
    for application in page:
        d = details[application.pk]
        code, label = selectors.application_status(application=application, placed=(d["placed_option"] is not None) if d["in_round"] else None,
                                                   nomination=d["nomination"], agreement=d["agreement"])
        rows.append({"application": application, "status": label, "status_code": code, "placed": d["placed"],
                     "choices": _lines(((f"{rank}. ", name) for rank, name in d["choices"]), escaped)})
    facets = selectors.application_facets(call=call, rounds=rounds)
    # Places can be added only to a draft or open call; later the page shows no such form, so nothing is loaded for it.
    offer_query = query_text(request.GET, "offer_q")
    conditions, offers = selectors.options_for_call(call, offer_query=offer_query) if call.state in ("draft", "open") else ([], [])
    return {**applications, "application_rows": rows, "conditions": conditions, "offers": offers, "rounds": rounds,
            "status_filters": [(key, APPLICATION_FILTER_LABELS[key], facets[key]) for key in selectors.APPLICATION_FILTERS if key in facets],
            "status": status, "option_filter": option_id, "name_filter": name,
            "option_filter_name": selectors.option_host_names([option_id]).get(option_id) if option_id else None,
            "filtered": bool(status or option_id or name),
            "scores_open": call.state in ("open", "closed"), "offer_query": offer_query, "offers_limit": selectors.OFFERS_TO_ADD}


def _applicant_context(request, call, options) -> dict:
    """The applicant's part: her eligibility, her form while the call is open, and once a round is
    published her result with her points, rank, the cut-offs and her waiting-list positions."""
    from .round_display import standing

    application = selectors.own_application(actor=request.user, call=call, with_form=call.state == "open")
    certificates = list(request.user.language_certificates.all())
    programme_ids = set(call.eligible_programmes.values_list("pk", flat=True))
    base = eligibility.call_reasons(call, programme_id=getattr(application, "programme_id", None), year_of_study=getattr(application, "year_of_study", None),
                                    grade=getattr(application, "grade", None), certificates=certificates, eligible_programme_ids=programme_ids) if application else []
    outcome = selectors.outcome_of(application=application) if application else None
    nomination = outcome.nomination if outcome and hasattr(outcome, "nomination") else None
    agreement = getattr(nomination, "mobility_agreement", None) if nomination else None
    context: dict[str, Any] = {
        "may_apply": True, "application": application,
        "option_eligibility": [(o, eligibility.option_reasons(o, certificates)) for o in options],
        "call_reasons": base, "outcome": outcome, "nomination": nomination,
        "application_status": selectors.application_status(application=application, outcome=outcome, nomination=getattr(nomination, "state", None),
                                                            agreement=getattr(agreement, "state", None))[1],
    }
    if outcome:
        named = {e["option"] for e in outcome.explanations} | ({outcome.option_id} if outcome.option_id else set())
        names = selectors.option_host_names(named)
        cutoffs = selectors.round_cutoffs(PlacementRound(pk=outcome.round_id), named)
        context |= {"explanations": _explain(outcome, names),
                    "standing": [{**row, "host": names.get(row["option"], "")} for row in standing(outcome.explanations, cutoffs, outcome.option_id)],
                    "points": eligibility.points(call, application, certificates) if call.ranking_rule == "points" else None,
                    "conflicts": [c for c in selectors.placement_conflicts(applicant=request.user) if c["there_call"] != call.pk]
                    if outcome.option_id else []}
    if call.state == "open":
        chosen = {c.rank: c.option for c in application.choices.all()} if application else {}
        selectable = list({o.pk: o for o in [*chosen.values(), *options]}.values())
        context |= {
            "application_form": ApplicationForm(instance=application, prefix="app"),
            # every rank's <select> lists the same options: their labels are made once, not once per rank
            "selectable": [(o.pk, f"{o.host.display_name} — {o.offer.title}" if o.offer_id else o.host.display_name) for o in selectable],
            "rank_choices": [(rank, chosen[rank].pk if rank in chosen else None) for rank in range(1, call.max_choices + 1)],
        }
        if application and application.programme_id:
            from .recommendations import recommend

            context["recommendations"] = recommend(programme=application.programme, options=options)
    return context


@login_required
def call_detail(request, pk: int):
    """One page for everyone involved in a call. It stays light for national calls with tens of thousands of
    options and applications: every list is shown a page at a time (with a search), and only the
    applicant's own choices and the options named in her result are loaded besides."""
    call = _get_call(request, pk)
    manages = selectors.manages_call(actor=request.user, call=call)
    context = {"call": call, **_options_context(request, call, manages), "manages": manages, "nav_section": "mobility"}
    if manages:
        context |= _coordinator_context(request, call)
    if services.may_apply(request.user, call):
        context |= _applicant_context(request, call, context["options"])
    return render(request, "mobility/call.html", context)


def _options_context(request, call, manages: bool) -> dict:
    """The call's options, a page at a time and searchable by host or offer."""
    q = query_text(request.GET, "q")
    # 25 options a page for its coordinators, whose page lists applications too; 50 for applicants choosing among them
    option_page = paginate(request, selectors.call_options(call=call, query=q), per_page=25 if manages else 50, param="opage")
    return {"options": list(option_page["page"]), "option_page": option_page["page"], "option_query": q,
            "option_querystring": option_page["querystring_without_page"]}


@login_required
@require_POST
def call_open(request, pk: int):
    call = _get_call(request, pk)
    try:
        services.call_open(actor=request.user, call=call)
    except DomainError as error:
        return refused(request, error, call_detail, pk)
    messages.success(request, _("The call is open. Eligible people have been notified."))
    return redirect("mobility:call", call.pk)


@login_required
@require_POST
def call_close(request, pk: int):
    call = _get_call(request, pk)
    try:
        services.call_close(actor=request.user, call=call)
    except DomainError as error:
        return refused(request, error, call_detail, pk)
    messages.success(request, _("The call is closed."))
    return redirect("mobility:call", call.pk)


@login_required
@require_POST
def call_option_add(request, pk: int):
    call = _get_call(request, pk)
    try:
        condition, offer = _option_source(request.POST.get("source", ""))
        services.call_option_add(actor=request.user, call=call, condition=condition, offer=offer,
                                 places=whole_number(request.POST.get("places"), name="places", minimum=1, maximum=10_000),
                                 reserved_inclusion=whole_number(request.POST.get("reserved_inclusion") or "0", name="reserved_inclusion", minimum=0, maximum=10_000))
    except DomainError as error:
        return refused(request, error, call_detail, pk)
    messages.success(request, _("Option added."))
    return redirect("mobility:call", call.pk)


def _option_source(source: str):
    """(condition, offer) the select chose: it sends "c<id>" for a cooperation condition and "o<id>" for an
    internship offer; ValidationFailed for anything else."""
    kind, number = source[:1], source[1:]
    if kind not in ("c", "o") or not (number.isascii() and number.isdigit() and len(number) < 19):
        raise ValidationFailed({"source": [str(_("Choose either a cooperation condition or an internship offer."))]})
    condition = condition_rows(ids=[int(number)]).first() if kind == "c" else None
    offer = InternshipOffer.objects.filter(pk=number).first() if kind == "o" else None
    return condition, offer


@login_required
@require_POST
def round_request(request, pk: int):
    call = _get_call(request, pk)
    try:
        placement_round = round_services.round_request(actor=request.user, call=call)
    except DomainError as error:
        return refused(request, error, call_detail, pk)
    messages.success(request, _("The dry run has started."))
    return redirect("mobility:round", placement_round.pk)


@login_required
@require_POST
def application_save(request, pk: int):
    call = _get_call(request, pk)
    option_ids = [request.POST.get(f"rank-{i}") for i in range(1, call.max_choices + 1)]
    option_ids = [i for i in option_ids if i]
    try:
        said = valid_or_raise(ApplicationForm(request.POST, prefix="app")).to_input()
        with transaction.atomic():  # a refused document leaves the application as it was, not half saved
            application = services.application_save(actor=request.user, call=call, application=said, option_ids=option_ids, submit=bool(request.POST.get("submit")))
            upload = request.FILES.get("document")
            if upload:
                services.document_add(actor=request.user, application=application, upload=upload)
    except DomainError as error:
        return refused(request, error, call_detail, pk)
    messages.success(request, _("Your application has been submitted.") if request.POST.get("submit") else _("Your draft has been saved."))
    return redirect("mobility:call", call.pk)


@login_required
@require_POST
def application_withdraw(request, pk: int):
    call = _get_call(request, pk)
    application = selectors.own_application(actor=request.user, call=call)
    if application is None:
        raise Http404
    try:
        services.application_withdraw(actor=request.user, application=application)
    except DomainError as error:
        return refused(request, error, call_detail, pk)
    messages.success(request, _("Your application has been withdrawn."))
    return redirect("mobility:call", call.pk)


@login_required
@require_POST
def application_score(request, pk: int, application_id: int):
    call = _get_call(request, pk)
    application = selectors.applications_for_coordinator(actor=request.user, call=call).filter(pk=application_id).first()
    if application is None:
        raise Http404
    try:
        services.application_score(actor=request.user, application=application, scores=valid_or_raise(ScoreForm(request.POST)).to_input())
    except DomainError as error:
        return refused(request, error, call_detail, pk)
    messages.success(request, _("Scores saved."))
    return redirect("mobility:call", call.pk)


@login_required
def applications_export(request, pk: int, fmt: str):
    call = _get_call(request, pk)
    if not selectors.manages_call(actor=request.user, call=call):
        raise PermissionDenied
    header = ["id", "applicant", "applicant_latin", "state", "receipt", "year_of_study", "grade", "motivation_score", "interview_score", "choices"]
    rows = ([a.pk, a.applicant.full_name, a.applicant.full_name_latin, a.state, a.receipt, a.year_of_study, a.grade, a.motivation_score,
             a.interview_score, "; ".join(c.option.host.name_latin for c in a.choices.all())]
            for a in selectors.applications_for_coordinator(actor=request.user, call=call))
    return export_response(fmt, f"call-{call.pk}-applications", header, rows)


def _get_round(request, pk: int) -> PlacementRound:
    placement_round = PlacementRound.objects.select_related("call__owner").filter(pk=pk).first()
    if placement_round is None or not selectors.manages_call(actor=request.user, call=placement_round.call):
        raise Http404
    return placement_round


@login_required
def round_detail(request, pk: int):
    """A round's state while it runs; then its fill rates and cut-offs (a page of options, searchable), its
    outcomes (a page, filtered by placed or not, by option or by name) and the people also placed in another
    call for the same period. Everything shown is read from the round's stored results, a page at a time."""
    placement_round = selectors.round_for_page(actor=request.user, pk=pk)
    if placement_round is None:
        raise Http404
    context = {"round": placement_round, "call": placement_round.call, "nav_section": "mobility"}
    if placement_round.state in ("dry_run", "published"):
        context |= _round_results_context(request, placement_round)
    template = "mobility/_round_status.html" if request.htmx else "mobility/round.html"
    return render(request, template, context)


def _round_results_context(request, placement_round) -> dict:
    """The results part of a round's page: a page of options with fill rates and cut-offs, a page of outcomes
    (filtered by placed, option or name) with their explanations, and the placement conflicts."""
    from .round_display import cutoff_lines

    q = query_text(request.GET, "q")
    option_page = paginate(request, selectors.round_options(placement_round=placement_round, query=q), per_page=50, param="opage")
    fill_rates = [{**row, "cutoff_lines": cutoff_lines(row["cutoff"])}
                  for row in selectors.fill_rate_rows(placement_round, list(option_page["page"]))]
    placed = request.GET.get("placed", "")
    placed = placed if placed in ("yes", "no") else ""
    option_id, name = _id_param(request, "option"), query_text(request.GET, "name")
    pages = paginate(request, selectors.round_outcome_rows(actor=request.user, placement_round=placement_round, placed=placed,
                                                           option_id=option_id, name=name), per_page=25)
    page = list(pages["page"])
    names = selectors.option_host_names({e["option"] for o in page for e in o.explanations} | {o.option_id for o in page if o.option_id}
                                        | ({option_id} if option_id else set()))
    # each row's explanations as one piece of HTML: a page holds hundreds, and a template loop per item costs more than the rest of the page
    reasons = {key: str(text) for key, text in REASONS.items()}
    escaped: dict[str, str] = {}
    hosts = {option: escape(name) + ": " for option, name in names.items()}
    return {**pages, "outcomes": [(o, names.get(o.option_id) if o.option_id else None,
                                   _lines(((hosts.get(e["option"], ""), e["text"]) for e in _explain(o, names, reasons)), escaped))
                                  for o in page],
            "fill_rates": fill_rates, "option_page": option_page["page"], "option_query": q,
            "option_querystring": option_page["querystring_without_page"], "placed": placed, "option_filter": option_id,
            "option_filter_name": names.get(option_id) if option_id else None, "name_filter": name,
            "filtered": bool(placed or option_id or name),
            "conflicts": selectors.placement_conflicts(placement_round=placement_round)}


@login_required
def round_export(request, pk: int, fmt: str):
    placement_round = _get_round(request, pk)
    options_by_id = {o.pk: o for o in placement_round.call.options.select_related("host")}
    header = ["application", "applicant", "applicant_latin", "placed_at", "options_ranked_higher"]
    rows = ([o.application_id, o.application.applicant.full_name, o.application.applicant.full_name_latin,
             o.option.host.name_latin if o.option else "",
             "; ".join(f"{options_by_id[e['option']].host.name_latin}: {e['reason']}" for e in o.explanations if e["option"] in options_by_id)]
            for o in selectors.round_outcomes(actor=request.user, placement_round=placement_round))
    return export_response(fmt, f"round-{placement_round.pk}", header, rows)


@login_required
@require_POST
def round_publish(request, pk: int):
    placement_round = _get_round(request, pk)
    try:
        round_services.round_publish(actor=request.user, placement_round=placement_round)
    except DomainError as error:
        return refused(request, error, round_detail, pk)
    messages.success(request, _("Results published. Applicants and hosts are being notified."))
    return redirect("mobility:round", placement_round.pk)


@login_required
def nominations(request):
    """The nominations to the actor's institutions, each linked to its learning or training agreement once drafted."""
    qs = selectors.nominations_for_host(actor=request.user).select_related("mobility_agreement")
    # Made on other nodes, decided here; paged on its own (a national round can send thousands to one host).
    remote = paginate(request, selectors.remote_nominations_for_host(actor=request.user), param="remote_page")
    return render(request, "mobility/nominations.html", {**paginate(request, qs), "remote": remote, "nav_section": "mobility"})


@login_required
@require_POST
def nomination_decide(request, pk: int):
    return _host_decision(request, selectors.nomination_for_host(actor=request.user, pk=pk), round_services.nomination_decide)


@login_required
@require_POST
def remote_nomination_decide(request, pk: int):
    """The host's decision on a nomination made on another node; it goes back to that node (remote_services.py)."""
    return _host_decision(request, selectors.remote_nomination_for_host(actor=request.user, pk=pk), remote_services.remote_nomination_decide)


def _host_decision(request, nomination, decide):
    """Accept or decline from the nominations page, for a local nomination or one made on another node."""
    if nomination is None:
        raise Http404
    try:
        decision = choice(request.POST.get("decision"), ("accept", "decline"), name="decision")
        reason = plain_text(request.POST.get("reason"), name="reason")
        decide(actor=request.user, nomination=nomination, accept=decision == "accept", reason=reason)
    except DomainError as error:
        return refused(request, error, nominations)
    messages.success(request, _("Decision recorded."))
    return redirect("mobility:nominations")
