"""The record of "work waiting for someone" that every app's `inbox_items` selector returns.

A plain package, not an app: each app's selectors build these and the web app's inbox (ortaq.web.inbox)
gathers them for the home page, so no app needs to import another to take part."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    """What the person is asked to do; the home page groups and orders by it."""

    SIGN = "sign"
    APPROVE = "approve"
    DECIDE = "decide"
    VERIFY = "verify"
    EVALUATE = "evaluate"
    ASSESS = "assess"
    PUBLISH = "publish"
    PREPARE = "prepare"
    FILL = "fill"
    READ = "read"  # nothing to do but look: a new credential, the next session, the dashboards


ORDER = {action: rank for rank, action in enumerate(Action)}


@dataclass(frozen=True)
class InboxItem:
    """One kind of waiting work, with how many of them and the earliest deadline among them.

    `kind` is a stable code ("mobility.sign"); `title` is already in the reader's language; `url` is a path the
    reader may open (one record's page when there is one, else a list); `ref` names the record when there is one
    (reminders use it so that nobody is reminded twice of the same thing)."""


    kind: str
    action: Action
    title: str
    url: str
    count: int = 1
    deadline: dt.datetime | dt.date | None = None
    ref: str = ""
    subject: str = ""  # the record's own name (a call's title, a person) when the item is about one record
    # When `subject` is something people wrote (a call's or cohort's title, decision 0009): the row it is read from
    # (anything with title, written_in and translations), so that a reminder names it in its recipient's language.
    subject_row: Any = field(default=None, compare=False, repr=False)

    @property
    def deadline_has_time(self) -> bool:
        return isinstance(self.deadline, dt.datetime)

    @property
    def sort_key(self) -> tuple:
        deadline = self.deadline
        if isinstance(deadline, dt.datetime):
            deadline = deadline.date()
        return (deadline is None, deadline or dt.date.max, ORDER[self.action], self.kind)


def earliest(values) -> dt.datetime | dt.date | None:
    """The earliest of some deadlines (None ignored)."""
    present = [v for v in values if v is not None]
    return min(present) if present else None
