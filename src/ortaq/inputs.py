"""Typed parsing of untrusted input, shared by every app's forms, views and services.

Views parse a request through Django forms built from these fields, so that errors come out translated and
field by field; services that take loose values (a week's hours, an id chosen in a select) parse them with
`parse` and refuse anything else with ValidationFailed. Either way hostile input — words where numbers
belong, 10**30, NaN, dates in year 1, 100,000 characters, NUL bytes and terminal escapes — is refused
before it reaches the database, where it used to become a 500 (PostgreSQL refuses NUL in text and numbers
out of its column's range; SQLite refuses integers above 2**63).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse, QueryDict
from django.urls import resolve, reverse
from django.utils.translation import gettext_lazy as _

from ortaq.errors import DomainError, ValidationFailed, error_text

TEXT_MAX = 10_000  # a free-text answer (a summary, tasks, a motivation letter): pages, not books
LINE_MAX = 1_000  # a short answer (a reason, a comment, a title)
ID_MAX = 2**63 - 1  # the largest primary key (BigAutoField); larger numbers cannot name a row
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2199, 12, 31)  # anything outside is a typing error

# C0 and C1 control characters other than tab, line feed and carriage return (NUL is Django's own
# ProhibitNullCharactersValidator's, with its translated message), and lone surrogates (which JSON can
# carry and UTF-8 cannot store): they have no place in a name or a description, and escape sequences in
# exported text can drive a terminal.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def validate_plain_text(value) -> None:
    if value and _CONTROL.search(str(value)):
        raise ValidationError(_("Remove the control characters from this text."), code="control_characters")


def _validate_date_range(value) -> None:
    day = value.date() if isinstance(value, dt.datetime) else value
    if day is not None and not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(
            _("Enter a date between %(min)s and %(max)s."), code="date_range",
            params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )


class TextField(forms.CharField):
    """Free text: at most TEXT_MAX characters (LINE_MAX with `line=True`), no control characters."""

    def __init__(self, *, line: bool = False, max_length: int | None = None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(max_length=max_length or (LINE_MAX if line else TEXT_MAX), **kwargs)
        self.validators.append(validate_plain_text)


class IdField(forms.IntegerField):
    """The id of a row, as a select or a hidden input sends it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


class DateField(forms.DateField):
    """An ISO date (YYYY-MM-DD, as `<input type="date">` sends it) between 1900 and 2199."""

    input_formats = ["%Y-%m-%d"]
    default_validators = [_validate_date_range]


def _ids_only(field: forms.ModelChoiceField):
    """A model choice field's `clean`, refusing values that cannot be an integer id before the lookup: SQLite
    cannot even compare an integer beyond 2**63 (OverflowError, a 500)."""
    clean = field.clean

    def checked(value):
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item in (None, "") or isinstance(item, (int, models.Model)) and not isinstance(item, bool):
                continue
            text = str(item).strip()
            if not (text.isascii() and text.isdigit() and int(text) <= ID_MAX):
                raise ValidationError(field.error_messages["invalid_choice"], code="invalid_choice", params={"value": text[:40]})
        return clean(value)

    return checked


def _label_names(field) -> None:
    """A choice of rows with names per language (institutions) shows each in the reader's language with its
    Latin form, not the Latin form alone; a field that sets its own labels keeps them."""
    if not isinstance(field, forms.ModelChoiceField) or field.queryset is None or "label_from_instance" in vars(field):
        return
    if any(f.name == "name_latin" for f in field.queryset.model._meta.get_fields()):
        from ortaq.i18n import name_with_latin

        # Django calls label_from_instance on the field instance, so setting it there is how a form picks labels
        field.label_from_instance = name_with_latin  # type: ignore[method-assign]


def harden(form) -> None:
    """Add the limits above to a form's fields that lack them (idempotent): every text field refuses control
    characters and gets a maximum length, every date stays within DATE_MIN..DATE_MAX, every whole number
    within what the database stores (model fields bring their own range; plain form fields get ±2**63), and
    every choice of a row takes only what can be an id."""
    for field in form.fields.values():
        _label_names(field)
        if isinstance(field, forms.CharField):
            if validate_plain_text not in field.validators:
                field.validators.append(validate_plain_text)
            if field.max_length is None:
                field.max_length = TEXT_MAX
                field.validators.append(validators.MaxLengthValidator(TEXT_MAX))
                field.widget.attrs.setdefault("maxlength", str(TEXT_MAX))
        elif isinstance(field, (forms.DateField, forms.DateTimeField)):
            if _validate_date_range not in field.validators:
                field.validators.append(_validate_date_range)
        elif isinstance(field, forms.ModelChoiceField) and not getattr(field, "_hardened", False):
            if field.queryset is None:  # set by the form's own __init__, after this first pass
                continue
            # a marker in the field's __dict__: Django's copy of a form's fields for each form carries it along
            field._hardened = True  # type: ignore[attr-defined]
            pk = field.queryset.model._meta.pk
            if field.to_field_name is None and pk.get_internal_type() in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField"):
                # wraps this one field's clean (not the class's): the check sits before the queryset lookup
                field.clean = _ids_only(field)  # type: ignore[method-assign]
        elif isinstance(field, forms.IntegerField) and not getattr(field, "_hardened", False):
            field._hardened = True  # type: ignore[attr-defined]  # the same marker as above
            if field.max_value is None:
                field.validators.append(validators.MaxValueValidator(ID_MAX))
            if field.min_value is None:
                field.validators.append(validators.MinValueValidator(-ID_MAX))


