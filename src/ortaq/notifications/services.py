from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from .messages import MESSAGES
from .models import Notification

if TYPE_CHECKING:
    from collections.abc import Iterable
    from ortaq.accounts.types import User

logger = logging.getLogger(__name__)


def render(notification: Notification, language: str | None = None) -> tuple[str, str]:
    subject, body = MESSAGES[notification.key]
    with translation.override(language or translation.get_language()):
        return str(subject) % notification.params, str(body) % notification.params


def _without_language(url: str) -> str:
    """Store paths without the /<language>/ prefix: each recipient opens them in their own language."""
    from django.conf import settings

    for code, _name in settings.LANGUAGES:
        if url.startswith(f"/{code}/"):
            return url[len(code) + 1 :]
    return url


def link(notification: Notification, language: str) -> str:
    return f"/{language}{notification.url}" if notification.url else ""


def notify(*, recipients: Iterable[User], key: str, params: dict, url: str = "", email: bool = True) -> int:
    """Create in-app notifications and send each recipient an email in their own language."""
    from django.conf import settings

    if key not in MESSAGES:
        raise KeyError(key)
    url = _without_language(url)
    created = Notification.objects.bulk_create(
        [Notification(recipient=user, key=key, params=params, url=url) for user in recipients]
    )
    if email:
        # Mail goes out only once the change that caused it is committed.
        transaction.on_commit(lambda: _send_emails(created))
    return len(created)


def _send_emails(created: list[Notification]) -> None:
    from django.conf import settings

    sent = []
    for notification in created:
        user = notification.recipient
        if not user.email:
            continue
        subject, body = render(notification, user.preferred_language)
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
