"""Repair routes: the citizen applies and follows; the department decides (谁认定、谁修复); the
credit office oversees and steps in on overdue cases. The operations every kind of case has are
built by ``backend.cases.controllers`` from the texts below; the repair options of a record and
the commitment text are repair's own."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, QueryParameter

from backend.cases.controllers import CaseEndpoints, CitizenRoutes, Doc, Filing, StaffRoutes, Step
from backend.cases.http import CitizenRequest
from backend.identity.security import citizen_guard
from backend.platform.routing import Routes
from backend.repairs import service, views
from backend.repairs.kind import REPAIR
from backend.repairs.schemas import (
    CommitmentOut,
    RepairCase,
    RepairDetail,
    RepairIn,
    RepairOptions,
    RepairOut,
)

ANSWERS = (RepairOut, RepairDetail, RepairCase)

# ``value`` is only an example here (the header is documentation only): Litestar takes the
# header's schema from its type.
REPAIR_LOCATION = ResponseHeader(
    name="Location",
    value="/v1/me/repair-applications/1024",
    description="The new application's URL; a GET on it answers the same body.",
    documentation_only=True,
)
CommitmentLanguage = Annotated[
    Literal["zh-CN", "en"] | None,
    QueryParameter(description="The text's language; by default the request's (Accept-Language)"),
]
CASES = CaseEndpoints(
    kind=REPAIR, id_name="application_id", views=views, withdraw=service.withdraw, answers=ANSWERS
)

# --- citizens -----------------------------------------------------------------------------------

CITIZEN_ROUTES = CitizenRoutes(
    path="/me/repair-applications",
    tag="My repairs",
    docs=(
        Doc(
            """Apply for credit repair (信用修复, free of charge) of one of your own bad
            records, through a path its record type allows, with the accepted credit commitment
            (信用承诺书). Citizens only; attach evidence afterwards. The department that
            reported the record decides, and you hear the result within 10 working days
            (default). A record that is not yours answers 422 ``record-not-found``; one that
            cannot be repaired now (too early, open objection or application) or an outdated
            commitment version, 409.""",
            "applyForRepair",
            "Apply to repair a bad record",
        ),
        Doc(
            """Your repair applications, newest first, each with its current deadline in
            working days. Citizens only; filter by ``status`` (open, closed or all) and page
            with ``cursor``.""",
            "listMyRepairApplications",
            "List your repair applications",
        ),
        Doc(
            """One of your repair applications with its deadlines, evidence files and every
            step (who acted by role, never by id). Citizens only; another citizen's application
            answers 404 exactly like an unknown id.""",
            "getMyRepairApplication",
            "Get one of your repair applications",
        ),
        Doc(
            """Withdraw (撤回) one of your own repair applications that is not decided yet
            (submitted or accepted), with an optional reason (the body may be omitted).

            Only the signed-in citizen who applied may call this; another citizen's application
            answers 404 exactly like an unknown id, and a decided, closed or already withdrawn
            one 409 ``case-closed``. The application becomes ``withdrawn``: its deadlines stop,
            the step and its reason join the case history, the audit log records it and a
            receipt goes to your inbox. The record stays as it is; you may apply again.""",
            "withdrawRepairApplication",
            "Withdraw your repair application while it is undecided",
        ),
        Doc(
            """Attach evidence files (证明材料: PDF, JPEG or PNG, judged by content) to one of
            your own open repair applications; the department and the credit office can then
            read them. Every file is checked before any is stored, so a refused request stores
            nothing. Answers 413 ``evidence-too-large`` for a file over the per-file limit (10
            MB by default), 415 ``evidence-type-not-allowed`` for any other type, 409
            ``evidence-limit-reached`` past 5 files per case or ``case-closed`` once it is
            closed.""",
            "addRepairEvidence",
            "Attach evidence files to your open repair application",
        ),
    ),
    filing=Filing(RepairIn, service.apply, REPAIR_LOCATION),
)
MeRepairsController = CASES.citizen_controller(CITIZEN_ROUTES, guards=[citizen_guard])


class MeRepairOptionsController(Controller):
    path = "/me"
    tags = ["My repairs"]
    guards = [citizen_guard]

    @get(
        "/records/{record_id:int}/repair-options",
        operation_id="listRepairOptions",
        summary="List the ways one of your records can be repaired",
    )
    async def options(self, record_id: FromPath[int], request: CitizenRequest) -> RepairOptions:
        """Whether one of your records can be repaired now, from which day (once its minimum
        display period has passed), by which paths and what each needs, and what blocks it if
        anything (a stable code and the reason). Citizens only; another citizen's record
        answers 404 exactly like an unknown id. Changes nothing."""
        return await views.repair_options(record_id, request.user.citizen_id)

    @get(
        "/repair-commitment",
        operation_id="getRepairCommitment",
        summary="Get the credit commitment every repair needs",
    )
    async def commitment(self, language: CommitmentLanguage = None) -> CommitmentOut:
        """The credit commitment (信用承诺书) in force, which every repair application must
        accept by its version and language. Citizens only; in ``language`` if given, else in
        the request's language (Accept-Language, Chinese by default)."""
        return views.commitment(language)


