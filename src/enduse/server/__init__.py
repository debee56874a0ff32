"""enduse over HTTP: the JSON API, the web page and the decision log they write (``enduse serve``)."""

from enduse.server.app import create_app

__all__ = ["create_app"]
