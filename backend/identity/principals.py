"""Who is calling: the authenticated user placed on ``request.user`` by the auth middlewares."""

from __future__ import annotations

import msgspec

from backend.platform.audit import Actor


class CitizenPrincipal(msgspec.Struct, frozen=True):
    account_id: int
    citizen_id: int
    session_id: str

    @property
    def actor(self) -> Actor:
        return Actor("citizen", str(self.citizen_id))


class OfficerPrincipal(msgspec.Struct, frozen=True):
    officer_id: int
    username: str
    roles: tuple[str, ...]
    session_id: str

    @property
    def actor(self) -> Actor:
        return Actor("officer", str(self.officer_id))


class ClientPrincipal(msgspec.Struct, frozen=True):
    """A department or merchant authenticated by API key."""

    client_id: int
    kind: str
    code: str
    name: str
    scopes: frozenset[str]

    @property
    def actor(self) -> Actor:
        return Actor(self.kind, str(self.client_id))

    def may_report(self, record_type: str, domain: str) -> bool:
        return f"record:{record_type}" in self.scopes or f"domain:{domain}" in self.scopes
