from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw
from ortaq.inputs import HardenedForm
from ortaq.lib.throttle import Throttled, client_address, throttle_forgive, throttle_hit, throttle_limits, throttle_reset
from ortaq.names import latin_form
from ortaq.validators import validate_iin

from .models import LanguageCertificate, User
from .rules import certificate_level_problems, consent_problems, passport_problems
from .types import PROFILE_FIELDS, AccessibilityChoice, LanguageCertificateDetails, ProfileDetails


class ProfileForm(HardenedForm, forms.ModelForm):
    class Meta:
        model = User
        fields = PROFILE_FIELDS
        help_texts = {
            "full_name_latin": _("Leave empty to have it suggested from your name; correct it to match your passport."),
            "iin": _("12 digits. Leave empty if you have a passport number instead."),
        }

    def clean_iin(self):
        value = self.cleaned_data["iin"].strip()
        if value:
            validate_iin(value)
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("full_name") and not cleaned.get("full_name_latin"):
            cleaned["full_name_latin"] = latin_form(cleaned["full_name"], person=True)
        for field, message in passport_problems(
            passport_number=cleaned.get("passport_number") or "", passport_country=cleaned.get("passport_country") or ""
        ):
            self.add_error(field, message)
        return cleaned

    def details(self) -> ProfileDetails:
        """The validated input as the services take it (call after is_valid())."""
        return ProfileDetails(**{f: self.cleaned_data[f] for f in PROFILE_FIELDS})


class AccessibilityForm(HardenedForm, forms.Form):
    accessibility_needs = forms.CharField(label=_("accessibility needs"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    consent = forms.BooleanField(
        label=_("I agree that my coordinator, and the host institution that must act on them, may see these needs."),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        for field, message in consent_problems(needs=cleaned.get("accessibility_needs") or "", consent=bool(cleaned.get("consent"))):
            self.add_error(field, message)
        return cleaned

    def choice(self) -> AccessibilityChoice:
        """The validated input as the services take it (call after is_valid())."""
        return AccessibilityChoice(needs=self.cleaned_data["accessibility_needs"], consent=self.cleaned_data["consent"])


class LanguageCertificateForm(HardenedForm, forms.ModelForm):
    framework = forms.ChoiceField(label=_("framework"), choices=lambda: [(t.code, fw.localized(t, translation.get_language() or "en")) for t in fw.language_frameworks()])
    language = forms.ChoiceField(label=_("language"), choices=lambda: [(t.code, fw.localized(t, translation.get_language() or "en")) for t in fw.languages()])

    class Meta:
        model = LanguageCertificate
        fields = ["language", "framework", "level", "issued_on"]
        widgets = {"issued_on": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        cleaned = super().clean()
        framework, level = cleaned.get("framework"), (cleaned.get("level") or "").upper()
        if framework and level:
            cleaned["level"] = level
        for field, message in certificate_level_problems(framework=framework, language=cleaned.get("language"), level=level if framework else ""):
            self.add_error(field, message)
        return cleaned

    def details(self) -> LanguageCertificateDetails:
        """The validated input as the services take it (call after is_valid())."""
        return LanguageCertificateDetails(**{f: self.cleaned_data[f] for f in ("language", "framework", "level", "issued_on")})


class ThrottledFormMixin:
    """A form that, once its view found the client over a throttle limit, fails with that message before
    its own checks run."""

    throttled = None  # an ortaq.lib.throttle.Throttled, set by the view

    def clean(self):
        if self.throttled is not None:
            raise forms.ValidationError(self.throttled.message, code="throttled")
        return super().clean()


class ThrottledSignInMixin:
    """Sign-in throttled per account and per client address before the password is checked. Every attempt
    takes a hit; a successful one gives its client hit back and clears the account's count, so only
    failures add up (a college behind one address signs in freely; guessing does not). In the form, not
    the view, so that the admin's sign-in (accounts.admin) is held to the same limits."""

    throttled = None

    def clean(self):
        # Case folded: "Admin" and "admin" count as one account, whichever of them exists.
        account = (self.cleaned_data.get("username") or "").strip().casefold()
        client = client_address(self.request) if self.request is not None else "unknown"
        try:
            for scope, key in (("login_client", client), ("login_account", account)):
                limit, window = throttle_limits(scope)
                throttle_hit(scope, key, limit=limit, window=window)
        except Throttled as error:
            self.throttled = error
            raise forms.ValidationError(error.message, code="throttled") from None
        cleaned = super().clean()  # raises when the password is wrong or the account may not sign in
        if self.get_user() is not None:  # signed in (not merely a field left empty)
            throttle_reset("login_account", account)
            throttle_forgive("login_client", client, window=throttle_limits("login_client")[1])
        return cleaned


class LoginForm(ThrottledSignInMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledSignInMixin, AdminAuthenticationForm):
    pass


class PasswordResetRequestForm(ThrottledFormMixin, PasswordResetForm):
    pass
