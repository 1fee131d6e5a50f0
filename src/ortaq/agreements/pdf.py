"""PDF export of an agreement in a chosen language (WeasyPrint; fonts from the system, see README)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from .selectors import current_approvals, parties_of


def agreement_pdf_bytes(agreement, *, language: str) -> bytes:
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string("agreements/pdf.html", {
            "agreement": agreement, "parties": parties_of(agreement), "approvals": current_approvals(agreement),
            "version": agreement.versions.filter(number=agreement.version).first(), "language": language,
        })
    return HTML(string=html).write_pdf()
