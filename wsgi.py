"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`. The only module-level app."""

from triage import create_app

app = create_app()
