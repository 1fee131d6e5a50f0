from django.urls import path

from . import views, wallet_views

app_name = "credentials"
urlpatterns = [
    path("", views.wallet, name="wallet"),
    path("registrar/", views.registrar, name="registrar"),
    path("registrar/credentials/", views.registrar_search, name="search"),
    path("registrar/credentials/certificates.zip", views.registrar_zip, name="zip"),
    path("registrar/batches/<int:pk>/", views.batch_status, name="batch_status"),
    path("registrar/batches/<int:pk>/approve/", views.batch_approve, name="batch_approve"),
    path("registrar/issuers/<int:pk>/rotate/", views.issuer_rotate, name="issuer_rotate"),
    path("internship/<int:agreement_id>/", views.internship_certificate, name="internship_certificate"),
    path("sets/", views.shared_set_create, name="set_create"),
    path("sets/<str:code>/revoke/", views.shared_set_revoke, name="set_revoke"),
    path("<uuid:public_id>/", views.credential_detail, name="detail"),
    path("<uuid:public_id>/reprint/", views.credential_reprint, name="reprint"),
    path("<uuid:public_id>/state/", views.credential_state, name="state"),
    path("<uuid:public_id>/credential.json", views.credential_json, name="json"),
    path("<uuid:public_id>/certificate.pdf", views.credential_pdf_view, name="pdf"),
    path("<uuid:public_id>/share/", views.share_code_create, name="share"),
    path("<uuid:public_id>/add-to-wallet/", wallet_views.add_to_wallet, name="add_to_wallet"),
    path("<uuid:public_id>/share/<str:code>/revoke/", views.share_code_revoke, name="share_revoke"),
]
