"""Piccolo configuration (``PICCOLO_CONF=backend.piccolo_conf``) for its CLI and migrations."""

from piccolo.conf.apps import AppRegistry

from backend.platform.engine import DB

__all__ = ["APP_REGISTRY", "DB"]

APP_REGISTRY = AppRegistry(apps=["backend.piccolo_app"])
