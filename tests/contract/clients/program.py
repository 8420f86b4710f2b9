"""A citizen app's first minutes (市民信用卡) with the Python client that openapi-python-client
generates from the served OpenAPI document. tests/contract/ type-checks it with mypy --strict; it
never runs. It pins what a client relies on: the operation ids (module names), the model names,
the request and response bodies, and cursor paging.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import TypeVar

from contract_api_client import AuthenticatedClient, Client
from contract_api_client.api.my_account import accept_my_notices, get_my_profile
from contract_api_client.api.my_card import get_my_card
from contract_api_client.api.my_records import list_my_records
from contract_api_client.api.public import get_public_notices
from contract_api_client.api.sign_in import request_sign_in_code, sign_in, sign_up
from contract_api_client.api.verification_and_consents import make_verification_code
from contract_api_client.models import (
    CardView,
    CodeIssued,
    CodeSent,
    NoticeDocumentOut,
    NoticesAcceptance,
    NoticesStatus,
    Problem,
    Profile,
    PublicNotices,
    RecordOut,
    RecordPage,
    SignIn,
    SignInCodeRequest,
    SignUp,
    TokenPair,
    VerificationCodeRequest,
)
from contract_api_client.types import Response

API = "http://127.0.0.1:8000"
RECORDS_PER_PAGE = 50

Answer = TypeVar("Answer")


class ApiProblem(Exception):
    """An RFC 9457 problem document (or nothing readable) instead of what was asked."""

    def __init__(self, status: HTTPStatus, problem: Problem | None) -> None:
        self.status = status
        self.problem = problem
        title = problem.title if problem else "no problem document"
        super().__init__(f"{int(status)} {title}")


def expect(response: Response[Answer | Problem], answer: type[Answer]) -> Answer:
    """The parsed answer, or ApiProblem with the problem document the API sent instead."""
    parsed = response.parsed
    if isinstance(parsed, answer):
        return parsed
    raise ApiProblem(response.status_code, parsed if isinstance(parsed, Problem) else None)


@dataclass(frozen=True)
class RealName:
    """Who the citizen says they are, for the real-name check (实名核验) at sign-up."""

    name: str
    id_number: str


AskToAccept = Callable[[list[NoticeDocumentOut]], bool]
"""Shows the privacy notice, the user agreement and the sensitive-information consent in force;
true once the citizen accepted all three (each its own tick box)."""


def sign_in_or_sign_up(
    client: Client,
    phone: str,
    read_code: Callable[[], str],
    person: RealName,
    ask_to_accept: AskToAccept,
) -> TokenPair:
    """Signs in with a one-time code; a phone with no account yet reads and accepts the notices
    in force and signs up with a fresh code (sign-in used the first one up). ``read_code`` is the
    citizen typing in the SMS."""
    sent = expect(
        request_sign_in_code.sync_detailed(client=client, body=SignInCodeRequest(phone=phone)),
        CodeSent,
    )
    print(f"code sent to {sent.phone}, valid {sent.expires_in} s")
    answer = sign_in.sync_detailed(client=client, body=SignIn(phone=phone, code=read_code()))
    if answer.status_code != HTTPStatus.NOT_FOUND:
        return expect(answer, TokenPair)
    notices = expect(get_public_notices.sync_detailed(client=client), PublicNotices)
    if not ask_to_accept(notices.documents):
        raise RuntimeError("the notices were not accepted")
    expect(
        request_sign_in_code.sync_detailed(client=client, body=SignInCodeRequest(phone=phone)),
        CodeSent,
    )
    new_account = SignUp(
        phone=phone,
        code=read_code(),
        name=person.name,
        id_number=person.id_number,
        notices_version=notices.version,
        accept_privacy_notice=True,
        accept_user_agreement=True,
        consent_to_sensitive_information=True,
    )
    return expect(sign_up.sync_detailed(client=client, body=new_account), TokenPair)


def all_my_records(citizen: AuthenticatedClient) -> Iterator[RecordOut]:
    """Every record on the card, newest first, one page after another (cursor paging)."""
    cursor: str | None = None
    while True:
        answer = list_my_records.sync_detailed(
            client=citizen, cursor=cursor, limit=RECORDS_PER_PAGE
        )
        page = expect(answer, RecordPage)
        yield from page.items
        if not isinstance(page.next_cursor, str):
            return
        cursor = page.next_cursor


def accept_newer_notices(
    anonymous: Client, citizen: AuthenticatedClient, ask_to_accept: AskToAccept
) -> bool:
    """A newer privacy notice or user agreement took effect since the citizen accepted: the app
    asks before going on. False when the citizen declined."""
    standing = expect(get_my_profile.sync_detailed(client=citizen), Profile).notices
    if not standing.to_accept:
        return True
    notices = expect(get_public_notices.sync_detailed(client=anonymous), PublicNotices)
    if not ask_to_accept([d for d in notices.documents if d.document in standing.to_accept]):
        return False
    acceptance = NoticesAcceptance(
        notices_version=notices.version,
        accept_privacy_notice=True,
        accept_user_agreement=True,
        consent_to_sensitive_information=True,
    )
    expect(accept_my_notices.sync_detailed(client=citizen, body=acceptance), NoticesStatus)
    return True


def first_visit(
    phone: str, read_code: Callable[[], str], person: RealName, ask_to_accept: AskToAccept
) -> None:
    with Client(base_url=API) as anonymous:
        tokens = sign_in_or_sign_up(anonymous, phone, read_code, person, ask_to_accept)
        with AuthenticatedClient(base_url=API, token=tokens.access_token) as citizen:
            if not accept_newer_notices(anonymous, citizen, ask_to_accept):
                return
    with AuthenticatedClient(base_url=API, token=tokens.access_token) as citizen:
        card = expect(get_my_card.sync_detailed(client=citizen), CardView)
        print(f"{card.points} points, grade {card.grade.name_zh}")
        for record in all_my_records(citizen):
            effect = record.points_effect if isinstance(record.points_effect, int) else 0
            print(f"{record.occurred_on} {record.title_zh} {effect}")
        request = VerificationCodeRequest(benefit="library-deposit-waiver")
        issued = expect(
            make_verification_code.sync_detailed(client=citizen, body=request), CodeIssued
        )
        print(f"show the merchant {issued.code} (until {issued.expires_at})")
