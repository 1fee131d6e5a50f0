"""Analytics pages: thin views over selectors (reads) and services (refresh)."""

from __future__ import annotations

from django.shortcuts import render


def dashboard(request):
    return render(request, "analytics/dashboard.html", {"nav_section": "analytics"})
