from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from ortaq.api import api
from ortaq.web import views as web_views

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

urlpatterns += i18n_patterns(
    path("", include(([path("", web_views.home, name="home")], "web"))),
    path("accounts/", include("ortaq.accounts.urls")),
    path("institutions/", include("ortaq.institutions.urls")),
    path("agreements/", include("ortaq.agreements.urls")),
    path("programmes/", include("ortaq.programmes.urls")),
    path("mobility/", include("ortaq.mobility.urls")),
    path("notifications/", include("ortaq.notifications.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    prefix_default_language=True,
)
