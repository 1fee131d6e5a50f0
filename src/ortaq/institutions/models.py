from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ortaq.i18n import localized


class InstitutionKind(models.TextChoices):
    COLLEGE = "college", _("College")
    JOINT_COLLEGE = "joint_college", _("Joint college")
    UNIVERSITY = "university", _("University")
    ENTERPRISE = "enterprise", _("Enterprise")
    INDUSTRIAL_CLUSTER = "industrial_cluster", _("Industrial cluster")
    MINISTRY = "ministry", _("Ministry")


class Institution(models.Model):
    kind = models.CharField(_("kind"), max_length=30, choices=InstitutionKind.choices)
    # The name as the institution writes it, in its own script, and the Latin form partners use.
    name_original = models.CharField(_("name in original script"), max_length=300)
    name_latin = models.CharField(_("name in Latin script"), max_length=300, db_index=True)
    name_kk = models.CharField(_("name in Kazakh"), max_length=300, blank=True)
    name_ru = models.CharField(_("name in Russian"), max_length=300, blank=True)
    name_zh = models.CharField(_("name in Chinese"), max_length=300, blank=True)
    name_en = models.CharField(_("name in English"), max_length=300, blank=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    country = models.CharField(_("country"), max_length=2, db_index=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    kz_bin = models.CharField(_("BIN (Kazakhstan)"), max_length=12, blank=True)
    education_code = models.CharField(_("national education database code"), max_length=30, blank=True)
    cn_uscc = models.CharField(_("unified social credit code (China)"), max_length=18, blank=True)
    schac = models.CharField(_("SCHAC domain"), max_length=253, blank=True)
    accessibility_facilities = models.JSONField(_("accessibility facilities"), default=list, blank=True)
    parent_cluster = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="cluster_members",
        verbose_name=_("industrial cluster"),
    )
    # The institution whose coordinators registered this one (a college adding a partner enterprise); they may
    # keep its profile up to date until it has coordinators of its own.
    registered_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="registered",
        verbose_name=_("registered by"),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    # A remote institution's home node (its id: the node's base URL), mirrored from a trusted peer's manifest by
    # ortaq.federation; null for the institutions this node hosts.
    node = models.CharField(_("home node"), max_length=300, null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_latin", "id"]
        indexes = [models.Index(fields=["kind", "country", "name_latin"])]
        constraints = [
            models.UniqueConstraint(fields=["kz_bin"], condition=~models.Q(kz_bin=""), name="unique_kz_bin"),
            models.UniqueConstraint(fields=["cn_uscc"], condition=~models.Q(cn_uscc=""), name="unique_cn_uscc"),
            models.UniqueConstraint(fields=["schac"], condition=~models.Q(schac=""), name="unique_schac"),
        ]

    def __str__(self) -> str:
        return self.name_latin or self.name_original

    @property
    def display_name(self) -> str:
        """The name in the reader's language, else the original; the Latin form is shown beside it."""
        return localized(self, "name") or self.name_original


class Contact(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name in original script"), max_length=200)
    name_latin = models.CharField(_("name in Latin script"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name_latin", "id"]

    def __str__(self) -> str:
        return self.name
