from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("refresh/", views.refresh, name="refresh"),
    path("export/<str:key>.<str:fmt>", views.export, name="export"),
    path("open-data/<str:key>.<str:fmt>", views.open_data, name="open_data"),
]
