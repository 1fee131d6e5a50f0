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
    path("<int:pk>/nominate/", views.nominate, name="nominate"),
    path("<int:pk>/enrol/", views.enrol, name="enrol"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/assess/", views.assess, name="assess"),
    path("<int:pk>/complete/", views.complete, name="complete"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
    path("<int:pk>/state/", views.set_state, name="set_state"),
]
