from tests.partnerships.conftest import hm_uh, leaders_pair  # noqa: F401 - fixtures for the import tests
