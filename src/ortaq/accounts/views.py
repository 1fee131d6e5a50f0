from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ortaq.audit.selectors import history_for
from ortaq.errors import DomainError
from ortaq.federation.selectors import personal_data_sent_to
from ortaq.inputs import query_text, refused
from ortaq.lib.throttle import Throttled, client_address, throttle_hit, throttle_limits
from ortaq.lib.views import apply_errors, form_data, paginate

from . import selectors, services
from .forms import AccessibilityForm, LanguageCertificateForm, LoginForm, PasswordResetRequestForm, ProfileForm
from .models import ApiToken
from .types import PROFILE_FIELDS


def _hits(*counted: tuple[str, str]) -> Throttled | None:
    """Count one hit per (scope, key); the first refusal, if any."""
    try:
        for scope, key in counted:
            limit, window = throttle_limits(scope)
            throttle_hit(scope, key, limit=limit, window=window)
    except Throttled as error:
        return error
    return None


class _Throttled:
    """For a form view whose form may be refused by a throttle (form.throttled): 429 with Retry-After."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled.retry_after)
        return response


class LoginView(_Throttled, auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm  # throttled per account and client address (forms.ThrottledSignInMixin)
    redirect_authenticated_user = True


class PasswordResetView(_Throttled, auth_views.PasswordResetView):
    """Reset requests, throttled per client address and per e-mail address asked for (whether or not an
    account has it, so that the answer does not tell)."""

    form_class = PasswordResetRequestForm
    throttled = None

    def post(self, request, *args, **kwargs):
        email = request.POST.get("email", "").strip().casefold()
        self.throttled = _hits(("password_reset_client", client_address(request)), ("password_reset_email", email))
        return super().post(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.throttled = self.throttled
        return form


def _profile_page(request, *, form=None, certificate_form=None, accessibility_form=None, status: int = 200):
    """The person's own page with its three forms (those given are shown with their errors)."""
    person = request.user
    consented = {"accessibility_needs": person.accessibility_needs, "consent": bool(person.accessibility_consent_at)}
    return render(request, "accounts/profile.html", {
        "person": person, "form": form or ProfileForm(instance=person, prefix="p"),
        "certificate_form": certificate_form or LanguageCertificateForm(prefix="c"),
        "accessibility_form": accessibility_form or AccessibilityForm(initial=consented, prefix="a"),
        "certificates": selectors.language_certificates_of(person=person), "memberships": selectors.memberships_of(user=person),
        "tokens": selectors.tokens_of(user=person), "new_token": request.session.pop("new_api_token", None),
        "sent_about_you": personal_data_sent_to(person=person),
    }, status=status)


def _saved(form, typed, save) -> bool:
    """Validate the form, save `typed(form)` through a service; False with the errors shown on the form."""
    if not form.is_valid():
        return False
    try:
        save(typed(form))
    except DomainError as error:
        apply_errors(form, error)
        return False
    return True


def _saved_or_page(request, bound, typed, save, **page):
    """After a POST: back to the page with "Changes saved.", or the page again (422) with the form's errors."""
    if _saved(bound, typed, save):
        messages.success(request, _("Changes saved."))
        return redirect("accounts:profile")
    return _profile_page(request, **page, status=422)


@login_required
def profile(request):
    """The person's own page; its POST saves the profile (certificates and accessibility have their own addresses).
    Fields a post leaves out keep their stored values."""
    if request.method != "POST":
        return _profile_page(request)
    stored = {f"p-{f}": getattr(request.user, f) for f in PROFILE_FIELDS}
    form = ProfileForm(data=stored | form_data(request), instance=request.user, prefix="p")
    save = lambda details: services.profile_update(actor=request.user, person=request.user, details=details)  # noqa: E731
    return _saved_or_page(request, form, ProfileForm.details, save, form=form)


@login_required
@require_POST
def certificate_add(request):
    form = LanguageCertificateForm(data=request.POST, prefix="c")
    save = lambda certificate: services.language_certificate_add(actor=request.user, person=request.user, certificate=certificate)  # noqa: E731
    return _saved_or_page(request, form, LanguageCertificateForm.details, save, certificate_form=form)


@login_required
@require_POST
def accessibility_update(request):
    form = AccessibilityForm(data=request.POST, prefix="a")
    save = lambda choice: services.accessibility_update(actor=request.user, person=request.user, choice=choice)  # noqa: E731
    return _saved_or_page(request, form, AccessibilityForm.choice, save, accessibility_form=form)


@login_required
@require_POST
def token_create(request):
    try:
        _token, secret = services.api_token_create(actor=request.user, name=request.POST.get("name", ""))
    except DomainError as error:
        return refused(request, error, profile)
    # Shown once on the next page and never stored in clear.
    request.session["new_api_token"] = secret
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:profile")


@login_required
def people(request):
    q = query_text(request.GET, "q")
    qs = selectors.people_visible_to(actor=request.user).order_by("full_name_latin", "username")
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(full_name__icontains=q) | Q(full_name_latin__icontains=q) | Q(username__icontains=q))
    qs = qs.prefetch_related("memberships__institution")
    return render(request, "accounts/people.html", {**paginate(request, qs), "q": q, "nav_section": "people"})


@login_required
def person_detail(request, pk: int):
    person = selectors.person_get(actor=request.user, user_id=pk)
    if person is None:
        raise Http404
    return render(request, "accounts/person.html", {
        "person": person, "memberships": selectors.memberships_of(user=person),
        "certificates": selectors.language_certificates_of(person=person),
        "show_accessibility": selectors.may_see_accessibility_needs(actor=request.user, person=person),
        "history": history_for(person), "nav_section": "people",
    })
