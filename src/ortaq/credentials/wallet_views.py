"""Issuing into wallets, the web side: the holder's "Add to a wallet" page (both QR codes) and the OID4VCI
metadata a wallet reads from the issuer's .well-known addresses (credentials.exchanges, credentials.oid4vci)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control

from ortaq.errors import DomainError, error_text

from . import exchanges, oid4vci, selectors
from .views import qr_svg


def _own_credential(request, public_id):
    """The credential for its holder only: a registrar or an administrator does not add it to a wallet."""
    credential, holder, _registrar = selectors.credential_for_viewer(actor=request.user, public_id=public_id)
    if credential is None or not holder:
        raise Http404
    return credential


def _offer_context(credential, offers) -> dict:
    vc_api, openid = offers.get(exchanges.VC_API), offers.get(exchanges.OID4VCI)
    lcw = exchanges.lcw_deep_link(vc_api) if vc_api else ""
    offer_uri = oid4vci.credential_offer_uri(openid) if openid else ""
    return {"credential": credential, "lcw_link": lcw, "lcw_qr": qr_svg(lcw) if lcw else "", "offer_uri": offer_uri,
            "offer_qr": qr_svg(offer_uri) if offer_uri else "", "expires_at": vc_api.expires_at if vc_api else None,
            "copies": exchanges.wallet_copies(credential=credential), "nav_section": "credentials"}


@login_required
def add_to_wallet(request, public_id):
    """GET: the open offers' QR codes (or a button to make them); POST: fresh one-time offers, then GET again."""
    credential = _own_credential(request, public_id)
    if request.method == "POST":
        try:
            exchanges.wallet_offers_create(actor=request.user, credential=credential)
        except DomainError as error:
            return render(request, "credentials/add_to_wallet.html", {**_offer_context(credential, {}), "error": error_text(error)}, status=error.status)
        return redirect("credentials:add_to_wallet", public_id=credential.public_id)
    return render(request, "credentials/add_to_wallet.html", _offer_context(credential, exchanges.wallet_offers_open(actor=request.user, credential=credential)))


@cache_control(public=True, max_age=300)
def openid_credential_issuer(request):
    """OID4VCI 1.0 §12.2.2: the Credential Issuer Metadata at /.well-known/openid-credential-issuer."""
    return JsonResponse(oid4vci.issuer_metadata())


@cache_control(public=True, max_age=300)
def oauth_authorization_server(request):
    """RFC 8414 §3: the authorisation server metadata (the token endpoint) at /.well-known/oauth-authorization-server."""
    return JsonResponse(oid4vci.authorization_server_metadata())
