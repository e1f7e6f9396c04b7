"""The administrative map on both sides of the 1/7/2025 reform: units, their lineage, and the
inner/outer-city class of each unit with its own dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chungtay.core.models import EffectiveDated
from chungtay.core.text import padded_search_key, vietnamese_sort_key

# 1 July 2025: the district tier is abolished and the provinces merged (63 -> 34).
REFORM_DATE = dt.date(2025, 7, 1)
LAST_DAY_BEFORE_REFORM = REFORM_DATE - dt.timedelta(days=1)


class MapEdition(models.TextChoices):
    PRE_2025 = "pre2025", _("before 1/7/2025 (province – district – ward)")
    REFORM_2025 = "2025", _("from 1/7/2025 (province – ward/commune)")


class AdminUnit(EffectiveDated):
    """A province, district or ward/commune as it stood between `valid_from` and `valid_to`.

    A unit is never edited into another: when the map changes, new units are created and
    `UnitLineage` says where each old one went, so a series keyed to old units stays readable."""

    IN_DATA_VERSION = True  # core.datacache: not history-kept, so its rows move the data's version

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        DISTRICT = "district", _("district")
        WARD = "ward", _("ward/commune")

    class UnitType(models.TextChoices):
        PROVINCE = "tinh", _("province (tỉnh)")
        CITY = "thanh_pho", _("centrally-run city (thành phố)")
        URBAN_DISTRICT = "quan", _("urban district (quận)")
        RURAL_DISTRICT = "huyen", _("rural district (huyện)")
        TOWN = "thi_xa", _("town (thị xã)")
        PROVINCIAL_CITY = "thanh_pho_thuoc_tinh", _("provincial city (thành phố)")
        WARD = "phuong", _("ward (phường)")
        COMMUNE = "xa", _("commune (xã)")
        TOWNSHIP = "thi_tran", _("township (thị trấn)")
        SPECIAL_ZONE = "dac_khu", _("special zone (đặc khu)")

    edition = models.CharField(_("map edition"), max_length=8, choices=MapEdition.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    unit_type = models.CharField(_("type"), max_length=24, choices=UnitType.choices)
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    province = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("province")
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    source_key = models.CharField(max_length=200, help_text="key in the vietnamadminunits data set")
    search_key = models.CharField(max_length=200, db_index=True, editable=False)
    sort_key = models.CharField(max_length=400, editable=False)

    class Meta(EffectiveDated.Meta):
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        constraints = [
            *EffectiveDated.Meta.constraints,
            models.UniqueConstraint(fields=["edition", "level", "code"], name="directory_unit_code_unique"),
            models.UniqueConstraint(fields=["edition", "source_key"], name="directory_unit_source_unique"),
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True)
                | (~Q(level="province") & Q(parent__isnull=False)),
                name="directory_unit_parent_by_level",
            ),
        ]
        indexes = [models.Index(fields=["parent", "level"]), models.Index(fields=["level", "edition"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = padded_search_key(self.name)
        self.sort_key = vietnamese_sort_key(self.short_name)
        super().save(*args, **kwargs)

    def path(self) -> str:
        parts = [self.name]
        unit = self.parent
        while unit is not None:
            parts.append(unit.name)
            unit = unit.parent
        return ", ".join(parts)


def units_within(unit_ids: Iterable[int], levels: int) -> list[int]:
    """The units and the units inside them, `levels` levels down (a province's districts and wards), read
    level by level through the parent index into a short id list: an OR over a location's unit and its
    parents joined every school location to the whole map (the national benchmark)."""
    found = list(unit_ids)
    level = found
    for _depth in range(levels):
        level = list(AdminUnit.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        if not level:
            break
        found.extend(level)
    return found


class UnitLineage(models.Model):
    """Where an old unit went on a reform date. A ward split in two has two rows, one marked default
    (the successor the official conversion uses when nothing else is known)."""

    predecessor = models.ForeignKey(
        AdminUnit, on_delete=models.CASCADE, related_name="successor_links", verbose_name=_("old unit")
    )
    successor = models.ForeignKey(
        AdminUnit, on_delete=models.CASCADE, related_name="predecessor_links", verbose_name=_("new unit")
    )
    effective_on = models.DateField(_("effective on"))
    whole = models.BooleanField(_("whole unit"), default=True)
    is_default = models.BooleanField(_("default successor"), default=True)

    class Meta:
        verbose_name = _("unit lineage")
        verbose_name_plural = _("unit lineage")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="directory_lineage_unique"),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="directory_lineage_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id}"


class AreaClass(models.TextChoices):
    INNER = "inner", _("inner city")
    OUTER = "outer", _("outer city")


class AreaClassification(EffectiveDated):
    """Inner or outer city, with its own dates, so "inner vs outer" is continuous across the reform."""

    IN_DATA_VERSION = True  # core.datacache: not history-kept, so its rows move the data's version

    unit = models.ForeignKey(
        AdminUnit, on_delete=models.CASCADE, related_name="area_classes", verbose_name=_("unit")
    )
    area = models.CharField(_("area"), max_length=8, choices=AreaClass.choices)
    basis = models.CharField(_("basis"), max_length=200, blank=True)

    class Meta(EffectiveDated.Meta):
        verbose_name = _("area classification")
        verbose_name_plural = _("area classifications")
        constraints = [
            *EffectiveDated.Meta.constraints,
            models.UniqueConstraint(fields=["unit", "valid_from"], name="directory_area_unit_from_unique"),
        ]
