from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.contrib.auth import get_user_model
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

import ortaq.engines.credentials as creds
from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.errors import DomainError, error_text
from ortaq.inputs import TEXT_MAX, HardenedForm, choice, plain_text, refused, whole_number
from ortaq.lib import jsonguard
from ortaq.lib.throttle import Throttled, client_address, throttle_hit, throttle_limits
from ortaq.programmes.selectors import programmes_awarded_by

from . import issuance, selectors, services, verification
from .keys import did_document, key_rotate, may_manage_issuer
from .models import CredentialState, IssuedCredential, IssuerProfile
from .pdf import credential_pdf
from .status_lists import PURPOSES, status_list_document


# Holder ---------------------------------------------------------------------------------------------

@login_required
def wallet(request):
    return render(request, "credentials/wallet.html", {"credentials": selectors.wallet_of(user=request.user), "nav_section": "credentials"})


def _own(request, public_id) -> IssuedCredential:
    credential = selectors.wallet_of(user=request.user).filter(public_id=public_id).first()
    if credential is None:
        raise Http404
    return credential


@login_required
def credential_json(request, public_id):
    credential = _own(request, public_id)
    response = HttpResponse(json.dumps(credential.document, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="credential-{credential.public_id}.json"'
    return response


@login_required
def credential_pdf_view(request, public_id):
    credential = _own(request, public_id)
    languages = dict(LANGUAGE_CHOICES)
    first = request.GET.get("lang") if request.GET.get("lang") in languages else credential.language
    second = request.GET.get("second") if request.GET.get("second") in languages else credential.second_language
    content = None
    if credential.pdf and (first, second) == (credential.language, credential.second_language):
        try:  # rendered by the batch in exactly these languages
            with credential.pdf.open("rb") as stored:
                content = stored.read()
        except OSError:
            content = None
    if content is None:
        content = credential_pdf(credential, language=first, second_language=second)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="credential-{credential.public_id}.pdf"'
    return response


LANGUAGE_CHOICES = [("kk", "Қазақша"), ("ru", "Русский"), ("zh-hans", "简体中文"), ("en", "English")]


@login_required
@require_POST
def share_code_create(request, public_id):
    credential = _own(request, public_id)
    try:
        days = whole_number(request.POST.get("days"), name="days", minimum=1, maximum=180, message=_("A share code lasts from 1 to 180 days."))
        code = services.share_code_create(actor=request.user, credential=credential, days=days)
    except DomainError as error:
        return refused(request, error, wallet)
    messages.success(request, _("Share code %(code)s created.") % {"code": code.code})
    return redirect("credentials:wallet")


@login_required
@require_POST
def share_code_revoke(request, public_id, code):
    credential = _own(request, public_id)
    share = credential.share_codes.filter(code=code).first() if code.isascii() and code.isalnum() else None  # NUL: a 500 on PostgreSQL
    if share is None:
        raise Http404
    services.share_code_revoke(actor=request.user, share_code=share)
    messages.success(request, _("The share code no longer works."))
    return redirect("credentials:wallet")


# Registrar ------------------------------------------------------------------------------------------

class BatchForm(HardenedForm, forms.Form):
    programme = forms.ModelChoiceField(label=gettext_lazy("programme"), queryset=programmes_awarded_by().none())
    holders = forms.ModelMultipleChoiceField(label=gettext_lazy("graduates"), queryset=get_user_model().objects.none(), widget=forms.CheckboxSelectMultiple)
    graduation_date = forms.DateField(label=gettext_lazy("graduation date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        access = access_for(actor)
        mine = access.institutions_with({Role.REGISTRAR})
        programmes = programmes_awarded_by(institutions=None if access.is_admin else mine)
        self.fields["programme"].queryset = programmes
        students = memberships(roles=[Role.STUDENT]).filter(institution__programmes__in=programmes).values("user_id")
        self.fields["holders"].queryset = get_user_model().objects.filter(pk__in=students).order_by("full_name_latin", "username")
        self.fields["holders"].label_from_instance = lambda u: u.display_name


@login_required
def registrar(request):
    access = access_for(request.user)
    if not (access.is_admin or access.institutions_with({Role.REGISTRAR})):
        raise PermissionDenied
    form = BatchForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.batch_request(actor=request.user, programme=form.cleaned_data["programme"], holders=form.cleaned_data["holders"],
                                   graduation_date=form.cleaned_data["graduation_date"])
            messages.success(request, _("Batch prepared. A registrar must approve it before anything is signed."))
            return redirect("credentials:registrar")
        except DomainError as error:
            messages.error(request, error_text(error))
    issuers = IssuerProfile.objects.filter(institution_id__in=access.institutions_with({Role.REGISTRAR})) if not access.is_admin else IssuerProfile.objects.all()
    batches = list(selectors.batches_for_registrar(actor=request.user)[:20])
    approvable = {b.pk for b in batches if b.state == "requested" and selectors.may_approve_batch(actor=request.user, batch=b)}
    return render(request, "credentials/registrar.html", {
        "form": form, "batches": batches, "approvable": approvable,
        "credentials": selectors.credentials_for_registrar(actor=request.user)[:200], "issuers": issuers.select_related("institution").prefetch_related("keys"),
        "states": CredentialState.choices, "nav_section": "credentials",
    }, status=422 if request.method == "POST" else 200)  # every successful POST has redirected above


@login_required
def batch_status(request, pk: int):
    batch = selectors.batches_for_registrar(actor=request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return render(request, "credentials/_batch_row.html", {"batch": batch})


@login_required
@require_POST
def batch_approve(request, pk: int):
    batch = selectors.batches_for_registrar(actor=request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    try:
        services.batch_approve(actor=request.user, batch=batch)
    except DomainError as error:
        return refused(request, error, registrar)
    messages.success(request, _("Approved: the credentials are being issued."))
    return redirect("credentials:registrar")


@login_required
@require_POST
def credential_state(request, public_id):
    credential = selectors.credentials_for_registrar(actor=request.user).filter(public_id=public_id).first()
    if credential is None:
        raise Http404
    try:
        reason = plain_text(request.POST.get("reason"), name="reason", max_length=TEXT_MAX)  # NUL would reach PostgreSQL
        services.credential_set_state(actor=request.user, credential=credential, state=request.POST.get("state", ""), reason=reason)
    except DomainError as error:
        return refused(request, error, registrar)
    messages.success(request, _("Status changed."))
    return redirect("credentials:registrar")


@login_required
@require_POST
def issuer_rotate(request, pk: int):
    issuer = IssuerProfile.objects.filter(pk=pk).first()
    if issuer is None or not may_manage_issuer(request.user, issuer.institution_id):
        raise Http404
    try:  # the checkbox sends "1" or nothing; anything else is not a yes
        compromised = choice(request.POST.get("compromised", "0"), ("0", "1"), name="compromised") == "1"
    except DomainError as error:
        return refused(request, error, registrar)
    key_rotate(actor=request.user, issuer=issuer, compromised=compromised)
    messages.success(request, _("A new key signs from now on; the old one still verifies what it signed."))
    return redirect("credentials:registrar")


@login_required
@require_POST
def internship_certificate(request, agreement_id: int):
    from ortaq.mobility.selectors import mobility_agreement_get

    agreement = mobility_agreement_get(actor=request.user, pk=agreement_id)
    if agreement is None:
        raise Http404
    access = access_for(request.user)
    if not (access.is_admin or agreement.nomination.application.call.owner_id in access.manages):
        raise PermissionDenied
    try:
        issuance.internship_certificate_issue(actor=request.user, mobility_agreement=agreement)
    except DomainError as error:
        return refused(request, error, "mobility:agreement", agreement.pk)
    messages.success(request, _("Internship certificate issued to the learner's wallet."))
    return redirect("mobility:agreement", agreement.pk)


# Public ---------------------------------------------------------------------------------------------

def _too_many(request, scope: str):
    """A 429 page when this client is over its limit for `scope` (counted in the cache every web process
    shares), else None."""
    limit, window = throttle_limits(scope)
    try:
        throttle_hit(scope, client_address(request), limit=limit, window=window)
    except Throttled as error:
        response = render(request, "credentials/verify.html", {"too_many": error}, status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    return None


def verify_page(request):
    if code := request.GET.get("code", "").strip():
        if "/" in code:  # no share code has one, and the address of /verify/<code> cannot carry it
            return render(request, "credentials/verify.html", {"not_found": True, "code": code[:40]}, status=404)
        return redirect("verify_code", code)
    result = None
    if request.method == "POST":
        if refused := _too_many(request, "verify_page"):
            return refused
        raw = request.POST.get("document", "")
        if request.FILES.get("file"):
            raw = request.FILES["file"].read(1_100_000)
        result = verification.verify_document(raw, count=True)
        document = None
        try:  # through the guard: a pasted document nested 10,000 deep must not reach json.loads' recursion
            document = jsonguard.loads(raw) if raw else None
        except jsonguard.JsonRefused:
            pass
        result["summary"] = verification.summary(document) if isinstance(document, dict) else None
    return render(request, "credentials/verify.html", {"result": result})


def verify_code(request, code: str):
    if refused := _too_many(request, "share_code"):  # share codes must not be guessable by trying
        return refused
    # A code is a few letters and digits (with dashes or spaces as printed); anything else is not looked up
    # (NUL in a query's text is a 500 on PostgreSQL).
    typed = code.isascii() and code.replace("-", "").replace(" ", "").isalnum() and len(code) <= 64
    credential = selectors.credential_by_code(code) if typed else None
    if credential is None:
        return render(request, "credentials/verify.html", {"not_found": True, "code": code[:64]}, status=404)
    result = verification.verify_document(credential.document, count=True)
    result["summary"] = verification.summary(credential.document)
    return render(request, "credentials/verify.html", {"result": result, "code": code})


def did_json(request, institution_id: int):
    issuer = IssuerProfile.objects.filter(institution_id=institution_id).prefetch_related("keys").first()
    if issuer is None:
        raise Http404
    return JsonResponse(did_document(issuer), content_type="application/did+json")


def ortaq_context(request):
    return HttpResponse(creds.context_bytes(creds.ORTAQ_CONTEXT_URL), content_type="application/ld+json")


@cache_control(public=True, max_age=300)
def status_list(request, issuer_id: int, purpose: str):
    issuer = IssuerProfile.objects.filter(pk=issuer_id).first()
    if issuer is None or purpose not in PURPOSES:
        raise Http404
    return JsonResponse(status_list_document(issuer, purpose), content_type="application/vc+ld+json")
