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


# The reader's time zone is worked out once, when they sign in, and kept in the session: pages then cost no
# query for it, and a page and an e-mail about the same moment show the same time (ortaq.i18n).
SESSION_TIME_ZONE = "ortaq_time_zone"


def remember_time_zone(sender, request, user, **kwargs) -> None:
    """On sign-in (django.contrib.auth's user_logged_in): the zone this person reads times in."""
    from ortaq.i18n import reader_time_zone

    if request is not None and hasattr(request, "session"):
        request.session[SESSION_TIME_ZONE] = reader_time_zone(user).key


class ReaderTimeZoneMiddleware:
    """Times on pages are shown in the reader's zone: their own, else their institution's country's, else the
    platform's; signed-out readers get the platform's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import timezone

        from ortaq.i18n import zone_named

        zone = None
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            zone = zone_named(session.get(SESSION_TIME_ZONE))
            if zone is None:  # signed in before zones were remembered
                from ortaq.i18n import reader_time_zone

                zone = reader_time_zone(request.user)
                session[SESSION_TIME_ZONE] = zone.key
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
