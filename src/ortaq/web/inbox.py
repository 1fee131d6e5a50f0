"""The home page's inbox: what waits for the signed-in person, gathered from every app's `inbox_items`
selector and ordered by deadline, then by what is asked (sign before read).

Each app decides what waits in its own field and which page answers for it; this module only gathers, so
adding work to the inbox means adding it to that app's selector."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortaq.agreements import selectors as agreements
from ortaq.analytics import selectors as analytics
from ortaq.credentials import selectors as credentials
from ortaq.lib.inbox import InboxItem
from ortaq.mobility import selectors as mobility
from ortaq.recognition import selectors as recognition
from ortaq.training import selectors as training

if TYPE_CHECKING:
    from ortaq.accounts.types import Actor

SOURCES = (agreements, mobility, recognition, credentials, training, analytics)


def inbox_for(*, actor: Actor) -> list[InboxItem]:
    """Every app's waiting work for the actor, soonest deadline first (items without one last)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    items = [item for source in SOURCES for item in source.inbox_items(actor=actor)]
    return sorted(items, key=lambda item: item.sort_key)
