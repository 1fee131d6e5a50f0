from __future__ import annotations

import datetime as dt
import io
import json
import uuid
import zipfile

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

import ortaq.engines.credentials as creds
from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.errors import DomainError, error_text
from ortaq.inputs import TEXT_MAX, HardenedForm, choice, parse, plain_text, refused, whole_number
from ortaq.lib import jsonguard
from ortaq.lib.views import paginate
from ortaq.lib.throttle import Throttled, client_address, throttle_hit, throttle_limits
from ortaq.programmes.selectors import programmes_awarded_by

from . import issuance, selectors, services, verification
from .keys import did_document, did_key_create, key_rotate, may_manage_issuer
from .models import CredentialKind, CredentialState, IssuedCredential, IssuerProfile
from .pdf import credential_pdf, pdf_filename
from .status_lists import list_signer, status_list_document


# Holder ---------------------------------------------------------------------------------------------

@login_required
def wallet(request):
    return render(request, "credentials/wallet.html", {
        "credentials": selectors.wallet_of(user=request.user), "shared_sets": _with_qr(selectors.shared_sets_of(user=request.user)),
        "registrar_desk": selectors.may_use_registrar_desk(actor=request.user), "nav_section": "credentials",
    })


def _own(request, public_id) -> IssuedCredential:
    credential = selectors.wallet_of(user=request.user).filter(public_id=public_id).first()
    if credential is None:
        raise Http404
    return credential


def _viewable(request, public_id) -> tuple[IssuedCredential, bool, bool]:
    """The credential for its holder or a registrar of its issuer (or an administrator); 404 for anyone else."""
    credential, holder, registrar = selectors.credential_for_viewer(actor=request.user, public_id=public_id)
    if credential is None:
        raise Http404
    return credential, holder, registrar


def share_url(code: str) -> str:
    """The absolute address a share code or shared set opens (printed, sent, or read from its QR code)."""
    return settings.SITE_ROOT + reverse("verify_code", args=[code])


def qr_svg(url: str) -> str:
    # segno writes the SVG itself (no user text inside but the URL, which it escapes): safe to inline.
    return segno.make(url, error="m").svg_inline(scale=3, title=url)


def _with_qr(shares):
    """Share codes or shared sets with their address and QR code, for those still usable."""
    now = timezone.now()
    rows = []
    for share in shares:
        share.active = share.revoked_at is None and share.expires_at > now
        share.url = share_url(share.code)
        share.qr = qr_svg(share.url) if share.active else ""
        rows.append(share)
    return rows


@login_required
def credential_detail(request, public_id):
    credential, holder, registrar = _viewable(request, public_id)
    report = verification.verify_document(credential.document)
    return render(request, "credentials/detail.html", {
        "credential": credential, "is_holder": holder, "is_registrar": registrar, "result": _presented(report, credential.document),
        "shares": _with_qr(credential.share_codes.all()) if holder else [], "states": CredentialState.choices,
        "pdf_languages": LANGUAGE_CHOICES, "nav_section": "credentials", "linkedin": linkedin_add_url(credential) if holder else "",
    })


def linkedin_add_url(credential) -> str:
    """LinkedIn's "add to profile" address with the certification fields filled in: its name, the issuing
    institution, the month it was issued, the public verification address and the verification code as its id
    (https://addtoprofile.linkedin.com/). Nothing is sent until the holder follows the link."""
    from urllib.parse import urlencode

    issued = verification.issued_day(credential.document.get("validFrom") if isinstance(credential.document, dict) else None) or credential.issued_at.date()
    return "https://www.linkedin.com/profile/add?" + urlencode({
        "startTask": "CERTIFICATION_NAME", "name": credential.display_title or credential.get_kind_display(),
        "organizationName": credential.issuer.institution.display_name, "issueYear": issued.year, "issueMonth": issued.month,
        "certUrl": settings.SITE_ROOT + reverse("verify_code", args=[credential.verify_code]), "certId": credential.verify_code,
    })


