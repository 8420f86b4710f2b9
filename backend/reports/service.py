"""Reports of dishonest behaviour (举报) on the case machine: filing with the limits against
abuse, routing to the competent department, its steps (accept, reject, extend once, decide,
transfer), the reporter's withdrawal, and the sealed reporter disclosed to the ``reports`` role.

Every step is the machine's (:func:`backend.cases.machine.record_transition`): a case step, the
department's promptness (政务诚信), an audit entry and the reporter's notice, in one
transaction. The reporter acts under a pseudonym; their identity never leaves the seal except
to the reporter themselves and, audited, to the ``reports`` role."""

from __future__ import annotations

import datetime as dt
import unicodedata

from backend.cases import store as cases
from backend.cases.machine import Change, Staff, close_with_decision, record_transition
from backend.cases.machine import not_found as case_not_found
from backend.cases.machine import require_status as required
from backend.identity.id_number import mask_id_number, mask_name
from backend.identity.principals import ClientPrincipal, OfficerPrincipal
from backend.identity.service import decrypt_id_number, decrypt_phone
from backend.identity.service import parse_id_number as parsed_id_number
from backend.identity.uscc import normalize_uscc, uscc_problem
from backend.platform import runtime
from backend.platform.audit import write_audit
from backend.platform.calendar import add_working_days
from backend.platform.database import transaction
from backend.platform.errors import Conflict, InvalidInput, NotFound
from backend.platform.language import say
from backend.platform.rows import BIGINT_MAX, Connection
from backend.records.catalog import catalog_set
from backend.reports import content, store, views
from backend.reports.kind import ACCEPT, DECIDE, REPORT
from backend.reports.reporter import (
    REPORTER,
    seal,
    seal_code,
    subject_keys,
    token_of,
    tokens_of,
    unseal,
)
from backend.reports.schemas import MyReport, Outcome, Reporter, ReportIn, ReportOut
from backend.reports.store import Department, NewReport, ReportLocked


def _today() -> dt.date:
    return runtime.clock().today()


# --- the subject, the category and the department -----------------------------------------------


class Subject:
    """Who is reported, as stored: name, masks, the code encrypted, and the key that finds
    other reports on the same subject."""

    def __init__(self, data: ReportIn) -> None:
        self.kind = data.subject_kind
        # format characters (zero-width, bidi marks) would make a name that looks empty
        visible = "".join(c for c in data.subject_name if unicodedata.category(c) != "Cf")
        self.name = unicodedata.normalize("NFKC", visible).strip()
        if not self.name:
            raise InvalidInput(
                say("请填写被举报对象名称", "name whom you report"), field="subjectName"
            )
        self.masked = mask_name(self.name)
        self.code, self.code_masked = self._code(data)
        # every index key's, the current first (written); the others find older reports
        self.keys = subject_keys(self.kind, self.name, self.code)
        self.key = self.keys[0]

    def _code(self, data: ReportIn) -> tuple[str | None, str | None]:
        if self.kind == "person":
            if data.subject_credit_code is not None:
                raise _wrong_code(
                    "subjectCreditCode", "个人请填写身份证号", "a person has an ID number"
                )
            if data.subject_id_number is None:
                return None, None
            number = parsed_id_number(data.subject_id_number, field="subjectIdNumber")
            return number, mask_id_number(number)
        if data.subject_id_number is not None:
            raise _wrong_code(
                "subjectIdNumber", "单位请填写统一社会信用代码", "an organisation has a credit code"
            )
        if data.subject_credit_code is None:
            return None, None
        code = normalize_uscc(data.subject_credit_code)
        problem = uscc_problem(code)
        if problem is not None:
            raise InvalidInput(
                say(f"统一社会信用代码无效：{problem}", f"invalid credit code: {problem}"),
                field="subjectCreditCode",
                code="invalid-credit-code",
            )
        return code, code[:4] + "*" * 11 + code[-3:]

    def encrypted_code(self) -> bytes | None:
        return None if self.code is None else seal_code(self.code)


