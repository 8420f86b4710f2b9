"""Routes of this domain (none yet)."""

from backend.platform.routing import Routes

ROUTES = Routes()
