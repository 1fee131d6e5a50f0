from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw
from ortaq.i18n import localized


class Programme(models.Model):
    """A (joint) programme; when it awards a dual qualification each awarding institution names its own."""

    code = models.CharField(_("code"), max_length=40)
    title_kk = models.CharField(_("title in Kazakh"), max_length=300, blank=True)
    title_ru = models.CharField(_("title in Russian"), max_length=300, blank=True)
    title_zh = models.CharField(_("title in Chinese"), max_length=300, blank=True)
    title_en = models.CharField(_("title in English"), max_length=300)
    awarding_institutions = models.ManyToManyField(
        "institutions.Institution", related_name="programmes", verbose_name=_("awarding institutions")
    )
    is_joint = models.BooleanField(_("joint programme"), default=True)
    dual_qualification = models.BooleanField(_("awards a dual qualification"), default=True)
    qualification_kz = models.CharField(_("qualification awarded in Kazakhstan"), max_length=300, blank=True)
    qualification_cn = models.CharField(_("qualification awarded in China"), max_length=300, blank=True)
    isced_code = models.CharField(_("ISCED-F 2013 field"), max_length=4)
    kz_nqf_level = models.CharField(_("KZ NQF level"), max_length=2, blank=True)
    eqf_level = models.CharField(_("EQF level"), max_length=2, blank=True)
    cn_level = models.CharField(_("Chinese level"), max_length=40, blank=True)
    specialty_code_kz = models.CharField(_("specialty code (Kazakhstan)"), max_length=20, blank=True)
    specialty_code_cn = models.CharField(_("specialty code (China)"), max_length=20, blank=True)
    languages = models.JSONField(_("languages of instruction"), default=list, blank=True)
    duration_months = models.PositiveSmallIntegerField(_("duration in months"), null=True, blank=True)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.title_en}"

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def cn_level_name(self) -> str:
        """The Chinese level as the reader's language names it (the code is what is stored and exchanged)."""
        term = fw.level("cn", self.cn_level) if self.cn_level else None
        return fw.localized(term, translation.get_language() or "en") if term else self.cn_level

    @property
    def total_credits(self) -> int:
        return sum(m.credits for m in self.modules.all())


class Module(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="modules")
    code = models.CharField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title_kk = models.CharField(_("title in Kazakh"), max_length=300, blank=True)
    title_ru = models.CharField(_("title in Russian"), max_length=300, blank=True)
    title_zh = models.CharField(_("title in Chinese"), max_length=300, blank=True)
    title_en = models.CharField(_("title in English"), max_length=300)
    credits = models.PositiveSmallIntegerField(_("credits"))
    # A professional standard unit and a Chinese "1+X" vocational skill certificate the module prepares for.
    professional_standard_code = models.CharField(_("professional standard code"), max_length=40, blank=True)
    professional_standard_title = models.CharField(_("professional standard title"), max_length=300, blank=True)
    certificate_1x_code = models.CharField(_("1+X certificate code"), max_length=40, blank=True)
    certificate_1x_title = models.CharField(_("1+X certificate title"), max_length=300, blank=True)

    class Meta:
        ordering = ["order", "code", "id"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="unique_module_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title_en}"

    @property
    def title(self) -> str:
        return localized(self, "title")


class LearningOutcome(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="outcomes")
    code = models.CharField(_("code"), max_length=40)
    text_kk = models.TextField(_("text in Kazakh"), blank=True)
    text_ru = models.TextField(_("text in Russian"), blank=True)
    text_zh = models.TextField(_("text in Chinese"), blank=True)
    text_en = models.TextField(_("text in English"), blank=True)

    class Meta:
        ordering = ["code", "id"]

    def __str__(self) -> str:
        return self.code

    @property
    def text(self) -> str:
        return localized(self, "text")
