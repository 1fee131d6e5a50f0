from django.urls import path

from . import views

app_name = "recognition"
urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("rules/", views.conversion_rules, name="rules"),
    path("open/<int:agreement_id>/", views.dossier_open, name="open"),
    path("<int:pk>/", views.dossier_detail, name="dossier"),
    path("<int:pk>/<str:action>/", views.dossier_action, name="action"),
]
