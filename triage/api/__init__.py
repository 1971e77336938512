"""The JSON API under /api/v1: bearer tokens only, described by /api/v1/openapi.json."""
