"""The people tests drive the API as well as the pages."""

from tests.api.conftest import api_user  # noqa: F401  (the fixture, shared)
