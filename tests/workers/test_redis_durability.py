"""The start-up warning when Redis could lose queued jobs (docs/operations.md)."""

from __future__ import annotations

import logging

from redis.exceptions import ResponseError

from tests.workers.processes import PrivateRedis
from triage.redis_conn import durability_warnings, warn_if_not_durable


class _Settings:
    def __init__(self, values=None, refuse=False):
        self.values, self.refuse = values or {}, refuse

    def config_get(self, name):
        if self.refuse:
            raise ResponseError("unknown command 'CONFIG'")
        return {name: self.values[name]} if name in self.values else {}


def test_a_durable_redis_gives_no_warning():
    good = _Settings({"appendonly": "yes", "maxmemory-policy": "noeviction"})
    assert durability_warnings(good) == []


def test_each_wrong_setting_is_named():
    lines = durability_warnings(_Settings({"appendonly": "no", "maxmemory-policy": "allkeys-lru"}))
    assert len(lines) == 2
    assert "appendonly is 'no', not 'yes'" in lines[0]
    assert "maxmemory-policy is 'allkeys-lru', not 'noeviction'" in lines[1]


def test_a_redis_that_forbids_config_asks_for_a_manual_check(caplog):
    with caplog.at_level(logging.WARNING):
        lines = warn_if_not_durable(_Settings(refuse=True), logging.getLogger("test"))
    assert len(lines) == 1 and "check by hand" in lines[0]
    assert "check by hand" in caplog.text


def test_a_real_server_without_persistence_is_reported(tmp_path):
    redis = PrivateRedis(tmp_path)  # started with --appendonly no
    redis.start()
    try:
        client = redis.client()
        lines = durability_warnings(client)
        client.close()
    finally:
        redis.stop()
    assert any("appendonly is 'no'" in line for line in lines)
