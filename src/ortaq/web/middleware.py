from django.core.exceptions import PermissionDenied
from django.http import Http404

from ortaq.errors import Forbidden, NotFound

from .errors import DOMAIN_MESSAGE


class HtmxMiddleware:
    """Marks htmx requests so that a view can answer with a fragment instead of a whole page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.htmx = request.headers.get("HX-Request") == "true"
        request.htmx_target = request.headers.get("HX-Target", "") if request.htmx else ""
        response = self.get_response(request)
        if request.htmx:
            response.headers.setdefault("Vary", "HX-Request")
        return response

    def process_exception(self, request, exception):
        # Services raise domain errors; at the edge they become the usual 403/404 pages.
        if isinstance(exception, Forbidden):
            # The 403 page shows this message (written for the person refused) and nothing else.
            setattr(request, DOMAIN_MESSAGE, str(exception.message))
            raise PermissionDenied(str(exception.message))
        if isinstance(exception, NotFound):
            raise Http404(str(exception.message))
        return None