class HardenedForm:
    """Mixin for forms and model forms: `harden` at construction (limits shown in the widgets) and again just
    before validation (fields a subclass added after its own __init__ are covered too)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        harden(self)

    def full_clean(self):
        harden(self)
        super().full_clean()


def parse(field: forms.Field, value, *, name: str):
    """`value` cleaned by a form field, for services that take loose values: the cleaned value, or
    ValidationFailed({name: [the field's translated messages]})."""
    if isinstance(field, forms.CharField) and validate_plain_text not in field.validators:
        field.validators.append(validate_plain_text)
    try:
        return field.clean(value)
    except ValidationError as error:
        raise ValidationFailed({name: [str(m) for m in error.messages]})


def whole_number(value, *, name: str, minimum: int, maximum: int, message=None) -> int:
    """An int within [minimum, maximum] from an int or its decimal digits; anything else is refused."""
    field = forms.IntegerField(min_value=minimum, max_value=maximum)
    if message:
        field.error_messages |= {"invalid": message, "min_value": message, "max_value": message, "required": message}
    if isinstance(value, bool) or (value is not None and not isinstance(value, (int, str))):
        value = "?"
    return parse(field, value, name=name)


def decimal_number(value, *, name: str, minimum, maximum, places: int = 2, message=None) -> Decimal:
    """A finite Decimal within [minimum, maximum] with at most `places` decimals; a decimal comma is read as a
    point and negative zero becomes zero."""
    field = forms.DecimalField(min_value=Decimal(minimum), max_value=Decimal(maximum), decimal_places=places, max_digits=12 + places)
    if message:
        field.error_messages |= {"invalid": message, "min_value": message, "max_value": message, "required": message,
                                 "max_digits": message, "max_decimal_places": message, "max_whole_digits": message}
    if isinstance(value, (bool, float)) or (value is not None and not isinstance(value, (int, str, Decimal))):
        value = "?"
    if isinstance(value, str):
        value = value.strip().replace(",", ".")
    return parse(field, value, name=name) + 0  # Decimal("-0") + 0 == Decimal("0")


def choice(value, options, *, name: str) -> str:
    """One of `options` (the values a form's buttons or select send); anything else, or nothing, is refused
    rather than read as the other branch of a yes/no decision."""
    field = forms.ChoiceField(choices=[(o, o) for o in options])
    return parse(field, value if isinstance(value, str) else None, name=name)


def plain_text(value, *, name: str, max_length: int = LINE_MAX, required_message=None) -> str:
    """Stripped text without control characters, at most `max_length` characters; required when a message
    for a missing value is given."""
    field = forms.CharField(max_length=max_length, required=required_message is not None)
    if required_message:
        field.error_messages["required"] = required_message
    if value is not None and not isinstance(value, str):
        value = str(value)
    return parse(field, value, name=name)


def query_text(params, name: str, *, max_length: int = 200) -> str:
    """A search or filter value from a query string: stripped and cut to `max_length`; with NUL or control
    characters it is no filter at all (PostgreSQL refuses NUL in a query's text: every search box was a 500)."""
    value = (params.get(name) or "").strip()[:max_length]
    return "" if "\x00" in value or _CONTROL.search(value) else value


def refused(request, error: DomainError, page, *args, **kwargs) -> HttpResponse:
    """Bad input answered on the page its form is on: the error as a message, and the error's 4xx status
    instead of a redirect, so that neither the browser nor a script takes a refusal for a success.

    `page` is the GET view of that page, or its URL name (for a page of another app); it renders as a GET of
    the same address would (the refused form's data is not bound to the page's own forms)."""
    if isinstance(page, str):
        page = resolve(reverse(page, args=args, kwargs=kwargs)).func
    messages.error(request, error_text(error))
    request.method = "GET"
    request.POST = QueryDict()
    response = page(request, *args, **kwargs)
    response.status_code = error.status if 400 <= error.status < 500 else 400
    return response


# Model validation words a few refusals differently from a form ("This field cannot be blank." where the form
# says "This field is required."): the form's words are used, so a service refuses exactly as the page does.
_FORM_WORDS = {
    "blank": forms.Field.default_error_messages["required"],
    "null": forms.Field.default_error_messages["required"],
    "invalid_choice": forms.ChoiceField.default_error_messages["invalid_choice"],
}


def _as_the_form_says(error: ValidationError) -> str:
    words = _FORM_WORDS.get(error.code or "")
    if words is None:
        return str(next(iter(error)))
    return str(words % (error.params or {}))


def model_checked(instance: models.Model, *, exclude: tuple[str, ...] = (), errors: dict[str, list[str]] | None = None) -> None:
    """The last line of a service that takes typed values (a dataclass) instead of a form: the model's own
    validation (required values, lengths, choices, number ranges, constraints), no NUL or other control
    characters in any text and no text beyond TEXT_MAX, together with the `errors` the service's own rules
    found. Raises ValidationFailed with all of them, field by field ("__all__" for the row as a whole), in the
    forms' words, or returns nothing.

    The web forms and API schemas validate first; this keeps a caller that bypasses them (a script, a demo,
    another app) from writing a row that they would have refused."""
    found: dict[str, list[str]] = {field: [str(m) for m in messages] for field, messages in (errors or {}).items() if messages}
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        for name, problems in error.error_dict.items():
            found.setdefault(name, []).extend(_as_the_form_says(problem) for problem in problems)
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if field.name in exclude or not isinstance(field, (models.CharField, models.TextField)) or not isinstance(value, str):
            continue
        try:
            validators.ProhibitNullCharactersValidator()(value)
            validate_plain_text(value)
            if isinstance(field, models.TextField):
                validators.MaxLengthValidator(TEXT_MAX)(value)
        except ValidationError as error:
            found.setdefault(field.name, []).extend(str(m) for m in error.messages)
    if found:
        raise ValidationFailed(found)
