from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MobilityConfig(AppConfig):
    name = "ortaq.mobility"
    verbose_name = _("Mobility and internships")
