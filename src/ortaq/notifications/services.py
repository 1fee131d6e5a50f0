from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from ortaq.i18n import LANG_SUFFIXES, lang_suffix, reader_time_zone, when_text

from .messages import MESSAGES
from .models import Notification
from .terms import TERMS

if TYPE_CHECKING:
    from django.db.models import Model
    from collections.abc import Iterable
    from ortaq.accounts.types import User

logger = logging.getLogger(__name__)


def term(code: str) -> dict[str, str]:
    """A parameter shown as a word in the reader's language (notifications.terms), e.g. term("accepted")."""
    if code not in TERMS:
        raise KeyError(code)
    return {"$term": code}


def names(obj: Model) -> dict[str, dict[str, str]]:
    """A parameter shown as an institution's (or any `name_<lang>` row's) name in the reader's language, with
    its Latin form as the fallback."""
    return {"$names": {suffix: getattr(obj, f"name_{suffix}", "") or "" for suffix in LANG_SUFFIXES}
            | {"latin": getattr(obj, "name_latin", "") or str(obj)}}


def written(obj: Model, field: str = "title") -> dict[str, dict[str, str]]:
    """A parameter shown as what people wrote (a call's title) as a reader of each language reads it: their
    language's version or the nearest one (ortaq.i18n.FALLBACK_ORDER), the author's text as the last resort."""
    from ortaq.i18n import shown_by_language

    return {"$names": shown_by_language(obj, field) | {"latin": getattr(obj, field, "") or ""}}


def _stored(value):
    """Parameters as stored: moments as ISO text in UTC (each reader gets them in their own zone), dates as ISO
    dates; everything else as given (JSON)."""
    if isinstance(value, dt.datetime):
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        return {"$when": aware.astimezone(dt.UTC).isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@functools.cache
def _legacy_terms() -> dict[str, str]:
    """Words stored already translated by older versions (in the actor's language), back to their codes."""
    found: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found |= {str(message): code for code, message in TERMS.items()}
    return found


def _shown(value, *, language: str, zone) -> object:
    if isinstance(value, dict):
        if "$when" in value:
            return when_text(dt.datetime.fromisoformat(value["$when"]), zone=zone, language=language)
        if "$date" in value:
            return when_text(dt.date.fromisoformat(value["$date"]), zone=zone, language=language)
        if "$term" in value and value["$term"] in TERMS:
            return str(TERMS[value["$term"]])
        if "$names" in value:
            by_language = value["$names"]
            return by_language.get(lang_suffix(language)) or by_language.get("latin") or by_language.get("en") or ""
        return ""
    if isinstance(value, str):
        if _ISO_DATE.match(value):  # dates stored as ISO text by older versions
            try:
                return when_text(dt.date.fromisoformat(value), zone=zone, language=language)
            except ValueError:
                return value
        if (code := _legacy_terms().get(value)) is not None:
            return str(TERMS[code])
    return value


def render(notification: Notification, language: str | None = None, zone: dt.tzinfo | None = None) -> tuple[str, str]:
    """Subject and body wholly in `language`: the message, and every parameter that is a word, a date, a moment
    (in `zone`, named) or a name with versions per language. Only what people wrote (titles) stays as written."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    zone = zone or timezone.get_current_timezone()
    subject, body = MESSAGES[notification.key]
    with translation.override(language):
        params = {key: _shown(value, language=language, zone=zone) for key, value in notification.params.items()}
        return str(subject % params), str(body % params)  # % before str: a plural message picks its form by the count


def _without_language(url: str) -> str:
    """Store paths without the /<language>/ prefix: each recipient opens them in their own language."""
    for code, _name in settings.LANGUAGES:
        if url.startswith(f"/{code}/"):
            return url[len(code) + 1 :]
    return url


def link(notification: Notification, language: str) -> str:
    return f"/{language}{notification.url}" if notification.url else ""


def notify(*, recipients: Iterable[User], key: str, params: dict, url: str = "", email: bool = True) -> int:
    """Create in-app notifications and send each recipient an email in their own language."""
    if key not in MESSAGES:
        raise KeyError(key)
    url = _without_language(url)
    params = {name: _stored(value) for name, value in params.items()}
    created = Notification.objects.bulk_create(
        [Notification(recipient=user, key=key, params=params, url=url) for user in recipients]
    )
    if email:
        # Mail goes out only once the change that caused it is committed.
        transaction.on_commit(lambda: _send_emails(created))
    return len(created)


def _send_emails(created: list[Notification]) -> None:
    sent = []
    for notification in created:
        user = notification.recipient
        if not user.email:
            continue
        # The reader's language and time zone, the zone named: a mail is read away from the pages.
        subject, body = render(notification, user.preferred_language, reader_time_zone(user))
        address = settings.SITE_ROOT + link(notification, user.preferred_language)
        try:
            send_mail(subject, f"{body}\n\n{address}" if notification.url else body, None, [user.email])
        except OSError:
            # The in-app notification stands; a mail server that is down must not undo the action that caused it.
            logger.warning("could not e-mail notification %s to user %s", notification.pk, user.pk)
            continue
        sent.append(notification.pk)
    Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())


def mark_read(*, user: User, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