# --- departments and the credit office ---------------------------------------------------------

# The department decides (谁认定、谁修复).
DEPARTMENT_ROUTES = StaffRoutes(
    path="/repairs",
    tag="Department cases",
    docs=(
        Doc(
            """The repair applications (信用修复) for this department's own records, earliest
            deadline first (closed cases last). Department API key only: the body that made the
            finding decides (谁认定、谁修复). Filter by status, overdue or escalated.""",
            "listDepartmentRepairs",
            "List repair applications for your records",
        ),
        Doc(
            """One repair application for this department's records, with the record (masked ID
            number, history), the evidence files and every step. Department API key only;
            another department's case answers 404. The look is written to the citizen's query
            log.""",
            "getDepartmentRepair",
            "Get one repair application with the record and evidence",
        ),
    ),
    steps=(
        Step(
            """Accept (受理) a submitted repair application for this department's record, with
            a reason; the decision is then due within 3 working days (default). Department API
            key only; the citizen is notified. A case that is not submitted, or a record that no
            longer stands, answers 409.""",
            "acceptRepairAsDepartment",
            "Accept a repair application",
            path="acceptance",
            take=service.accept,
        ),
        Step(
            """Refuse to accept (不予受理) a submitted repair application that does not meet
            the conditions, with the reason the citizen reads. Department API key only. The case
            closes and the record stays as it is; the citizen is notified. A case that is not
            submitted answers 409.""",
            "rejectRepairAsDepartment",
            "Reject a repair application",
            path="rejection",
            take=service.reject,
        ),
        Step(
            """Approve (准予修复) an accepted repair application, with a reason. Department API
            key only. The record is repaired today: it stops showing, being shared and counting,
            its restrictions are lifted, the card is re-scored at once and the citizen notified.
            Answers 409 while an objection against the record is open, for a record that no
            longer stands, or for a case that is not accepted.""",
            "approveRepairAsDepartment",
            "Approve a repair application",
            path="approval",
            take=service.approve,
        ),
        Step(
            """Deny (不予修复) an accepted repair application after checking it, with the
            reason the citizen reads. Department API key only. The case closes and the record
            stays as it is; the citizen is notified. A case that is not accepted answers 409.""",
            "denyRepairAsDepartment",
            "Deny a repair application",
            path="denial",
            take=service.deny,
        ),
    ),
)
DepartmentRepairsController = CASES.staff_controller(DEPARTMENT_ROUTES, group="department")
# The credit office oversees, and steps in once a case is overdue.
OFFICER_ROUTES = StaffRoutes(
    path="/repairs",
    tag="Officer cases",
    docs=(
        Doc(
            """Every repair application (信用修复), earliest deadline first (closed cases
            last), for the credit office's oversight. Officers only. Filter by status, overdue,
            escalated or one department's code.""",
            "listOfficerRepairs",
            "List every repair application",
        ),
        Doc(
            """One repair application with the record (masked ID number, history), the evidence
            files and every step, with actor ids and officer usernames for oversight. Officers
            only. The look is written to the citizen's query log (查询日志).""",
            "getOfficerRepair",
            "Get one repair application with the record and evidence",
        ),
    ),
    steps=(
        Step(
            """Accept (受理) a submitted repair application in the department's place, with a
            reason; the citizen is notified. Officers only, and only once the case is overdue:
            until then the department decides (谁认定、谁修复) and this answers 409
            ``department-decides``.""",
            "acceptRepairAsOfficer",
            "Accept an overdue repair application in the department's place",
            path="acceptance",
            take=service.accept,
        ),
        Step(
            """Refuse to accept (不予受理) a submitted repair application in the department's
            place, with the reason the citizen reads; the case closes and the citizen is
            notified. Officers only, and only once the case is overdue: until then the
            department decides (谁认定、谁修复) and this answers 409 ``department-decides``.""",
            "rejectRepairAsOfficer",
            "Reject an overdue repair application in the department's place",
            path="rejection",
            take=service.reject,
        ),
        Step(
            """Approve (准予修复) an accepted repair application in the department's place: the
            record is repaired today, the card re-scored at once and the citizen notified.
            Officers only, and only once the case is overdue: until then the department decides
            (谁认定、谁修复) and this answers 409 ``department-decides``.""",
            "approveRepairAsOfficer",
            "Approve an overdue repair application in the department's place",
            path="approval",
            take=service.approve,
        ),
        Step(
            """Deny (不予修复) an accepted repair application in the department's place, with
            the reason the citizen reads; the case closes and the citizen is notified. Officers
            only, and only once the case is overdue: until then the department decides
            (谁认定、谁修复) and this answers 409 ``department-decides``.""",
            "denyRepairAsOfficer",
            "Deny an overdue repair application in the department's place",
            path="denial",
            take=service.deny,
        ),
    ),
)
OfficerRepairsController = CASES.staff_controller(OFFICER_ROUTES, group="officer")

ROUTES = Routes(
    citizen=[MeRepairsController, MeRepairOptionsController],
    department=[DepartmentRepairsController],
    officer=[OfficerRepairsController],
)
