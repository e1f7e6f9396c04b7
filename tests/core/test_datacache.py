"""The data's version (`core.datacache`): every write moves it, so no figure kept under it is older than the
data (the figures' own tests check each kind kept there)."""

from __future__ import annotations

from chungtay.core.datacache import _versioned_tables


def test_the_tables_written_without_history_move_the_version(db):
    """The summaries, the map and the school years say so on their model (`IN_DATA_VERSION`); the history
    tables are found by name, the pupils of a gift (a many-to-many's own history) among them."""
    tables = {table for table, _column in _versioned_tables()}
    assert {
        "activities_activityfact",
        "activities_monthfact",
        "activities_teachermonth",
        "activities_linkfact",
        "directory_adminunit",
        "directory_areaclassification",
        "directory_schoolyear",
        "support_historicalsupportrecord",
        "support_historicalsupportrecord_beneficiaries",
    } <= tables
    assert not any(table.startswith("accounts_") for table in tables)  # a login is not a write