def _wrong_code(field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(say(zh, en), field=field, code="subject-code-mismatch")


def _record_types(domain: str) -> list[str]:
    """The record types of the domain in any catalog version; 422 when no catalog has it."""
    catalogs = catalog_set().versions
    if not any(domain in catalog.domains for catalog in catalogs):
        raise InvalidInput(
            say(f"没有这个举报类别：{domain}", f"{domain!r} is not a domain of the catalog"),
            field="category",
            code="category-unknown",
        )
    return sorted(
        {code for c in catalogs for code, t in c.record_types.items() if t.domain == domain}
    )


def _check_description(text: str, rules: content.ReportingRules) -> None:
    low, high = rules.description_min_chars, rules.description_max_chars
    if not low <= len(text.strip()) <= high:
        raise InvalidInput(
            say(
                f"举报内容须为 {low} 至 {high} 个字",
                f"the description must be {low} to {high} characters",
            ),
            field="description",
            code="description-length",
        )


async def _route(conn: Connection, domain: str, rules: content.ReportingRules) -> Department:
    """The department competent for the domain: the rules' explicit route, else the department
    whose scopes cover it."""
    code = rules.department_for(domain)
    found = (
        await store.department_by_code(conn, code)
        if code is not None
        else await store.competent_department(conn, domain, _record_types(domain))
    )
    if found is None:
        raise Conflict(
            say(
                "该类别暂无受理部门，请拨打 12345 政务服务便民热线反映",
                "no department handles this category yet; call the 12345 government hotline",
            ),
            field="category",
            code="no-competent-department",
        )
    return found


async def _refuse_abuse(
    conn: Connection,
    tokens: list[str],
    subject: Subject,
    category: str,
    rules: content.ReportingRules,
) -> None:
    """The limits against abuse: a cool-down after a malicious report, at most so many open
    reports, and no second open report on the same subject and category."""
    last = await store.last_malicious(conn, tokens)
    if last is not None and rules.malicious_cooldown_days:
        until = last + dt.timedelta(days=rules.malicious_cooldown_days)
        if _today() < until:
            raise Conflict(
                say(
                    f"您的举报曾被认定为恶意举报，{until.isoformat()} 前不能再举报",
                    f"a report of yours was found malicious: you may report again from"
                    f" {until.isoformat()}",
                ),
                code="report-suspended",
                extra={"until": until.isoformat()},
            )
    if await store.open_count(conn, tokens) >= rules.max_open_per_citizen:
        raise Conflict(
            say(
                f"您已有 {rules.max_open_per_citizen} 件举报正在办理，请等待办结后再举报",
                f"you have {rules.max_open_per_citizen} reports in progress; wait for one to close",
            ),
            code="report-limit-reached",
            extra={"maxOpen": rules.max_open_per_citizen},
        )
    duplicate = await store.open_duplicate(conn, subject.keys, category, tokens)
    if duplicate is not None:
        raise Conflict(
            say(
                f"您对同一对象、同一类别的举报（编号 {duplicate}）正在办理",
                f"your report {duplicate} on the same subject and category is in progress",
            ),
            code="report-duplicate",
            extra={"reportId": duplicate},
        )


# --- the reporter --------------------------------------------------------------------------------


async def file(citizen_id: int, data: ReportIn, _: object = None) -> MyReport:
    """A citizen reports; the report goes to the competent department with a deadline to
    accept it."""
    rules = content.in_force_today()
    subject = Subject(data)
    _record_types(data.category)
    _check_description(data.description, rules)
    token, today = token_of(citizen_id), _today()
    async with transaction() as conn:
        await store.lock_reporter(conn, token)
        await _refuse_abuse(conn, tokens_of(citizen_id), subject, data.category, rules)
        department = await _route(conn, data.category, rules)
        due = ACCEPT.due_after(today)
        new = NewReport(
            department=department.id,
            reporter_token=token,
            reporter_sealed=seal(citizen_id, token),
            subject_kind=subject.kind,
            subject_name=subject.name,
            subject_name_masked=subject.masked,
            subject_code_encrypted=subject.encrypted_code(),
            subject_code_masked=subject.code_masked,
            subject_key=subject.key,
            category=data.category,
            statement=data.description.strip(),
            filed_on=today,
            due_on=due,
            duplicate_of=await store.open_duplicate(conn, subject.keys, data.category, None),
        )
        report_id = await store.insert(conn, new)
        row = await _lock(conn, report_id)
        change = Change("submit", "submitted", "submitted", REPORTER, None, due)
        await record_transition(conn, REPORT, row, change, today, {}, created=True)
    return await views.citizen_detail(report_id, citizen_id)


async def withdraw(case_id: int, citizen_id: int, reason: str | None) -> MyReport:
    tokens = tokens_of(citizen_id)
    async with transaction() as conn:
        row = await _lock(conn, case_id)
        if row.reporter_token not in tokens:
            raise case_not_found(REPORT, case_id)
        required(REPORT, row, "withdraw", REPORTER)
        await cases.mark_withdrawn(conn, REPORT, case_id)
        change = Change("withdraw", "withdrawn", "withdrawn", REPORTER, reason, None)
        await record_transition(conn, REPORT, row, change, _today(), {})
    return await views.citizen_detail(case_id, citizen_id)


# --- staff ---------------------------------------------------------------------------------------


async def _lock(conn: Connection, case_id: int) -> ReportLocked:
    row = None
    if 1 <= case_id <= BIGINT_MAX:
        row = await cases.locked_case(conn, REPORT, case_id, row_type=ReportLocked)
    if row is None:
        raise case_not_found(REPORT, case_id)
    return row


async def _staff_lock(conn: Connection, case_id: int, by: Staff) -> ReportLocked:
    """The report, locked, if ``by`` may act on it: a department only on its own."""
    row = await _lock(conn, case_id)
    if isinstance(by, ClientPrincipal) and row.department != by.client_id:
        raise case_not_found(REPORT, case_id)
    return row


async def accept(case_id: int, by: Staff, reason: str) -> ReportOut:
    today = _today()
    async with transaction() as conn:
        row = await _staff_lock(conn, case_id, by)
        required(REPORT, row, "accept", by.actor)
        due = DECIDE.due_after(today)
        await store.accept(conn, case_id, on=today, due_on=due)
        change = Change("accept", "accepted", "accepted", by.actor, reason, due)
        await record_transition(conn, REPORT, row, change, today, {})
    return await views.summary(case_id)


async def reject(case_id: int, by: Staff, reason: str) -> ReportOut:
    """不予受理: not a matter for this system, or not reportable, with the reason."""
    return await _close(case_id, by, action="reject", status="rejected", reason=reason)


async def decide(case_id: int, by: Staff, outcome: Outcome, reason: str) -> ReportOut:
    """The outcome of the investigation; the reporter hears it with the reason."""
    return await _close(case_id, by, action="decide", status=outcome, reason=reason)


async def _close(case_id: int, by: Staff, *, action: str, status: str, reason: str) -> ReportOut:
    today = _today()
    async with transaction() as conn:
        row = await _staff_lock(conn, case_id, by)
        required(REPORT, row, action, by.actor)
        await close_with_decision(
            conn,
            REPORT,
            row,
            action=action,
            status=status,
            reason=reason,
            actor=by.actor,
            today=today,
        )
    return await views.summary(case_id)


async def extend(case_id: int, by: Staff, reason: str) -> ReportOut:
    """Once, for a complex case: the decision deadline moves by the rules' extension."""
    today = _today()
    async with transaction() as conn:
        row = await _staff_lock(conn, case_id, by)
        required(REPORT, row, "extend", by.actor)
        if row.extended:
            raise Conflict(
                say("该举报已延期过一次", "this report has already been extended once"),
                code="already-extended",
            )
        assert row.due_on is not None, "an accepted report has a deadline"
        days = content.in_force_today().extension_working_days
        due = add_working_days(row.due_on, days)
        await store.extend(conn, case_id, reason=reason, due_on=due)
        change = Change("extend", "extended", "accepted", by.actor, reason, due)
        await record_transition(conn, REPORT, row, change, today, {})
    return await views.summary(case_id)


async def transfer(
    case_id: int, by: OfficerPrincipal, department_code: str, reason: str
) -> ReportOut:
    """The credit office sends a report not yet accepted to the competent department; it
    starts again with a new deadline to accept."""
    today = _today()
    async with transaction() as conn:
        row = await _staff_lock(conn, case_id, by)
        required(REPORT, row, "transfer", by.actor)
        target = await store.department_by_code(conn, department_code)
        if target is None:
            raise InvalidInput(
                say(
                    f"没有这个在用的报送单位：{department_code}",
                    f"no active department {department_code!r}",
                ),
                field="department",
                code="department-unknown",
            )
        if target.id == row.department:
            raise Conflict(
                say("该举报已由此部门办理", "this department already handles the report"),
                field="department",
                code="same-department",
            )
        due = ACCEPT.due_after(today)
        await store.transfer(conn, case_id, department=target.id, due_on=due)
        change = Change("transfer", "transferred", "submitted", by.actor, reason, due)
        await record_transition(conn, REPORT, row, change, today, {})
    return await views.summary(case_id)


async def reporter(case_id: int, by: OfficerPrincipal, reason: str) -> Reporter:
    """Who reported: unsealed for an officer with the ``reports`` role (the route's guard),
    the look audited with its reason."""
    async with transaction() as conn:
        row = await store.report_row(conn, case_id) if 1 <= case_id <= BIGINT_MAX else None
        if row is None:
            raise case_not_found(REPORT, case_id)
        citizen_id = unseal(row.reporter_sealed, row.reporter_token)
        person = await conn.fetchrow(
            "SELECT c.name, c.id_number_encrypted, a.phone_encrypted FROM citizen c"
            " LEFT JOIN citizen_account a ON a.citizen = c.id WHERE c.id = $1",
            citizen_id,
        )
        if person is None:  # the seal names a citizen; citizens are never deleted
            raise NotFound(say("举报人不存在", "the reporter no longer exists"))
        await write_audit(
            conn, by.actor, "report.reporter-disclosed", "report", case_id, after={"reason": reason}
        )
    return Reporter(
        report_id=case_id,
        citizen_id=citizen_id,
        name=person["name"],
        id_number=decrypt_id_number(person["id_number_encrypted"]),
        phone=(
            decrypt_phone(person["phone_encrypted"])
            if person["phone_encrypted"] is not None
            else None
        ),
    )
