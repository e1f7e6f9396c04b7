"""The Django admin, for the city administrator and the platform operator.

- Domain models (the map, offices, schools, figures …) are **read-only** here, and only the operator (a
  superuser) sees them: every change to them goes through the pages, the API or an import, so the
  services' rules, version checks and audit reasons always apply.
- A city administrator manages the accounts of their own department only: they see, create and edit
  its users (role, scope, password, active), never a superuser and never another department's users,
  and they can never grant superuser, staff, group or permission rights (those fields are not on their
  form, and a forged POST that names them changes nothing). API tokens are read-only (revoked from
  "My account")."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from chungtay.access.roles import is_city_admin
from chungtay.access.scopes import home_department
from chungtay.accounts.models import ApiToken, Role, User


def _city_admin_only(request: HttpRequest) -> bool:
    """The Django admin is for the city administrator (and the platform operator) only."""
    return is_city_admin(request.user)


admin.site.has_permission = _city_admin_only  # type: ignore[method-assign]


def _operator(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_superuser", False) and request.user.is_active)


class ReadOnlyDomainAdmin(admin.ModelAdmin):
    """A domain model in the admin: the operator may look; nobody writes here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _operator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _operator(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """A domain model's rows shown inside its parent's admin page: looked at, never written."""

    can_delete = False
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def department_users(request: HttpRequest) -> QuerySet[User]:
    """The accounts a city administrator manages: their department's, never a superuser."""
    if _operator(request):
        return User.objects.all()
    department = home_department(request.user)
    if department is None:
        return User.objects.none()
    return User.objects.filter(
        Q(office=department) | Q(office__department=department) | Q(school__department=department),
        is_superuser=False,
    )


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
    _city_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permissions"), {"fields": ("is_active",)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        (
            _("Role and scope"),
            {"fields": ("role", "full_name", "position", "office", "school", "scope_units")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).filter(pk__in=department_users(request).values("pk"))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if _operator(request) or obj is None:
            return super().get_fieldsets(request, obj)
        return self._city_fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("last_login", "date_joined") if not _operator(request) and obj is not None else ()

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not _operator(request):
            if obj.pk:
                stored = User.objects.get(pk=obj.pk)
                obj.is_superuser, obj.is_staff = stored.is_superuser, stored.is_staff
            else:
                obj.is_superuser = obj.is_staff = False
            obj.is_staff = obj.is_staff and obj.role == Role.CITY_ADMIN
            department = home_department(request.user)
            office_ok = obj.office is None or obj.office.tenant.pk == getattr(department, "pk", None)
            school_ok = obj.school is None or obj.school.department_id == getattr(department, "pk", None)
            if not (office_ok and school_ok):
                raise PermissionDenied
        obj._change_reason = "admin"  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not _operator(request):
            for name in ("groups", "user_permissions"):
                form.cleaned_data.pop(name, None)
        super().save_related(request, form, formsets, change)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "read_only", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix", "last_used_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return super().get_queryset(request).filter(user__in=department_users(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
