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
        # The empty choice of every select ("- Select an option -", new in Django 6.1) is not in Django's ru,
        # zh-hans or kk catalogues yet: marked here, the same msgid comes from Ortaq's catalogues, which are
        # searched first (Django documents overwriting it in ready()).
        from django.db.models import fields

        fields.BLANK_CHOICE_LABEL = _("- Select an option -")
        # The reader's time zone is remembered in the session when they sign in (ReaderTimeZoneMiddleware).
        from django.contrib.auth.signals import user_logged_in

        from .middleware import remember_time_zone

        user_logged_in.connect(remember_time_zone, dispatch_uid="ortaq.web.remember_time_zone")
