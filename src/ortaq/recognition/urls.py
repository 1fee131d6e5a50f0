from django.urls import path

from . import views

app_name = "recognition"
urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("rules/", views.conversion_rules, name="rules"),
    path("alignment/", views.alignment_stats, name="alignment_stats"),
    path("modules/<int:module_id>/outcomes/paste/", views.outcomes_paste, name="outcomes_paste"),
    path("open/<int:agreement_id>/", views.dossier_open, name="open"),
    path("<int:pk>/", views.dossier_detail, name="dossier"),
    path("<int:pk>/decide/", views.item_decide, name="decide"),
    path("<int:pk>/sign/", views.dossier_sign, name="sign"),
    path("<int:pk>/transcript/", views.transcript_issue, name="transcript"),
    path("<int:pk>/appeal/", views.appeal_file, name="appeal"),
    path("<int:pk>/review/", views.appeal_decide, name="review"),
]