@login_required
def credential_json(request, public_id):
    credential, _holder, _registrar = _viewable(request, public_id)
    response = HttpResponse(json.dumps(credential.document, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="credential-{credential.public_id}.json"'
    return response


@login_required
def credential_pdf_view(request, public_id):
    credential, _holder, _registrar = _viewable(request, public_id)
    languages = dict(LANGUAGE_CHOICES)
    first = request.GET.get("lang") if request.GET.get("lang") in languages else credential.language
    second = request.GET.get("second") if request.GET.get("second") in languages else credential.second_language
    response = HttpResponse(_stored_or_rendered(credential, first, second), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="credential-{credential.public_id}.pdf"'
    return response


def _stored_or_rendered(credential, first: str, second: str) -> bytes:
    if credential.pdf and (first, second) == (credential.language, credential.second_language):
        try:  # rendered by the batch in exactly these languages
            with credential.pdf.open("rb") as stored:
                return stored.read()
        except OSError:
            pass
    return credential_pdf(credential, language=first, second_language=second)


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
    return redirect("credentials:detail", credential.public_id)


@login_required
@require_POST
def share_code_revoke(request, public_id, code):
    credential = _own(request, public_id)
    share = credential.share_codes.filter(code=code).first() if code.isascii() and code.isalnum() else None  # NUL: a 500 on PostgreSQL
    if share is None:
        raise Http404
    services.share_code_revoke(actor=request.user, share_code=share)
    messages.success(request, _("The share code no longer works."))
    return redirect("credentials:detail", credential.public_id)


@login_required
@require_POST
def shared_set_create(request):
    mine = {str(c.public_id): c for c in selectors.wallet_of(user=request.user)}
    chosen = request.POST.getlist("credentials")
    if any(_is_uuid(value) and value not in mine for value in chosen):
        raise Http404  # a credential that is not in this wallet: the answer its own pages give
    try:
        field = forms.MultipleChoiceField(choices=[(key, key) for key in mine])  # Django's own, translated messages
        chosen = parse(field, chosen, name="credentials")
        days = whole_number(request.POST.get("days"), name="days", minimum=1, maximum=180, message=_("A share code lasts from 1 to 180 days."))
        shared = services.shared_set_create(actor=request.user, credentials=[mine[value] for value in chosen], days=days)
    except DomainError as error:
        return refused(request, error, wallet)
    messages.success(request, _("Share code %(code)s created.") % {"code": shared.code})
    return redirect("credentials:wallet")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


@login_required
@require_POST
def shared_set_revoke(request, code):
    shared = selectors.shared_sets_of(user=request.user).filter(code=code).first() if code.isascii() and code.isalnum() else None
    if shared is None:
        raise Http404
    services.shared_set_revoke(actor=request.user, shared_set=shared)
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
    if not selectors.may_use_registrar_desk(actor=request.user):
        raise PermissionDenied
    form = BatchForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid() and _batch_requested(request, form):
        return redirect("credentials:registrar")
    return render(request, "credentials/registrar.html", {
        "form": form, **selectors.registrar_desk(actor=request.user), "states": CredentialState.choices, "nav_section": "credentials",
    }, status=422 if request.method == "POST" else 200)  # every successful POST has redirected above


def _batch_requested(request, form: BatchForm) -> bool:
    """Asks for the batch the valid form describes; False (with the reason shown) when it is refused."""
    try:
        services.batch_request(actor=request.user, programme=form.cleaned_data["programme"], holders=form.cleaned_data["holders"],
                               graduation_date=form.cleaned_data["graduation_date"])
    except DomainError as error:
        messages.error(request, error_text(error))
        return False
    messages.success(request, _("Batch prepared. A registrar must approve it before anything is signed."))
    return True


@login_required
def batch_status(request, pk: int):
    batch = selectors.batches_for_registrar(actor=request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return render(request, "credentials/_batch_row.html", {"batch": batch})


class SearchForm(HardenedForm, forms.Form):
    q = forms.CharField(label=gettext_lazy("Holder's name or verification code"), required=False, max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("any kind")), *CredentialKind.choices])
    state = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("any status")), *CredentialState.choices])
    issued_from = forms.DateField(label=gettext_lazy("Issued from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    issued_to = forms.DateField(label=gettext_lazy("Issued until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    batch = forms.IntegerField(label=gettext_lazy("Batch number"), required=False, min_value=1, max_value=2**31 - 1)


def _search(request):
    """(form, matching credentials) from the query string; a filter that does not parse is shown as an error
    and left out, never a 500."""
    if not selectors.may_use_registrar_desk(actor=request.user):
        raise PermissionDenied
    form = SearchForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    elif form.is_bound:
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "") and k not in form.errors}
    return form, selectors.credentials_search(actor=request.user, **filters)


@login_required
def registrar_search(request):
    form, found = _search(request)
    return render(request, "credentials/search.html", {
        "form": form, **paginate(request, found), "query": request.GET.urlencode(), "zip_max": ZIP_MAX, "nav_section": "credentials",
    })


ZIP_MAX = 500  # certificates in one archive; a larger cohort is downloaded batch by batch
ZIP_RENDER_MAX = 20  # certificates without a stored PDF rendered for one archive


