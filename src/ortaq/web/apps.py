from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "ortaq.web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        from django.contrib import admin

        # Django admin is for platform administrators only (superusers), never for institution staff.
        admin.site.has_permission = lambda request: bool(  # type: ignore[method-assign]  # replaced on purpose
            request.user.is_active and request.user.is_superuser
        )
        admin.site.site_header = "Ortaq"
