from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("refresh/", views.refresh, name="refresh"),
    path("refresh/<int:pk>/", views.refresh_status, name="refresh_status"),
    path("export/<str:key>.<str:fmt>", views.export, name="export"),
    path("open-data/<str:key>.<str:fmt>", views.open_data, name="open_data"),
]
