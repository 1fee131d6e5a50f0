from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .forms import AdminLoginForm
from .models import ApiToken, LanguageCertificate, Membership, User

# The admin's sign-in under the same throttle as the platform's (failed attempts per account and address).
admin.site.login_form = AdminLoginForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["institution"]


@admin.register(User)
class OrtaqUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "full_name_latin", "email", "is_active")
    search_fields = ("username", "full_name", "full_name_latin", "email")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Ortaq", {"fields": ("full_name", "full_name_latin", "preferred_language", "iin", "passport_number", "passport_country")}),
    )
    inlines = [MembershipInline]


admin.site.register(LanguageCertificate)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("digest", "prefix")
