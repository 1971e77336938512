"""Input hardening tests (issue 12 item 3, issue 9 item 8): the API's token helper."""

from tests.api.conftest import api_user  # noqa: F401  (a fixture, used by name)
