from django.contrib import admin

from .models import LearningOutcome, Module, Programme


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("code", "title_en", "isced_code", "eqf_level", "kz_nqf_level")
    search_fields = ("code", "title_en", "title_ru", "title_kk", "title_zh")
    inlines = [ModuleInline]


admin.site.register(LearningOutcome)
