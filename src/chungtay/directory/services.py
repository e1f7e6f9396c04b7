"""Writes on the directory. Every write checks scope and version, runs in one transaction and leaves
a history row naming the acting user (django-simple-history, with the request's address)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from chungtay.access.roles import is_city_admin, is_department_admin
from chungtay.access.scopes import home_department, school_for_user
from chungtay.accounts.models import User
from chungtay.core import files
from chungtay.core.errors import DomainError
from chungtay.core.versioning import save_versioned
from chungtay.directory.models import (
    BASIC_LEVEL_ORDER,
    DevelopmentArea,
    EducationOffice,
    Indicator,
    IndicatorValue,
    School,
    SchoolYear,
    SelfAssessment,
    indicator_code_validator,
)
from chungtay.directory.validators import SCORE_OUT_OF_RANGE, check_coordinates, check_score, yes_no


@transaction.atomic
def update_school_details(
    *,
    acting_user: User,
    moet_id: str,
    expected_version: int,
    address: str,
    latitude: float | None,
    longitude: float | None,
) -> School:
    """Correct a school's address and coordinates.

    Refuses (404) a school outside the user's scope and (403) a user who may not change it; refuses
    (409, nothing written) a change made on a stale version; refuses half or out-of-country coordinates."""
    school = school_for_user(acting_user, moet_id, write=True)
    check_coordinates(latitude, longitude)
    school.address = address.strip()
    school.latitude = latitude
    school.longitude = longitude
    school._history_user = acting_user  # type: ignore[attr-defined]
    return save_versioned(
        school, expected_version=expected_version, update_fields=["address", "latitude", "longitude"]
    )


UNKNOWN_AREA = _("Unknown area: %(area)s.")


@transaction.atomic
def record_self_assessment(
    *,
    acting_user: User,
    moet_id: str,
    school_year: SchoolYear,
    scores: dict[str, tuple[int, str]],
) -> list[SelfAssessment]:
    """Record a school's strengths and needs for one school year (one score and note per area),
    replacing that year's earlier answers. Only those who may change the school may assess it."""
    school = school_for_user(acting_user, moet_id, write=True)
    for area, (score, _note) in scores.items():
        if area not in DevelopmentArea.values:
            raise DomainError(UNKNOWN_AREA % {"area": area})
        if not isinstance(score, int):
            raise DomainError(SCORE_OUT_OF_RANGE)
        check_score(score)
    rows = []
    for area, (score, note) in scores.items():
        row, _ = SelfAssessment.objects.select_for_update().get_or_create(
            school=school, school_year=school_year, area=area, defaults={"score": score}
        )
        row.score, row.note, row.assessed_by = score, note.strip()[:300], acting_user
        row._history_user = acting_user  # type: ignore[attr-defined]
        row.save()
        rows.append(row)
    return rows


# --- indicators --------------------------------------------------------------------------------------------

INDICATORS_ADMIN_ONLY = _("Only the department's administrator defines indicators.")
INDICATOR_CODE_TAKEN = _("The department already has an indicator with this code.")
INDICATOR_NOT_FOR_LEVEL = _("This indicator is not measured at this school's level.")
INDICATOR_INACTIVE = _("This indicator is no longer in use.")
INDICATOR_TYPE_LOCKED = _("The type of an indicator that already has values cannot change.")


def indicators_of(user: object) -> QuerySet[Indicator]:
    """The indicator definitions of the user's department (none without one)."""
    department = home_department(user)
    if department is None:
        return Indicator.objects.none()
    return Indicator.objects.filter(department=department)


@transaction.atomic
def save_indicator(
    *,
    acting_user: User,
    indicator: Indicator | None,
    expected_version: int | None = None,
    code: str,
    name: str,
    value_type: str,
    unit: str = "",
    levels: list[str] | tuple[str, ...] = (),
    higher_is_better: bool = True,
    description: str = "",
    is_active: bool = True,
) -> Indicator:
    """Define an indicator for the administrator's department, or change one (version-checked). The code
    is the key imports use, so it is unique in the department; a type cannot change once values exist."""
    department = home_department(acting_user)
    if not is_city_admin(acting_user) or department is None:
        raise PermissionDenied(INDICATORS_ADMIN_ONLY)
    if indicator is not None and indicator.department_id != department.pk:
        raise Http404
    code = code.strip().upper()
    try:
        indicator_code_validator(code)
    except ValidationError as error:
        raise DomainError(error.messages[0], code="code") from error
    if value_type not in Indicator.ValueType.values:
        raise DomainError(_("Unknown type of value."), code="value_type")
    unknown = [level for level in levels if level not in BASIC_LEVEL_ORDER]
    if unknown:
        raise DomainError(_("Unknown school level: %(level)s.") % {"level": unknown[0]}, code="levels")
    taken = Indicator.objects.filter(department=department, code=code)
    if indicator is not None:
        taken = taken.exclude(pk=indicator.pk)
    if taken.exists():
        raise DomainError(INDICATOR_CODE_TAKEN, code="code")
    if (
        indicator is not None
        and indicator.value_type != value_type
        and IndicatorValue.objects.filter(indicator=indicator).exists()
    ):
        raise DomainError(INDICATOR_TYPE_LOCKED, code="value_type")
    fields = {
        "code": code,
        "name": name.strip()[:200],
        "value_type": value_type,
        "unit": unit.strip()[:30],
        "levels": ",".join(level for level in BASIC_LEVEL_ORDER if level in levels),
        "higher_is_better": higher_is_better,
        "description": description.strip(),
        "is_active": is_active,
    }
    if not fields["name"]:
        raise DomainError(_("A name is required."), code="name")
    if indicator is None:
        created = Indicator(department=department, **fields)
        created._history_user = acting_user  # type: ignore[attr-defined]
        created.save()
        return created
    for key, value in fields.items():
        setattr(indicator, key, value)
    indicator._history_user = acting_user  # type: ignore[attr-defined]
    return save_versioned(indicator, expected_version=expected_version or 0, update_fields=list(fields))


