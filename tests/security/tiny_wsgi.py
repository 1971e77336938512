"""A WSGI app with no dependencies, to test the gunicorn settings on their own."""


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
