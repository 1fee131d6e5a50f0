"""Domain errors raised by services and turned into translated messages at the edge (views, API)."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the domain was broken; `message` is a translatable string, `field` the input it concerns."""

    status = 400

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code


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
