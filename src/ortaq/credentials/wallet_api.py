"""HTTP endpoints wallets call to take a credential (credentials.exchanges, credentials.oid4vci): public (the
offer's secret or the access token is the authority), throttled per client address like the VC-API verifier,
every JSON body read through lib/jsonguard (too large or too deep is refused before parsing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from ortaq.errors import DomainError
from ortaq.lib import jsonguard
from ortaq.lib.throttle import client_address, throttle_hit, throttle_limits

from . import exchanges, oid4vci

exchanges_router = Router(tags=["Wallets"])
workflows_router = Router(tags=["Wallets"])
oid4vci_router = Router(tags=["Wallets"])
_JSON_BODY = {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}
_FORM_BODY = {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}}
# A used offer and an expired one are told apart for the wallet to explain (VC-API leaves the codes to the exchanger).
_STATUSES = {"duplicate": 409, "late": 410}


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def _throttle(request: HttpRequest) -> None:
    limit, window = throttle_limits("vc_verify")
    throttle_hit("vc_verify", client_address(request), limit=limit, window=window)


def _json(request: HttpRequest) -> Any:
    try:
        return jsonguard.loads(request.body or b"{}")
    except jsonguard.JsonRefused as error:
        raise _Refused(error.status, str(error.message)) from None
    except ValueError:
        raise _Refused(400, "the request is not valid JSON") from None


def _no_store(body: dict, status: int = 200, **headers: str) -> JsonResponse:
    # Tokens, nonces and credentials are never cached (RFC 6749 §5.1, OID4VCI §6.2, §7.2).
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name] = value
    return response


@exchanges_router.post("/{exchange_id}", auth=None, summary="Take part in a VC-API exchange (issuing into a wallet)", openapi_extra=_JSON_BODY)
def exchange(request: HttpRequest, exchange_id: str):
    """`{}` -> a DIDAuthentication request; `{"verifiablePresentation"}` -> the credential, bound to the wallet's DID."""
    _throttle(request)
    try:
        return _no_store(exchanges.exchange_participate(exchange_id=exchange_id, message=_json(request)))
    except _Refused as error:
        return _no_store({"error": error.message}, error.status)
    except DomainError as error:
        return _no_store({"error": str(error.message), "code": str(error.code)}, _STATUSES.get(str(error.code), error.status))


@exchanges_router.get("/{exchange_id}/protocols", auth=None, summary="The protocols of a VC-API exchange (interaction URL)")
def exchange_protocols(request: HttpRequest, exchange_id: str):
    _throttle(request)
    try:
        return _no_store(exchanges.exchange_protocols(exchange_id=exchange_id))
    except DomainError as error:
        return _no_store({"error": str(error.message), "code": str(error.code)}, _STATUSES.get(str(error.code), error.status))


def _refused(error: DomainError) -> JsonResponse:
    return _no_store({"error": str(error.message), "code": str(error.code)}, _STATUSES.get(str(error.code), error.status))


def _workflow_answer(workflow_id: str, answer: Callable[[], dict | HttpResponse]) -> HttpResponse:
    """Run `answer` for the platform's one workflow (any other: 404), with refusals as JSON errors."""
    try:
        if workflow_id != exchanges.WORKFLOW:
            raise _Refused(404, "no such workflow: this platform runs one, " + exchanges.WORKFLOW)
        result = answer()
    except _Refused as error:
        return _no_store({"error": error.message}, error.status)
    except DomainError as error:
        return _refused(error)
    return result if isinstance(result, HttpResponse) else _no_store(result)


@workflows_router.get("/{workflow_id}", summary="The claim-credential workflow (VC-API workflows)")
def workflow(request: HttpRequest, workflow_id: str):
    return _workflow_answer(workflow_id, exchanges.workflow_description)


@workflows_router.post("/{workflow_id}/exchanges", summary="Create an exchange that puts one of your credentials in a wallet (VC-API)",
                       openapi_extra=_JSON_BODY)
