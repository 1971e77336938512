"""gunicorn settings, read by `gunicorn wsgi:app` when started from the project root.

Workers, bind address and the rest come from the command line (docs/operations.md)."""

import gunicorn.http.wsgi

# Say nothing about the server software or its version in the `Server` header.
gunicorn.http.wsgi.SERVER = "triage"

# If an access log is turned on (--access-logfile), log the path without its query string
# and no referrer: nothing identifying goes into logs (DOMAIN.md), and a query string or a
# referrer is where a typed name or date would leak (searches themselves are POSTed).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'


def when_ready(server) -> None:
    """Warn once, in the master, when the configured Redis could lose queued jobs
    (appendonly, maxmemory-policy: docs/operations.md)."""
    import logging
    import os

    url = os.environ.get("REDIS_URL")
    if not url:
        return  # the embedded development Redis
    from redis import Redis

    from triage.redis_conn import warn_if_not_durable

    client = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        warn_if_not_durable(client, logging.getLogger("gunicorn.error"))
    except OSError as exc:
        server.log.warning("Redis not reachable at start (%s): durability not checked", exc)
    finally:
        client.close()
