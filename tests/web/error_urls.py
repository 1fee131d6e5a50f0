"""The site's URLs plus views that fail in each way, to see the error pages a reader gets (tests only)."""

from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_protect

from ortaq.errors import Forbidden
from ortaq.urls import handler400, handler403, handler404, handler500, urlpatterns as site  # noqa: F401


def refused_by_a_service(request):
    raise Forbidden("Only the host decides on its nominations.")


def refused_by_django(request):
    raise PermissionDenied("internal: Membership.role check failed at views.py:42")


def missing(request):
    raise Http404("No Institution matches the given query.")


def suspicious(request):
    raise SuspiciousOperation("Invalid HTTP_HOST header: 'evil.example'")


def broken(request):
    raise RuntimeError("secret internals: password=hunter2")


@csrf_protect
def form(request):
    return HttpResponse("sent")


urlpatterns = [*site, *i18n_patterns(
    path("errors/forbidden/", refused_by_a_service),
    path("errors/denied/", refused_by_django),
    path("errors/missing/", missing),
    path("errors/suspicious/", suspicious),
    path("errors/broken/", broken),
    path("errors/form/", form),
)]
