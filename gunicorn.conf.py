"""gunicorn settings, read by `gunicorn wsgi:app` when started from the project root.

Workers, bind address and the rest come from the command line (docs/operations.md)."""

import gunicorn.http.wsgi

# Say nothing about the server software or its version in the `Server` header.
gunicorn.http.wsgi.SERVER = "triage"
