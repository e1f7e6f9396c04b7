"""Each app owns its sheet columns: the import kind reads the same columns the app's export writes."""

from chungtay.activities import sheets as activity_sheets
from chungtay.directory import sheets as directory_sheets
from chungtay.imports.kinds import KINDS
from chungtay.partnerships import sheets as partnership_sheets
from chungtay.support import sheets as support_sheets


def test_every_kind_reads_the_columns_its_app_defines() -> None:
    owned = {
        "schools": directory_sheets.SCHOOL_COLUMNS,
        "indicators": directory_sheets.INDICATOR_VALUE_COLUMNS,
        "partnerships": partnership_sheets.PARTNERSHIP_COLUMNS,
        "activities": activity_sheets.ACTIVITY_COLUMNS,
        "attendance": activity_sheets.ATTENDANCE_COLUMNS,
        "support": support_sheets.SUPPORT_COLUMNS,
    }
    for slug, columns in owned.items():
        assert KINDS[slug].columns is columns, slug


def test_the_activity_export_header_is_the_import_columns_first_names() -> None:
    assert [names[0] for names in activity_sheets.ACTIVITY_COLUMNS.values()] == activity_sheets.HEADERS
