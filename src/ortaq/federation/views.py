"""The node's public manifest and its signed server-to-server endpoints (no language prefix: machines read them)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .inbound import refusal, signed_json, verified_peer


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(selectors.manifest(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    return response


@csrf_exempt  # peers authenticate by signature, not by a browser session
@require_POST
def inbox(request: HttpRequest) -> HttpResponse:
    try:
        peer = verified_peer(request)
        status, message_id = services.inbox_receive(peer=peer, body=request.body)
    except services.Refused as refused:
        return refusal(request, refused)
    return signed_json(request, {"status": status, "id": message_id})
