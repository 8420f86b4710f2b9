"""How a domain offers its routes, tables and jobs to the app, the migrations and the worker.

Each domain's ``routes.py`` defines ``ROUTES``, its ``tables.py`` ``TABLES`` and its ``jobs.py``
``JOBS`` / ``CRON_JOBS``; ``backend/domains.py`` lists the domains. Adding a domain touches no
other domain's files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Controller


@dataclass(frozen=True)
class Routes:
    """Controllers by caller group; each group has its own router, auth and guards."""

    auth: Sequence[type[Controller]] = ()  # /v1/auth/...: no login, rate-limited per IP
    citizen: Sequence[type[Controller]] = ()  # /v1/me/...: citizen JWT
    department: Sequence[type[Controller]] = ()  # /v1/department/...: department API key
    merchant: Sequence[type[Controller]] = ()  # /v1/merchant/...: merchant API key
    institution: Sequence[type[Controller]] = ()  # /v1/institution/...: institution API key
    officer: Sequence[type[Controller]] = ()  # /v1/officer/...: officer JWT
    public: Sequence[type[Controller]] = ()  # /v1/public/...: no login

    def all(self) -> list[type[Controller]]:
        return [
            *self.auth,
            *self.citizen,
            *self.department,
            *self.merchant,
            *self.institution,
            *self.officer,
            *self.public,
        ]


def merge(routes: Sequence[Routes]) -> Routes:
    def join(field: str) -> list[Any]:
        return [c for r in routes for c in getattr(r, field)]

    return Routes(
        auth=join("auth"),
        citizen=join("citizen"),
        department=join("department"),
        merchant=join("merchant"),
        institution=join("institution"),
        officer=join("officer"),
        public=join("public"),
    )
