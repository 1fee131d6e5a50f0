from django.urls import path

from . import views

app_name = "agreements"
urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("new/", views.agreement_create, name="create"),
    path("export.<str:fmt>", views.agreement_export, name="export"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/edit/", views.agreement_edit, name="edit"),
    path("<int:pk>/conditions/", views.condition_add, name="condition_add"),
    path("<int:pk>/conditions/<int:condition_id>/remove/", views.condition_remove, name="condition_remove"),
    path("<int:pk>/propose/", views.agreement_propose, name="propose"),
    path("<int:pk>/approve/", views.agreement_approve, name="approve"),
    path("<int:pk>/in-effect/", views.agreement_put_into_effect, name="in_effect"),
    path("<int:pk>/terminate/", views.agreement_terminate, name="terminate"),
    path("<int:pk>/versions/", views.agreement_compare, name="compare"),
    path("<int:pk>/pdf/", views.agreement_pdf, name="pdf"),
]
