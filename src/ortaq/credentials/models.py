"""Issuers, their keys, issued credentials, status lists, share codes and issuance batches."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ortaq.credentials.types import CredentialKind, CredentialState  # noqa: F401 (re-exported: the enums live in types.py)


class IssuerProfile(models.Model):
    """An institution that issues credentials, identified by a did:web the platform serves."""

    institution = models.OneToOneField("institutions.Institution", on_delete=models.PROTECT, related_name="issuer_profile")
    did = models.CharField(max_length=300, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.did


class IssuerKey(models.Model):
    """An Ed25519 key. The secret is encrypted at rest; retired keys stay so that old credentials verify."""

    issuer = models.ForeignKey(IssuerProfile, on_delete=models.PROTECT, related_name="keys")
    key_id = models.CharField(max_length=400, unique=True)
    public_key_multibase = models.CharField(max_length=100)
    secret_encrypted = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    compromised = models.BooleanField(default=False)
    # A key that is its own did:key (key_id "did:key:z…#z…"), an issuer identity of the institution besides its
    # did:web: verifiers that resolve only did:key (the W3C vc-di-eddsa suite, some wallets) can check what it
    # signs. It never appears in the did:web document and never signs in the did:web's name.
    did_key = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]

    @property
    def did(self) -> str:
        """The DID this key signs as: its own did:key, or the institution's did:web."""
        return self.key_id.split("#", 1)[0] if self.did_key else self.issuer.did


class IssuedCredential(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=CredentialKind.choices)
    issuer = models.ForeignKey(IssuerProfile, on_delete=models.PROTECT, related_name="credentials")
    # Empty only for VC-API credentials, whose subject need not be a person registered here.
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="credentials")
    # The document's own `id` when it is not the urn:uuid of `public_id` (VC-API callers choose their ids).
    external_id = models.CharField(max_length=500, blank=True, db_index=True)
    # Re-running a batch must never issue twice: one credential per idempotency key.
    idempotency_key = models.CharField(max_length=200, unique=True)
    title = models.JSONField(default=dict)  # {"kk": ..., "ru": ..., "zh": ..., "en": ...}
    document = models.JSONField()  # the signed credential, exactly as issued
    revocation_index = models.PositiveIntegerField()
    suspension_index = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=CredentialState.choices, default=CredentialState.VALID)
    state_reason = models.TextField(blank=True)
    language = models.CharField(max_length=10, default="kk")
    second_language = models.CharField(max_length=10, default="en")
    verify_code = models.CharField(max_length=12, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    batch = models.ForeignKey("IssuanceBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="credentials")
    # The certificate rendered by the batch (in `language` and `second_language`), stored under MEDIA_ROOT (not
    # served publicly: only the holder downloads it); other language pairs are rendered on demand.
    pdf = models.FileField(upload_to="credentials/%Y/", blank=True, max_length=200)
    # What the registrar sees of a credential's use: how often its holder shared it (share codes and shared sets
    # that include it) and how often it was successfully verified here. Incremented in the transaction that
    # creates the share or counts the verification; who verified is never stored.
    share_count = models.PositiveIntegerField(default=0)
    verification_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "revocation_index"], name="unique_revocation_index"),
            models.UniqueConstraint(fields=["issuer", "suspension_index"], name="unique_suspension_index"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.holder}"

    @property
    def display_title(self) -> str:
        """The title in the reader's language (zh-hans reads "zh"), else Kazakh, Russian, English, Chinese."""
        language = (get_language() or "kk").split("-")[0]
        titles = self.title if isinstance(self.title, dict) else {}
        return next((titles[k] for k in (language, "kk", "ru", "en", "zh") if titles.get(k)), "")


class StatusListRecord(models.Model):
    """The signed status list credential an issuer publishes, rebuilt when an entry changes."""

    issuer = models.ForeignKey(IssuerProfile, on_delete=models.CASCADE, related_name="status_lists")
    # revocation | suspension, or "<purpose>-key-<IssuerKey pk>" for the lists a did:key signs (status_lists)
    purpose = models.CharField(max_length=40)
    document = models.JSONField(null=True)
    stale = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "purpose"], name="one_status_list_per_purpose")]


