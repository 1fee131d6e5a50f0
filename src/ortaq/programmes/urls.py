from django.urls import path

from . import views

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_create, name="create"),
    path("<int:pk>/", views.programme_detail, name="detail"),
    path("<int:pk>/modules/", views.module_add, name="module_add"),
    path("<int:pk>/modules/<int:module_id>/outcomes/", views.outcome_add, name="outcome_add"),
]
