"""Base Structs: camelCase on the wire; inputs refuse unknown fields."""

from typing import Annotated

import msgspec


class Input(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    pass


class Output(msgspec.Struct, rename="camel", kw_only=True):
    pass


Phone = Annotated[
    str,
    msgspec.Meta(pattern=r"^1[3-9]\d{9}$", description="Mainland mobile number, 11 digits"),
]
IdNumberText = Annotated[
    str,
    msgspec.Meta(
        min_length=18, max_length=18, description="Resident identity number (GB 11643), 18 chars"
    ),
]
PersonName = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