class ShareCode(models.Model):
    """A short code the holder chooses to hand out, valid until it expires or the holder revokes it."""

    credential = models.ForeignKey(IssuedCredential, on_delete=models.CASCADE, related_name="share_codes")
    code = models.CharField(max_length=12, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class SharedSet(models.Model):
    """Several credentials the holder shares together under one code (one link, one QR code): the verifier sees
    each of them verified on its own. Valid until it expires or the holder revokes it."""

    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    credentials = models.ManyToManyField(IssuedCredential, related_name="shared_sets")
    code = models.CharField(max_length=12, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class BatchState(models.TextChoices):
    REQUESTED = "requested", _("Awaiting a registrar's approval")
    APPROVED = "approved", _("Approved, queued")
    RUNNING = "running", _("Issuing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class IssuanceBatch(models.Model):
    kind = models.CharField(max_length=12, choices=CredentialKind.choices)
    issuer = models.ForeignKey(IssuerProfile, on_delete=models.PROTECT, related_name="batches")
    programme = models.ForeignKey("programmes.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    module = models.ForeignKey("programmes.Module", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    holders = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    graduation_date = models.DateField()
    state = models.CharField(max_length=12, choices=BatchState.choices, default=BatchState.REQUESTED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class PresentationRequest(models.Model):
    """A verifier's request for a Verifiable Presentation (an employer asking a graduate for a diploma): a fresh
    challenge and the platform's domain, which the holder's wallet signs into its presentation. Answered once:
    the first presentation that verifies uses the challenge up, so a presentation cannot be replayed. Whoever
    holds `secret` (the requester's page address) sees the result; the challenge alone (the holder's link)
    shows only the request."""

    challenge = models.CharField(max_length=64, unique=True)
    secret = models.CharField(max_length=64, unique=True)
    domain = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    # The report of the presentation that answered it: holder DID, checks, and per credential its title, issuer
    # and checks (nothing else of the credentials is kept).
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class VerifierChallenge(models.Model):
    """A challenge a verifier application asked for (VC-API ``POST /challenges``) to put in its own presentation
    request. When a presentation names it, ``/presentations/verify`` (with that application's token) checks it as the
    platform's own: the first presentation that verifies uses it up, so a replay is refused, and it expires. Only the
    account that asked for it can have a presentation verified against it."""

    challenge = models.CharField(max_length=64, unique=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"challenge {self.challenge[:8]}…"


class WalletOffer(models.Model):
    """A one-time offer of one of a holder's credentials to their own wallet (credentials.exchanges): a VC-API
    exchange (the Learner Credential Wallet's protocol) or an OID4VCI pre-authorised code. `secret` is the
    exchange id or the pre-authorised code, shown once in a QR code on the holder's page; it is used up by the
    first wallet that completes the flow and expires after a few minutes. The wallet's copy (`issued`) names the
    wallet's DID as its subject and is an issued credential of its own (recorded, revocable, audited); it
    follows the original's status."""

    protocol = models.CharField(max_length=10)  # "vc-api" | "oid4vci"
    credential = models.ForeignKey(IssuedCredential, on_delete=models.CASCADE, related_name="wallet_offers")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    secret = models.CharField(max_length=64, unique=True)
    # VC-API: the DIDAuthentication challenge the exchange sent (the wallet's proof must name it).
    challenge = models.CharField(max_length=64, blank=True)
    # OID4VCI: the access token the pre-authorised code was exchanged for (once), and until when it works.
    access_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    holder_did = models.CharField(max_length=300, blank=True)
    issued = models.OneToOneField(IssuedCredential, null=True, blank=True, on_delete=models.PROTECT, related_name="wallet_claim")

    class Meta:
        ordering = ["-created_at", "-id"]


class RemoteIssuerDocument(models.Model):
    """The did:web document of an issuer hosted by another node of the federation, as its home node serves it and
    sent it (federation message `credentials.issuer`), so that credentials it issued verify here offline."""

    did = models.CharField(max_length=300, unique=True)
    node = models.CharField(max_length=300)  # the home node's id (its base URL); the DID's host is that node's
    node_name = models.CharField(max_length=300, blank=True)
    document = models.JSONField()
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.did


class RemoteStatusList(models.Model):
    """A status list credential of another node's issuer, signed there, exactly as its home node serves it
    (federation message `credentials.status_list`); the engine verifies its proof on every use."""

    url = models.CharField(max_length=500, unique=True)
    node = models.CharField(max_length=300)
    credential = models.JSONField()
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.url
