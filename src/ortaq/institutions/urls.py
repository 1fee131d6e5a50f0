from django.urls import path

from . import views

app_name = "institutions"
urlpatterns = [
    path("", views.institution_list, name="list"),
    path("new/", views.institution_create, name="create"),
    path("import/", views.institution_import, name="import"),
    path("export.<str:fmt>", views.institution_export, name="export"),
    path("<int:pk>/", views.institution_detail, name="detail"),
    path("<int:pk>/edit/", views.institution_edit, name="edit"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
]
