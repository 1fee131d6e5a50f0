from django.contrib import admin

from .models import Agreement, AgreementApproval, AgreementVersion, CooperationCondition


class ConditionInline(admin.TabularInline):
    model = CooperationCondition
    extra = 0
    fk_name = "agreement"


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "state", "start_year", "end_year", "version")
    list_filter = ("state", "kind")
    search_fields = ("title", "reference")
    inlines = [ConditionInline]


admin.site.register(AgreementVersion)
admin.site.register(AgreementApproval)
