from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.types import Role  # noqa: F401 (re-exported: the enums live in types.py)


class User(AbstractUser):
    """A person. Names keep their original script (`full_name`) and a Latin form for partners abroad."""

    full_name = models.CharField(_("name in original script"), max_length=200, blank=True)
    full_name_latin = models.CharField(_("name in Latin script"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    iin = models.CharField(_("IIN"), max_length=12, blank=True, help_text=_("Kazakh individual identification number"))
    passport_number = models.CharField(_("passport number"), max_length=20, blank=True)
    passport_country = models.CharField(_("passport country"), max_length=2, blank=True)
    # Accessibility needs are special-category data: stored only with explicit consent (GDPR art. 9 style,
    # and the Kazakh Law on personal data), and shown only to the people who must act on them.
    accessibility_needs = models.TextField(_("accessibility needs"), blank=True)
    accessibility_consent_at = models.DateTimeField(_("consent to share accessibility needs"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["iin"], condition=~models.Q(iin=""), name="unique_nonempty_iin"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.full_name or self.get_full_name() or self.username
        if self.full_name_latin and self.full_name_latin != name:
            return f"{name} ({self.full_name_latin})"
        return name


class Membership(models.Model):
    """A user's role at one institution; a person may hold several (teacher here, trainer there)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "institution", "role"], name="unique_membership")]
        indexes = [models.Index(fields=["institution", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.institution}"


class LanguageCertificate(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="language_certificates")
    framework = models.CharField(_("framework"), max_length=10)  # cefr, hsk, kaztest
    language = models.CharField(_("language"), max_length=5)
    level = models.CharField(_("level"), max_length=5)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.language} {self.framework.upper()} {self.level}"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a SHA-256 of the secret is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class IdempotencyKey(models.Model):
    """The response to a creating API request sent with an `Idempotency-Key` header (ortaq.lib.idempotency): the
    same key, user and body within 24 hours gets this response again instead of creating a second record."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and body: another body is another request
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    content = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return self.key
