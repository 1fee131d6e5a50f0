"""Links into recognition that other apps' pages show, each only to whom it works for."""

from __future__ import annotations

from django import template

from ortaq.recognition.selectors import may_see_alignment_stats

register = template.Library()


@register.inclusion_tag("recognition/alignment_stats_link.html", takes_context=True)
def alignment_stats_link(context) -> dict:
    """The statistics of decisions on AI proposals: for coordinators, the platform administrator and analysts."""
    user = context.get("user")
    return {"show": bool(user and user.is_authenticated and may_see_alignment_stats(actor=user))}