@login_required
def registrar_zip(request):
    """The PDF certificates of a search (or a batch) in one ZIP archive: stored PDFs as they are, the others
    rendered now (and not stored: reprinting is a separate, audited act)."""
    _form, found = _search(request)
    chosen = list(found[: ZIP_MAX + 1])
    if problem := _zip_problem(chosen):
        messages.error(request, problem)
        return redirect(reverse("credentials:search") + "?" + request.GET.urlencode())
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:  # PDFs are compressed already
        for credential in chosen:
            bundle.writestr(pdf_filename(credential), _stored_or_rendered(credential, credential.language, credential.second_language))
    response = HttpResponse(archive.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="certificates.zip"'
    return response


def _zip_problem(chosen: list[IssuedCredential]) -> str | None:
    """Why these certificates (at most ZIP_MAX + 1 of a search) cannot go into one archive now, or None."""
    unrendered = sum(1 for credential in chosen if not credential.pdf)
    return (_("No certificate matches the search.") if not chosen
            else ngettext("More than %(n)s certificate: narrow the search (for example to one batch).",
                          "More than %(n)s certificates: narrow the search (for example to one batch).", ZIP_MAX) % {"n": ZIP_MAX}
            if len(chosen) > ZIP_MAX
            # Rendering takes about half a second each: a request renders a few, not a whole cohort (batches store theirs).
            else ngettext("%(n)s of these certificates has no stored PDF yet: reprint it from its page or narrow the search.",
                          "%(n)s of these certificates have no stored PDF yet: reprint them from their pages or narrow the search.",
                          unrendered) % {"n": unrendered}
            if unrendered > ZIP_RENDER_MAX else None)


@login_required
@require_POST
def credential_reprint(request, public_id):
    credential = selectors.credentials_for_registrar(actor=request.user).filter(public_id=public_id).first()
    if credential is None:
        raise Http404
    services.credential_reprint(actor=request.user, credential=credential)
    messages.success(request, _("The certificate was rendered again; the signed credential is unchanged."))
    return redirect("credentials:detail", credential.public_id)


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
    if request.POST.get("next") == "detail":
        return redirect("credentials:detail", credential.public_id)
    return redirect("credentials:registrar")


@login_required
@require_POST
def issuer_rotate(request, pk: int):
    issuer = IssuerProfile.objects.filter(pk=pk).first()
    if issuer is None or not may_manage_issuer(request.user, issuer.institution_id):
        raise Http404
    try:
        compromised, identity = _rotation_choices(request.POST)
    except DomainError as error:
        return refused(request, error, registrar)
    if identity == "did_key":
        did_key_create(actor=request.user, institution=issuer.institution)
        messages.success(request, _("The institution's new did:key issues from now on; an earlier one still verifies what it signed."))
        return redirect("credentials:registrar")
    key_rotate(actor=request.user, issuer=issuer, compromised=compromised)
    messages.success(request, _("A new key signs from now on; the old one still verifies what it signed."))
    return redirect("credentials:registrar")


def _rotation_choices(data) -> tuple[bool, str]:
    """(compromised, identity) from the rotation form; DomainError for a value the form cannot send."""
    # the checkbox sends "1" or nothing; anything else is not a yes
    compromised = choice(data.get("compromised", "0"), ("0", "1"), name="compromised") == "1"
    # "did_key": the institution's did:key identity is made (or replaced by a new one) instead of the did:web key
    identity = choice(data.get("identity", "did_web"), ("did_web", "did_key"), name="identity")
    return compromised, identity


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


def _presented(result: dict, document) -> dict:
    """The engine's report with what a person reads: the checks as sentences in their language, the credential
    as its certificate shows it, and whether the status may be shown (only once the signature verified)."""
    result["checks_read"] = verification.people_checks(result)
    result["proof_ok"] = verification.proof_verified(result)
    result["readable"] = (verification.readable(document, known_issuer=result.get("known_issuer"), home_node=result.get("home_node_name", ""))
                          if isinstance(document, dict) else None)
    result["document_json"] = json.dumps(document, ensure_ascii=False, indent=2) if isinstance(document, dict) else ""
    result["report_json"] = json.dumps({"verified": result.get("verified"), "status": result.get("status"), "checks": result.get("checks")},
                                       ensure_ascii=False, indent=2)
    return result


def verify_page(request):
    if code := request.GET.get("code", "").strip():
        if "/" in code:  # no share code has one, and the address of /verify/<code> cannot carry it
            return render(request, "credentials/verify.html", {"not_found": True, "code": code[:40]}, status=404)
        return redirect("verify_code", code)
    result = None
    if request.method == "POST":
        if refused := _too_many(request, "verify_page"):
            return refused
        try:
            raw = _pasted_or_uploaded(request)
        except verification.UploadRefused as error:
            return render(request, "credentials/verify.html", {"upload_error": error.message}, status=400)
        result = _presented(verification.verify_document(raw, count=True), _parsed_or_none(raw))
    return render(request, "credentials/verify.html", {"results": [result] if result else []})


def _pasted_or_uploaded(request) -> str | bytes:
    """The document to verify: an uploaded file's credential if one came, else the pasted text."""
    if upload := request.FILES.get("file"):
        return verification.credential_from_upload(upload.read(verification.UPLOAD_MAX_BYTES + 1))
    return request.POST.get("document", "")


def _parsed_or_none(raw: str | bytes):
    """The document as JSON, or None when it is empty or not JSON."""
    try:  # through the guard: a pasted document nested 10,000 deep must not reach json.loads' recursion
        return jsonguard.loads(raw) if raw else None
    except jsonguard.JsonRefused:
        return None


def verify_code(request, code: str):
    if refused := _too_many(request, "share_code"):  # share codes must not be guessable by trying
        return refused
    # A code is a few letters and digits (with dashes or spaces as printed); anything else is not looked up
    # (NUL in a query's text is a 500 on PostgreSQL).
    typed = code.isascii() and code.replace("-", "").replace(" ", "").isalnum() and len(code) <= 64
    shared = selectors.shared_set_by_code(code) if typed else None
    if shared is not None:  # several credentials shared together: each verified on its own
        results = [_presented(verification.verify_document(c.document, count=True), c.document) for c in shared.credentials.order_by("issued_at", "pk")]
        return render(request, "credentials/verify.html", {"results": results, "code": code, "shared_set": shared})
    credential = selectors.credential_by_code(code) if typed else None
    if credential is None:
        return render(request, "credentials/verify.html", {"not_found": True, "code": code[:64]}, status=404)
    result = _presented(verification.verify_document(credential.document, count=True), credential.document)
    return render(request, "credentials/verify.html", {"results": [result], "code": code})


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
    if issuer is None or list_signer(issuer, purpose) is None:
        raise Http404
    return JsonResponse(status_list_document(issuer, purpose), content_type="application/vc+ld+json")


# Presentations from wallets ------------------------------------------------------------------------------------

def presentation_request_new(request):
    """An employer asks a holder for a presentation: a fresh request, then its page (link, QR code, result)."""
    from . import presentations

    if request.method == "POST":
        if refused := _too_many(request, "verify_page"):
            return refused
        made = presentations.presentation_request_create()
        return redirect("presentation_request", made.secret)
    return render(request, "credentials/presentation_request.html", {"lifetime": int(presentations.LIFETIME.total_seconds() // 60)})


def presentation_request_page(request, secret: str):
    """The requester's page (its address is the secret): the holder's link and QR code until it is answered or
    expires, and the outcome of the last presentation received."""
    from .models import PresentationRequest

    made = PresentationRequest.objects.filter(secret=secret).first() if secret.isascii() and len(secret) <= 64 else None
    if made is None:
        raise Http404
    link = settings.SITE_ROOT + reverse("presentation_request_json", args=[made.challenge])
    open_ = made.answered_at is None and made.expires_at > timezone.now()
    return render(request, "credentials/presentation_request.html", {
        "made": made, "link": link, "qr": qr_svg(link) if open_ else "", "open": open_,
        "endpoint": settings.SITE_ROOT + "/api/v1/vc/presentations/verify", "result": made.result,
    })


def presentation_request_json(request, challenge: str):
    """The request as a wallet reads it (a Verifiable Presentation Request: DID authentication of the holder
    and any credential, with the challenge and domain to sign, and where to send the presentation)."""
    from .presentations import presentation_request_open

    made = presentation_request_open(challenge)
    if made is None:
        raise Http404
    return JsonResponse({
        "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}], "acceptedCryptosuites": [{"cryptosuite": "eddsa-rdfc-2022"}, {"cryptosuite": "eddsa-jcs-2022"}]},
                  {"type": "QueryByExample", "credentialQuery": [{"example": {"type": "VerifiableCredential"}}]}],
        "challenge": made.challenge, "domain": made.domain, "expires": made.expires_at.isoformat().replace("+00:00", "Z"),
        "interact": {"service": [{"type": "UnmediatedPresentationService2021", "serviceEndpoint": settings.SITE_ROOT + "/api/v1/vc/presentations/verify"}]},
    })
