"""Domain errors raised by services and turned into translated messages at the edge (views, API)."""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise


class ErrorCode(StrEnum):
    """Every code a domain error may carry: API clients read it (`{"detail", "code"}`) and branch on it, so
    the set is closed and documented here. A StrEnum, so `error.code == "state"` still holds."""

    INVALID = "invalid"  # any other broken rule
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    VALIDATION = "validation"  # field errors in `errors`
    THROTTLED = "throttled"  # too many attempts; Retry-After says when to try again
    STATE = "state"  # the record is not in a state that allows this
    STALE = "stale"  # the record changed since it was read
    LOCKED = "locked"
    BUSY = "busy"  # another run of the same work is in progress
    DUPLICATE = "duplicate"
    EMPTY = "empty"
    FULL = "full"
    INCOMPLETE = "incomplete"
    DEADLINE = "deadline"
    LATE = "late"
    TOO_EARLY = "too_early"
    YEAR = "year"
    OPEN = "open"
    CLOSED = "closed"
    PENDING = "pending"
    AGREEMENT_STATE = "agreement_state"
    ALREADY_APPROVED = "already_approved"
    ALREADY_SIGNED = "already_signed"
    SIGNED = "signed"
    NOT_SIGNED = "not_signed"
    VERIFIED = "verified"
    OWN_PROPOSAL = "own_proposal"
    NOT_PARTY = "not_party"
    NOT_SENDING = "not_sending"
    NOT_ENROLLED = "not_enrolled"
    MOBILITY_TYPE = "mobility_type"
    NO_CONDITIONS = "no_conditions"
    NO_OPTIONS = "no_options"
    OFFER_STATE = "offer_state"
    NOMINATION = "nomination"
    NO_HOURS = "no_hours"
    NO_TRANSCRIPT = "no_transcript"
    NO_ISSUER = "no_issuer"
    NO_KEY = "no_key"
    REVOKED = "revoked"
    STATUS_GIVEN = "status_given"  # a VC-API caller named an entry in one of the platform's own status lists
    VERSION_CONFLICT = "version_conflict"  # 409: `expected_version` is not the record's; `current_version` says what is
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"  # 422: an Idempotency-Key sent again with another body
    HOME_NODE = "home_node"  # federation: done only on the record's (or the institution's) home node
    CONTENT_MISMATCH = "content_mismatch"  # federation: a peer's content does not hash to the SHA-256 it names


class DomainError(Exception):
    """A rule of the domain was broken; `message` is a translatable string, `field` the input it concerns,
    `code` one of ErrorCode (an unknown code is a programming error and fails at once)."""

    status = 400

    def __init__(self, message: str | Promise, *, field: str | None = None, code: ErrorCode | str = ErrorCode.INVALID):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = ErrorCode(code)


class Forbidden(DomainError):
    """The acting user may not do this to this record."""

    status = 403

    def __init__(self, message: str | Promise | None = None, **kwargs):
        from django.utils.translation import gettext_lazy as _

        super().__init__(message or _("You do not have permission to do this."), code="forbidden", **kwargs)


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str | Promise | None = None, **kwargs):
        from django.utils.translation import gettext_lazy as _

        super().__init__(message or _("Not found, or not visible to you."), code="not_found", **kwargs)


class VersionConflict(DomainError):
    """The caller edited from a version someone else has replaced; the body names the current one, so a client can
    reload and retry (HTTP 409, as for a failed If-Match, but in the body where the REST API keeps its versions)."""

    status = 409

    def __init__(self, current_version: object, message: str | Promise | None = None):
        from django.utils.translation import gettext_lazy as _

        super().__init__(message or _("Someone else changed this record. Reload it and apply your change again."), code="version_conflict")
        self.current_version = current_version


class ValidationFailed(DomainError):
    """Several field errors at once: {field: [messages]}."""

    status = 422

    def __init__(self, errors: dict[str, list]):
        from django.utils.translation import gettext_lazy as _

        super().__init__(_("Please correct the errors below."), code="validation")
        self.errors = errors


def form_errors(form) -> dict[str, list[str]]:
    """A form's errors as plain strings, ready for ValidationFailed."""
    return {field: [str(e) for e in errs] for field, errs in form.errors.items()}


def valid_or_raise(form):
    """The form if it is valid; otherwise ValidationFailed with its field errors."""
    if not form.is_valid():
        raise ValidationFailed(form_errors(form))
    return form


def error_text(error: DomainError) -> str:
    """One line for a message banner: every field error of a ValidationFailed, or the error's message."""
    if isinstance(error, ValidationFailed):
        return "; ".join(m for messages in error.errors.values() for m in messages)
    return str(error.message)
