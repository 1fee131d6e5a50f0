"""Error pages: 400, 403 (and a refused CSRF check), 404 and 500, in the site's layout and the reader's language.

They say what happened and where to go next (home; sign in when signed out), never why in technical terms:
no exception text, model names or paths. The one detail shown is the translated message of a domain error
(`ortaq.errors.Forbidden`), which services write for the person refused ("Only the host decides on its
nominations."); HtmxMiddleware hands it over on the request.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# (title, explanation) per status; the CSRF failure is a 403 with its own words.
PAGES = {
    400: (_("Bad request"), _("The page could not understand this request. Go back and try again.")),
    403: (_("You may not open this page"), _("Your account has no access to this page or action.")),
    "csrf": (_("The form has expired"),
             _("For your safety, a form sent from an old or another page is not accepted. Go back, reload the page and send the form again.")),
    404: (_("Page not found"), _("There is no page at this address. It may have moved, or the link may be mistyped.")),
    500: (_("Something went wrong"),
          _("The server could not finish this request. Nothing you did caused it; please try again in a few minutes.")),
}

# Domain messages (Forbidden) travel on the request from the middleware to the 403 page under this name.
DOMAIN_MESSAGE = "ortaq_error_message"


def _page(request: HttpRequest, page: int | str, status: int, *, detail: str = "") -> HttpResponse:
    title, explanation = PAGES[page]
    context = {"status": status, "title": title, "explanation": explanation, "detail": detail}
    try:
        body = loader.get_template("errors/error.html").render(context, request)
    except Exception:  # the layout needs the database (navigation); an error page must not fail in turn
        logger.exception("error page %s rendered without the site layout", status)
        body = loader.get_template("errors/bare.html").render(context)
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403, 403, detail=str(getattr(request, DOMAIN_MESSAGE, "") or ""))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(request, "csrf", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(request, 500, 500)
