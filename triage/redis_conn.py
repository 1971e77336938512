"""One place that knows where Redis is: the configured server, or the embedded one."""

from __future__ import annotations

import logging
import os

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError

from triage import embedded_redis


def redis_url(app: Flask | None = None) -> str:
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if url:
        return url
    directory = app.config.get("EMBEDDED_REDIS_DIR") or os.path.join(app.instance_path, "redis")
    url = embedded_redis.start(directory)
    app.config["REDIS_URL"] = url
    return url


def get_redis(app: Flask | None = None) -> Redis:
    """A client for this app's Redis (cached per app)."""
    app = app or current_app
    client = app.extensions.get("triage_redis")
    if client is None:
        client = Redis.from_url(redis_url(app), socket_timeout=5, socket_connect_timeout=5)
        app.extensions["triage_redis"] = client
    return client


def limiter_storage_uri(url: str) -> str:
    """Flask-Limiter (the `limits` package) spells a unix-socket Redis differently."""
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://") :]
    return url


# What a deployment's Redis must be set to (docs/operations.md): jobs survive a restart, and
# a full Redis refuses writes instead of silently evicting queued jobs.
DURABLE_SETTINGS = {"appendonly": "yes", "maxmemory-policy": "noeviction"}


def durability_warnings(client: Redis) -> list[str]:
    """What is wrong with the Redis server's durability settings, as log lines (empty when
    all is well). Read-only (`CONFIG GET`); a managed Redis that forbids CONFIG gets one
    line asking for a manual check instead of an error."""
    warnings = []
    for name, wanted in DURABLE_SETTINGS.items():
        try:
            reply = client.config_get(name)
        except RedisError as exc:
            return [
                f"Redis: could not read its settings ({type(exc).__name__}); check by hand that "
                + ", ".join(f"{k} is {v}" for k, v in DURABLE_SETTINGS.items())
            ]
        actual = str(reply.get(name, "")).lower() if isinstance(reply, dict) else ""
        if actual != wanted:
            warnings.append(
                f"Redis {name} is {actual or 'unknown'!r}, not {wanted!r}: queued jobs can be lost "
                "(docs/operations.md)"
            )
    return warnings


def warn_if_not_durable(client: Redis, logger: logging.Logger) -> list[str]:
    """Log each durability warning (at start-up of a web or worker process)."""
    warnings = durability_warnings(client)
    for line in warnings:
        logger.warning(line)
    return warnings