def workflow_exchange_create(request: HttpRequest, workflow_id: str):
    """The holder's token; `{"variables": {"credential": "<its public id>"}, "expires": "<optional, within 15 minutes>"}`.
    204 with the exchange's address in `Location` (VC-API "create exchange"); a wallet then POSTs there."""

    def create() -> HttpResponse:
        body = _json(request)
        if not isinstance(body, dict) or set(body) - {"variables", "expires"} or not isinstance(body.get("variables"), dict) \
                or set(body["variables"]) != {"credential"}:
            raise _Refused(400, 'send {"variables": {"credential": "<public id>"}} and, if you wish, "expires"')
        offer = exchanges.workflow_exchange_create(actor=request.user, credential_id=body["variables"]["credential"], expires=body.get("expires"))
        response = HttpResponse(status=204)
        response["Location"] = exchanges.exchange_url(offer, scoped=True)
        response["Cache-Control"] = "no-store"
        return response

    return _workflow_answer(workflow_id, create)


@workflows_router.get("/{workflow_id}/exchanges/{exchange_id}", summary="The state of your exchange (VC-API)")
def workflow_exchange_state(request: HttpRequest, workflow_id: str, exchange_id: str):
    return _workflow_answer(workflow_id, lambda: exchanges.workflow_exchange_state(actor=request.user, exchange_id=exchange_id))


@workflows_router.post("/{workflow_id}/exchanges/{exchange_id}", auth=None, summary="Take part in a workflow's exchange (VC-API)",
                       openapi_extra=_JSON_BODY)
def workflow_exchange(request: HttpRequest, workflow_id: str, exchange_id: str):
    """The same exchange as POST /exchanges/{exchange_id}, at its workflow-scoped address (which it names back)."""
    _throttle(request)
    return _workflow_answer(workflow_id, lambda: exchanges.exchange_participate(exchange_id=exchange_id, message=_json(request), scoped=True))


@workflows_router.get("/{workflow_id}/exchanges/{exchange_id}/protocols", auth=None, summary="The protocols of a workflow's exchange (VC-API)")
def workflow_exchange_protocols(request: HttpRequest, workflow_id: str, exchange_id: str):
    _throttle(request)
    return _workflow_answer(workflow_id, lambda: exchanges.exchange_protocols(exchange_id=exchange_id, scoped=True))


@oid4vci_router.post("/token", auth=None, summary="OID4VCI token endpoint (pre-authorised code)", openapi_extra=_FORM_BODY)
def token(request: HttpRequest):
    _throttle(request)
    if len(request.body) > 4096:
        return _no_store({"error": "invalid_request", "error_description": "the request is too large"}, 400)
    try:
        return _no_store(oid4vci.token_exchange(grant_type=request.POST.get("grant_type"), code=request.POST.get("pre-authorized_code")))
    except oid4vci.OAuthError as error:
        return _no_store(error.body(), error.status)


@oid4vci_router.post("/nonce", auth=None, summary="OID4VCI nonce endpoint")
def nonce(request: HttpRequest):
    _throttle(request)
    return _no_store({"c_nonce": oid4vci.nonce_new()})


@oid4vci_router.post("/credential", auth=None, summary="OID4VCI credential endpoint", openapi_extra=_JSON_BODY)
def credential(request: HttpRequest):
    _throttle(request)
    try:
        body = _json(request)
        return _no_store(oid4vci.credential_issue(authorization=request.headers.get("Authorization"), request=body))
    except _Refused as error:
        return _no_store({"error": "invalid_credential_request", "error_description": error.message}, error.status)
    except oid4vci.OAuthError as error:
        # RFC 6750 §3: a missing or bad token is answered with WWW-Authenticate.
        extra = {"WWW-Authenticate": f'Bearer error="{error.error}"'} if error.status == 401 else {}
        return _no_store(error.body(), error.status, **extra)
    except DomainError as error:  # the credential is no longer valid, or the issuer cannot sign now
        return _no_store({"error": "invalid_credential_request", "error_description": str(error.message)}, 400)
