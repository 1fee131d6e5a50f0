from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    path("", views.cohort_list, name="list"),
    path("new/", views.cohort_create, name="create"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("report/", views.institution_report, name="report_institutions"),
    path("<int:pk>/", views.cohort_detail, name="cohort"),
    path("<int:pk>/report.<str:fmt>", views.cohort_report_export, name="report"),
    path("<int:pk>/self-assessment/<str:phase>/<str:framework>/", views.self_assessment, name="self_assessment"),
    path("<int:pk>/<str:action>/", views.cohort_action, name="action"),
]
