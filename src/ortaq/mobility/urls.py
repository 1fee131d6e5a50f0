from django.urls import path

from . import views, views_during

app_name = "mobility"
urlpatterns = [
    path("", views.mobility_home, name="home"),
    path("offers/", views.offer_list, name="offers"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/<int:pk>/publish/", views.offer_publish, name="offer_publish"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/application/", views.application_save, name="application_save"),
    path("calls/<int:pk>/application/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("calls/<int:pk>/applications/<int:application_id>/score/", views.application_score, name="application_score"),
    path("calls/<int:pk>/applications.<str:fmt>", views.applications_export, name="applications_export"),
    path("calls/<int:pk>/open/", views.call_open, name="call_open"),
    path("calls/<int:pk>/close/", views.call_close, name="call_close"),
    path("calls/<int:pk>/option/", views.call_option_add, name="call_option_add"),
    path("calls/<int:pk>/round/", views.round_request, name="round_request"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/publish/", views.round_publish, name="round_publish"),
    path("rounds/<int:pk>/outcomes.<str:fmt>", views.round_export, name="round_export"),
    path("nominations/", views.nominations, name="nominations"),
    path("nominations/<int:pk>/", views.nomination_decide, name="nomination_decide"),
    path("nominations/remote/<int:pk>/", views.remote_nomination_decide, name="remote_nomination_decide"),
    path("nominations/<int:nomination_id>/agreement/", views_during.agreement_start, name="agreement_start"),
    path("agreements/<int:pk>/", views_during.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/edit/", views_during.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/sign/", views_during.agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/propose/", views_during.change_propose, name="change_propose"),
    path("agreements/<int:pk>/decide/", views_during.change_decide, name="change_decide"),
    path("agreements/<int:pk>/logbook/", views_during.logbook_submit, name="logbook_submit"),
    path("agreements/<int:pk>/verify/", views_during.logbook_verify, name="logbook_verify"),
    path("agreements/<int:pk>/evaluate/", views_during.outcome_evaluate, name="outcome_evaluate"),
    path("agreements/<int:pk>/result/", views_during.transcript_record, name="transcript_record"),
    path("logbook/<str:token>/", views_during.logbook_link, name="logbook_link"),
    path("behind/", views_during.behind_target, name="behind"),
]

# The reader's own learning and training agreements (the home page's inbox links here).
from . import views_mine  # noqa: E402

urlpatterns.append(path("agreements/mine/", views_mine.my_agreements, name="mine"))

# A placement after publication: the learner's answer and document checklist, the coordinator's checks, the
# nominee's file for the host (issue 15).
from . import views_placement  # noqa: E402

urlpatterns += [
    path("placements/<int:pk>/", views_placement.placement_detail, name="placement"),
    path("placements/<int:pk>/answer/", views_placement.placement_answer, name="placement_answer"),
    path("placements/<int:pk>/documents/<str:kind>/", views_placement.placement_document_submit, name="placement_document"),
    path("placements/<int:pk>/documents/<str:kind>/check/", views_placement.placement_document_check, name="placement_document_check"),
    path("placements/<int:pk>/documents/<str:kind>/file", views_placement.placement_document_file, name="placement_document_file"),
    path("placements/<int:pk>/evidence/<int:document_id>", views_placement.nominee_document_file, name="nominee_document_file"),
]

# The host's copy of a learning or training agreement drafted on another node, to sign there (issue 16).
from . import views_remote_agreements  # noqa: E402

urlpatterns += [
    path("agreements/remote/<int:pk>/", views_remote_agreements.remote_agreement_detail, name="remote_agreement"),
    path("agreements/remote/<int:pk>/sign/", views_remote_agreements.remote_agreement_sign, name="remote_agreement_sign"),
    path("agreements/remote/<int:pk>/changes/", views_remote_agreements.remote_agreement_change_propose, name="remote_agreement_change_propose"),
    path("agreements/remote/<int:pk>/logbook/verify/", views_remote_agreements.remote_agreement_logbook_verify, name="remote_agreement_logbook_verify"),
    path("agreements/remote/<int:pk>/result/", views_remote_agreements.remote_agreement_result, name="remote_agreement_result"),
    path("agreements/remote/<int:pk>/evaluate/", views_remote_agreements.remote_agreement_evaluate, name="remote_agreement_evaluate"),
    path("agreements/remote/<int:pk>/transcript/", views_remote_agreements.remote_agreement_transcript_send, name="remote_agreement_transcript_send"),
    path("logbook/remote/<str:token>/", views_remote_agreements.remote_logbook_link, name="remote_logbook_link"),
]
