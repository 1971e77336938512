"""gunicorn settings, read by `gunicorn wsgi:app` when started from the project root.

Workers, bind address and the rest come from the command line (docs/operations.md)."""

import gunicorn.http.wsgi

# Say nothing about the server software or its version in the `Server` header.
gunicorn.http.wsgi.SERVER = "triage"

# If an access log is turned on (--access-logfile), log the path without its query string
# and no referrer: nothing identifying goes into logs (DOMAIN.md), and a query string or a
# referrer is where a typed name or date would leak (searches themselves are POSTed).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
