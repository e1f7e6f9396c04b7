from tests.analytics.conftest import world  # noqa: F401 - the hand-counted department of the figures tests
