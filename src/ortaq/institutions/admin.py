from django.contrib import admin

from .models import Contact, Institution


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name_latin", "name_original", "kind", "country", "city", "is_demo")
    list_filter = ("kind", "country", "is_demo")
    search_fields = ("name_latin", "name_original", "name_en", "kz_bin", "cn_uscc", "schac")
    inlines = [ContactInline]
