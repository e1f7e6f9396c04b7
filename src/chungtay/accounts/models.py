"""Users, their role and their scope, and personal API tokens."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chungtay.core.audit import audited_history


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City administrator")
    OFFICE_OFFICER = "office_officer", _("Office officer")
    SCHOOL_LEADER = "school_leader", _("School leader")
    TEACHER = "teacher", _("Teacher")
    VIEWER = "viewer", _("Viewer")


SCHOOL_ROLES = (Role.SCHOOL_LEADER, Role.TEACHER)


class User(AbstractUser):
    """A person using the platform. The role says what they may do; the scope fields say over what:

    - city administrator: `office` is their department (Sở);
    - office officer: `office` is their district office and/or `scope_units` the units they cover
      (after 1/7/2025 there are no district offices, only wards and communes);
    - school leader and teacher: `school`;
    - viewer: read-only over any of `office`, `scope_units` or `school`."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    office = models.ForeignKey(
        "directory.EducationOffice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("office"),
    )
    school = models.ForeignKey(
        "directory.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("school"),
    )
    scope_units = models.ManyToManyField(
        "directory.AdminUnit", blank=True, related_name="scoped_users", verbose_name=_("units in scope")
    )
    history = audited_history(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["school_leader", "teacher"]) | Q(school__isnull=False),
                name="accounts_school_roles_have_school",
                violation_error_message=_("A school leader or teacher must belong to a school."),
            ),
            models.CheckConstraint(
                condition=~Q(role="city_admin") | Q(office__isnull=False),
                name="accounts_city_admin_has_department",
                violation_error_message=_("A city administrator must belong to a department."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_read_only(self) -> bool:
        return self.role == Role.VIEWER


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the raw value is shown once, at creation."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(_("read-only"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyKey(models.Model):
    """A write a user has sent once under a key (a form's hidden field, or the API's Idempotency-Key
    header): while it runs, a second request with the key is refused; once it succeeded, a retry gets the
    same answer back instead of a second record."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=100)
    request = models.CharField(_("request"), max_length=300)  # method and path
    fingerprint = models.CharField(_("body fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=500, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    body = models.BinaryField(_("body"), blank=True, default=b"")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_one_request_per_key")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"
