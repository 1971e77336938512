"""One place that knows where Redis is: the configured server, or the embedded one."""

from __future__ import annotations

import os

from flask import Flask, current_app
from redis import Redis

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
