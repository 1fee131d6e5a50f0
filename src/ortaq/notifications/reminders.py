"""Reminders before deadlines: an in-app notification and an e-mail, in the recipient's language and time zone,
once per item and deadline window (3 days before, then 1 day before).

The deadlines come from the apps that own them (`reminder_items` in mobility's and training's selectors):
applications still in draft before the call closes, agreements a party has not signed before the mobility
starts, self-assessments not done before a course starts. `ortaq manage ortaq_remind` sends what is due (run it
from cron, e.g. hourly, like analytics_refresh); the `send_reminders` task does the same from the worker.

A reminder is itself the record that it was sent: a notification whose parameters carry the item's `ref` and
the window. Before sending, the recipient's row is locked and that record looked for, so a run repeated, or two
runs at once, remind nobody twice of the same item in the same window."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from ortaq.i18n import moment_in, reader_time_zones

from .models import Notification
from .services import notify, written

if TYPE_CHECKING:
    from ortaq.lib.inbox import InboxItem

logger = logging.getLogger(__name__)

# Days before the deadline; each item is reminded once in each window it enters (the narrowest that applies).
WINDOWS = (3, 1)
# The notification (and e-mail) text of each kind of deadline, and the parameter its subject fills.
MESSAGE_OF = {
    "mobility.application": ("reminder_application", "call"),
    "mobility.sign": ("reminder_agreement_sign", "learner"),
    "mobility.answer": ("reminder_placement_answer", "call"),
    "training.self_assessment": ("reminder_self_assessment", "cohort"),
}


@dataclass(frozen=True)
class Sent:
    sent: int = 0
    skipped: int = 0  # already reminded in that window


def window_for(left: dt.timedelta) -> int | None:
    """The narrowest window the time left falls in (None: not yet, or already past)."""
    if left <= dt.timedelta(0):
        return None
    inside = [days for days in WINDOWS if left <= dt.timedelta(days=days)]
    return min(inside) if inside else None


def due_items(*, now: dt.datetime) -> list[tuple[int, InboxItem]]:
    """(recipient id, item) of every deadline within the widest window, from the apps that own them."""
    from ortaq.mobility import selectors as mobility
    from ortaq.training import selectors as training

    # A day more than the widest window: a date deadline is read in the recipient's zone, up to a day apart.
    horizon = dt.timedelta(days=max(WINDOWS) + 1)
    return [*mobility.reminder_items(now=now, horizon=horizon), *training.reminder_items(now=now, horizon=horizon)]


def send_due_reminders(*, now: dt.datetime | None = None) -> Sent:
    """Remind every recipient of every item whose deadline entered a window, once per item and window."""
    now = now or timezone.now()
    from ortaq.mobility import services as mobility

    mobility.placements_lapse(now=now)  # the daily run also records placements whose deadline passed unanswered
    due = [(user_id, item) for user_id, item in due_items(now=now) if item.kind in MESSAGE_OF]
    if not due:
        return Sent()
    users = get_user_model().objects.filter(is_active=True).in_bulk({user_id for user_id, _item in due})
    zones = reader_time_zones(users.values())  # the pages' rule (ortaq.i18n), one query for everyone
    sent = skipped = 0
    for user_id, item in due:
        user = users.get(user_id)
        if user is None or item.deadline is None:
            continue
        # A date deadline (an agreement's or a course's first day) starts where the recipient lives.
        window = window_for(moment_in(item.deadline, zones[user.pk]) - now)
        if window is None:
            continue
        key, subject_param = MESSAGE_OF[item.kind]
        with transaction.atomic():
            # The recipient's row is the lock: a second run at the same time waits here, then finds the reminder.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            if Notification.objects.filter(recipient=user, key=key, params__ref=item.ref, params__window=window).exists():
                skipped += 1
                continue
            # The deadline is stored as a moment (or a date): each reader sees it in their language and zone.
            # A title people wrote is stored in every language's version (decision 0009), a person's name as is.
            subject = written(item.subject_row) if item.subject_row is not None else item.subject
            params = {subject_param: subject, "deadline": item.deadline, "ref": item.ref, "window": window}
            notify(recipients=[user], key=key, params=params, url=item.url)
            sent += 1
    logger.info("reminders: %d sent, %d already sent", sent, skipped)
    return Sent(sent=sent, skipped=skipped)


@task()
def send_reminders() -> int:
    """The worker's way to run the reminders (enqueue it from a scheduler); the same as `ortaq manage ortaq_remind`."""
    return send_due_reminders().sent
