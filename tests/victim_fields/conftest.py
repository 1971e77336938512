"""The API tests' bearer-token user, for the victim-field tests."""

from tests.api.conftest import api_user  # noqa: F401
