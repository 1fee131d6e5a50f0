"""A4 certificates: the holder's language and a second one, a QR code to the verification page, and the
signed credential JSON attached inside the PDF so that the paper copy carries the verifiable original.

Rendering is the dominant cost of a diploma batch, so what does not change between certificates is made
once per process (per thread): WeasyPrint's URL fetcher (building one loads the system CA bundle for
HTTPS, about 30 ms, and WeasyPrint builds two per PDF when none is given) and its font configuration.
The certificate itself has no external resources, so the fetcher is never actually used to fetch.
"""

from __future__ import annotations

import json
import threading

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .verification import alignment_lines, issued_day, summary

_local = threading.local()


def _weasy():
    """(URLFetcher, FontConfiguration) for this thread, made once."""
    cached = getattr(_local, "weasy", None)
    if cached is None:
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        cached = _local.weasy = (URLFetcher(), FontConfiguration())
    return cached


def verification_url(credential) -> str:
    with translation.override(credential.language if credential.language in dict(settings.LANGUAGES) else "en"):
        return settings.SITE_ROOT + reverse("verify_code", args=[credential.verify_code])


def pdf_filename(credential) -> str:
    return f"credential-{credential.public_id}.pdf"


def credential_pdf(credential, *, language: str | None = None, second_language: str | None = None) -> bytes:
    from weasyprint import HTML, Attachment

    fetcher, font_config = _weasy()
    language = language or credential.language
    second = second_language or credential.second_language
    url = verification_url(credential)
    qr_svg = segno.make(url, error="m").svg_inline(scale=3)
    data = summary(credential.document)
    sections = []
    for lang in (language, second):
        with translation.override(lang):
            sections.append(render_to_string("credentials/pdf_section.html", {"credential": credential, "s": data, "lang": lang,
                                                                              "alignments": alignment_lines(credential.document),
                                                                              "valid_from": issued_day(data["valid_from"]),
                                                                              "title": credential.title.get(lang[:2]) or data["achievement"]}))
    html = render_to_string("credentials/pdf.html", {"sections": sections, "qr_svg": qr_svg, "url": url, "credential": credential})
    attachment = Attachment(string=json.dumps(credential.document, ensure_ascii=False, indent=2), base_url=None, url_fetcher=fetcher,
                            name=f"credential-{credential.public_id}.json", description="Verifiable credential (W3C VC 2.0, Open Badges 3.0)")
    return HTML(string=html, url_fetcher=fetcher).write_pdf(attachments=[attachment], font_config=font_config)


def credential_pdf_store(credential) -> None:
    """Render the certificate in the credential's own two languages and keep it with the credential (the batch
    does this, so that a cohort receives "signed credential + PDF"); written again if it is rendered again."""
    from django.core.files.base import ContentFile

    content = credential_pdf(credential)
    field = credential._meta.get_field("pdf")
    name = field.generate_filename(credential, f"{credential.public_id}.pdf")
    if field.storage.exists(name):  # a run stopped between writing the file and recording it
        field.storage.delete(name)
    credential.pdf.save(f"{credential.public_id}.pdf", ContentFile(content), save=False)
    type(credential).objects.filter(pk=credential.pk).update(pdf=credential.pdf.name)
