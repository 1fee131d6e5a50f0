from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from ortaq.api import api
from ortaq.credentials import views as credential_views
from ortaq.credentials import wallet_views
from ortaq.federation import views as federation_views
from ortaq.web import views as web_views

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Stable public addresses of the credential system (no language prefix: machines read them).
    path("issuers/<int:institution_id>/did.json", credential_views.did_json, name="issuer_did"),
    path("ns/credentials/v1", credential_views.ortaq_context, name="ortaq_context"),
    path("credentials/status/<int:issuer_id>/<str:purpose>", credential_views.status_list, name="credential_status_list"),
    # What a holder's wallet reads from a presentation request's link or QR code (challenge, domain, where to answer).
    path("credentials/presentation-requests/<str:challenge>", credential_views.presentation_request_json, name="presentation_request_json"),
    # OpenID for Verifiable Credential Issuance: what a wallet reads before taking a credential (credentials.oid4vci).
    path(".well-known/openid-credential-issuer", wallet_views.openid_credential_issuer, name="openid_credential_issuer"),
    path(".well-known/oauth-authorization-server", wallet_views.oauth_authorization_server, name="oauth_authorization_server"),
    # Federation: the node's manifest and the signed server-to-server API (docs/federation.md).
    path(".well-known/ortaq-node.json", federation_views.manifest, name="federation_manifest"),
    path("federation/v1/", include("ortaq.federation.urls")),
]

urlpatterns += i18n_patterns(
    path("", include(([path("", web_views.home, name="home")], "web"))),
    path("accounts/", include("ortaq.accounts.urls")),
    path("institutions/", include("ortaq.institutions.urls")),
    path("agreements/", include("ortaq.agreements.urls")),
    path("programmes/", include("ortaq.programmes.urls")),
    path("mobility/", include("ortaq.mobility.urls")),
    path("notifications/", include("ortaq.notifications.urls")),
    path("wallet/", include("ortaq.credentials.urls")),
    path("training/", include("ortaq.training.urls")),
    path("recognition/", include("ortaq.recognition.urls")),
    path("analytics/", include("ortaq.analytics.urls")),
    path("verify/", credential_views.verify_page, name="verify"),
    path("verify/presentations/", credential_views.presentation_request_new, name="presentation_request_new"),
    path("verify/presentations/<str:secret>/", credential_views.presentation_request_page, name="presentation_request"),
    path("verify/<str:code>", credential_views.verify_code, name="verify_code"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    prefix_default_language=True,
)

# Error pages in the site's layout and the reader's language (ortaq.web.errors).
handler400 = "ortaq.web.errors.bad_request"
handler403 = "ortaq.web.errors.permission_denied"
handler404 = "ortaq.web.errors.page_not_found"
handler500 = "ortaq.web.errors.server_error"
