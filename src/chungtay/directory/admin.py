from django.contrib import admin

from chungtay.accounts.admin import ReadOnlyDomainAdmin, ReadOnlyInline
from chungtay.directory.models import (
    AdminUnit,
    AreaClassification,
    EducationOffice,
    School,
    SchoolLocation,
    SchoolManagement,
    SchoolYear,
    SchoolYearFigures,
    UnitLineage,
)


@admin.register(AdminUnit)
class AdminUnitAdmin(ReadOnlyDomainAdmin):
    list_display = ("name", "code", "level", "edition", "valid_from", "valid_to")
    list_filter = ("edition", "level", "unit_type")
    search_fields = ("name", "code", "search_key")
    raw_id_fields = ("parent", "province")


@admin.register(UnitLineage)
class UnitLineageAdmin(ReadOnlyDomainAdmin):
    list_display = ("predecessor", "successor", "effective_on", "whole", "is_default")
    raw_id_fields = ("predecessor", "successor")


@admin.register(AreaClassification)
class AreaClassificationAdmin(ReadOnlyDomainAdmin):
    list_display = ("unit", "area", "valid_from", "valid_to")
    list_filter = ("area",)
    raw_id_fields = ("unit",)


@admin.register(EducationOffice)
class EducationOfficeAdmin(ReadOnlyDomainAdmin):
    list_display = ("name", "kind", "code", "valid_from", "valid_to")
    raw_id_fields = ("unit",)


class LocationInline(ReadOnlyInline):
    model = SchoolLocation
    raw_id_fields = ("unit",)


class ManagementInline(ReadOnlyInline):
    model = SchoolManagement


@admin.register(School)
class SchoolAdmin(ReadOnlyDomainAdmin):
    list_display = ("moet_id", "name", "level", "ownership", "is_demo")
    list_filter = ("level", "ownership", "hard_area", "is_demo")
    search_fields = ("moet_id", "name", "name_key")
    inlines = [LocationInline, ManagementInline]
    readonly_fields = ("version",)


admin.site.register(SchoolYear, ReadOnlyDomainAdmin)
admin.site.register(SchoolYearFigures, ReadOnlyDomainAdmin)
