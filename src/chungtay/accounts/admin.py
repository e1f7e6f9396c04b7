from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from chungtay.accounts.models import ApiToken, User
from chungtay.accounts.scopes import is_city_admin


def _city_admin_only(request: HttpRequest) -> bool:
    """The Django admin is for the city administrator (and the platform operator) only."""
    return is_city_admin(request.user)


admin.site.has_permission = _city_admin_only  # type: ignore[method-assign]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ("username", "full_name", "role", "office", "school", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name", "email")
    raw_id_fields = ("school", "office")
    filter_horizontal = ("scope_units", "groups")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (
            _("Role and scope"),
            {"fields": ("role", "full_name", "position", "office", "school", "scope_units")},
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "read_only", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix", "last_used_at")
