"""Open-data API: aggregated, anonymised figures (public, no authentication)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["analytics"])
