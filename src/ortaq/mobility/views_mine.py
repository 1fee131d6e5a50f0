"""The "my learning agreements" page: every learning or training agreement where the reader is a party, with
its state and what the reader should do next (linked from the home page's inbox)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import worklist
from .models import Party


@login_required
def my_agreements(request):
    return render(request, "mobility/mine.html", {"rows": worklist.rows_of(actor=request.user), "parties": Party.choices,
                                                "nav_section": "mobility"})
