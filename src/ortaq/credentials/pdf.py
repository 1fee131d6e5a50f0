"""A4 certificates: the holder's language and a second one, a QR code to the verification page, and the
signed credential JSON attached inside the PDF so that the paper copy carries the verifiable original."""

from __future__ import annotations

import json

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .verification import summary


def verification_url(credential) -> str:
    with translation.override(credential.language if credential.language in dict(settings.LANGUAGES) else "en"):
        return settings.SITE_ROOT + reverse("verify_code", args=[credential.verify_code])


def credential_pdf(credential, *, language: str | None = None, second_language: str | None = None) -> bytes:
    from weasyprint import HTML, Attachment

    language = language or credential.language
    second = second_language or credential.second_language
    url = verification_url(credential)
    qr_svg = segno.make(url, error="m").svg_inline(scale=3)
    data = summary(credential.document)
    sections = []
    for lang in (language, second):
        with translation.override(lang):
            sections.append(render_to_string("credentials/pdf_section.html", {"credential": credential, "s": data, "lang": lang,
                                                                              "title": credential.title.get(lang[:2]) or data["achievement"]}))
    html = render_to_string("credentials/pdf.html", {"sections": sections, "qr_svg": qr_svg, "url": url, "credential": credential})
    attachment = Attachment(string=json.dumps(credential.document, ensure_ascii=False, indent=2), base_url=None,
                            name=f"credential-{credential.public_id}.json", description="Verifiable credential (W3C VC 2.0, Open Badges 3.0)")
    return HTML(string=html).write_pdf(attachments=[attachment])