def parse_indicator_value(indicator: Indicator, raw: object) -> Decimal:
    """A value for `indicator` from a form, an API body or a spreadsheet cell: a number with a decimal
    comma or point ("87,5"), or for yes/no indicators Có/Không. Raises DomainError with the reason."""
    if indicator.value_type == Indicator.ValueType.YES_NO and isinstance(raw, str):
        answer = yes_no(raw)
        if answer is not None:
            raw = int(answer)
    if isinstance(raw, bool):
        raw = int(raw)
    if isinstance(raw, int | float | Decimal):
        number = Decimal(str(raw))
    else:
        text = str(raw or "").strip().replace(" ", "").replace("\u00a0", "")
        if not re.fullmatch(r"-?\d+([.,]\d+)?", text):
            raise DomainError(_("“%(value)s” is not a number.") % {"value": text[:30]}, code="value")
        number = Decimal(text.replace(",", "."))
    if not number.is_finite() or abs(number) >= Decimal("1e10"):
        raise DomainError(_("“%(value)s” is not a number.") % {"value": str(raw)[:30]}, code="value")
    reason = indicator.check_value(float(number))
    if reason:
        raise DomainError(reason, code="value")
    return number.quantize(Decimal("0.0001"))


@transaction.atomic
def record_indicator_value(
    *,
    acting_user: User,
    moet_id: str,
    indicator: Indicator,
    school_year: SchoolYear,
    value: object,
    note: str = "",
) -> IndicatorValue:
    """Record (or correct) a school's value of an indicator for a school year. Those who may change the
    school may record its values; the indicator must be in use and measured at the school's level."""
    school = school_for_user(acting_user, moet_id, write=True)
    if indicator.department_id != school.department_id:
        raise Http404
    if not indicator.is_active:
        raise DomainError(INDICATOR_INACTIVE, code="indicator")
    if not indicator.applies_to(school.level):
        raise DomainError(INDICATOR_NOT_FOR_LEVEL, code="indicator")
    number = parse_indicator_value(indicator, value)
    row = (
        IndicatorValue.objects.select_for_update()
        .filter(indicator=indicator, school=school, school_year=school_year)
        .first()
    )
    if row is None:
        row = IndicatorValue(indicator=indicator, school=school, school_year=school_year)
    elif row.value == number and row.note == note.strip()[:300]:
        return row
    row.value, row.note = number, note.strip()[:300]
    row._history_user = acting_user  # type: ignore[attr-defined]
    row.save()
    return row


# --- The department's emblem -----------------------------------------------------------------------------

EMBLEM_LIMIT_MB = 2
EMBLEM_SIDE = 256
EMBLEM_NOT_IMAGE = _("An emblem must be a PNG, JPEG or WebP image.")
EMBLEM_ONLY_ADMIN = _("Only the department's administrator changes its emblem.")
EMBLEM_CACHE = "chungtay:site-emblem"


def set_emblem(acting_user: User, department: EducationOffice, upload: object | None) -> EducationOffice:
    """Set (or, with no file, remove) the department's emblem: the image is decoded whole and re-encoded as a
    PNG of at most 256 px, so nothing but pixels is kept and served."""
    from django.core.cache import cache
    from django.core.files.base import ContentFile

    if (
        not is_department_admin(acting_user, department.pk)
        or department.kind != EducationOffice.Kind.DEPARTMENT
    ):
        raise PermissionDenied(str(EMBLEM_ONLY_ADMIN))
    if upload is None:
        department.emblem = ""
    else:
        try:
            image = files.checked_image(upload, limit_mb=EMBLEM_LIMIT_MB, wrong_type=EMBLEM_NOT_IMAGE)
        except files.FileRefused as refused:
            raise DomainError(refused.message, field="emblem") from refused
        image.thumbnail((EMBLEM_SIDE, EMBLEM_SIDE))
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        department.emblem.save(f"{department.code}.png", ContentFile(buffer.getvalue()), save=False)
    department._change_reason = "emblem"  # type: ignore[attr-defined]
    department.save(update_fields=["emblem"])
    cache.delete_many([f"{EMBLEM_CACHE}:{department.pk}", "chungtay:site-branding"])
    return department
