"""REST API v1 (django-ninja). Authentication: `Authorization: Bearer <token>` or the browser session.

Every endpoint calls the same selectors and services as the web pages, so the permission rules are one.
"""

from __future__ import annotations

from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from ortaq.errors import DomainError, ValidationFailed, VersionConflict


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from ortaq.accounts.models import ApiToken
        from ortaq.accounts.selectors import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
            # Touch at most once a minute so that reads do not all become writes.
            ApiToken.objects.filter(digest=ApiToken.digest_of(token)).exclude(
                last_used_at__gt=timezone.now() - timezone.timedelta(minutes=1)
            ).update(last_used_at=timezone.now())
        return user


class SessionAuth(APIKeyCookie):
    """The browser session (CSRF-checked for unsafe methods, as django-ninja does for cookie auth)."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="Ortaq API",
    version="1.0.0",
    description="Registry of institutions, partnership agreements and joint programmes of the Kazakh–Chinese vocational education network.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-v1",
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    body: dict[str, object] = {"detail": str(exc.message), "code": exc.code}
    if isinstance(exc, ValidationFailed):
        body["errors"] = exc.errors
    if isinstance(exc, VersionConflict):
        body["current_version"] = exc.current_version
    response = api.create_response(request, body, status=exc.status)
    if retry_after := getattr(exc, "retry_after", None):  # Throttled (429)
        response["Retry-After"] = str(retry_after)
    return response


def _register_routers() -> None:
    from ortaq.agreements.api import router as agreements
    from ortaq.analytics.api import router as analytics
    from ortaq.credentials.api import router as vc
    from ortaq.credentials.api_registrar import router as registrar
    from ortaq.credentials.wallet_api import exchanges_router as wallet_exchanges
    from ortaq.credentials.wallet_api import oid4vci_router as wallet_oid4vci
    from ortaq.credentials.wallet_api import workflows_router as wallet_workflows
    from ortaq.institutions.api import router as institutions
    from ortaq.mobility.api import router as mobility
    from ortaq.programmes.api import router as programmes
    from ortaq.recognition.api import router as recognition
    from ortaq.training.api import router as training

    api.add_router("/institutions", institutions)
    api.add_router("/agreements", agreements)
    api.add_router("/programmes", programmes)
    api.add_router("/vc", vc)
    api.add_router("/credentials", registrar)
    api.add_router("/exchanges", wallet_exchanges)
    api.add_router("/workflows", wallet_workflows)
    api.add_router("/oid4vci", wallet_oid4vci)
    api.add_router("/analytics", analytics)
    api.add_router("/mobility", mobility)
    api.add_router("/recognition", recognition)
    api.add_router("/training", training)


_register_routers()
