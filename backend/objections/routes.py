"""Objection routes for citizens, departments and officers. The operations every kind of case
has are built by ``backend.cases.controllers`` from the texts below; the department's proposal
and the credit office's decision are objections' own. Evidence downloads and the department
statistics are in ``backend.cases.routes``."""

from __future__ import annotations

from litestar import post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from backend.cases.controllers import CaseEndpoints, CitizenRoutes, Doc, Filing, StaffRoutes, Step
from backend.cases.http import CONFLICT, DepartmentRequest, OfficerRequest
from backend.identity.security import citizen_guard, officer_role_guard
from backend.objections import service, views
from backend.objections.kind import OBJECTION
from backend.objections.schemas import (
    ObjectionCase,
    ObjectionDetail,
    ObjectionIn,
    ObjectionOut,
    OfficerDecisionIn,
    ProposalIn,
)
from backend.platform.routing import Routes

ANSWERS = (ObjectionOut, ObjectionDetail, ObjectionCase)
CASES = CaseEndpoints(
    kind=OBJECTION, id_name="objection_id", views=views, withdraw=service.withdraw, answers=ANSWERS
)

# --- citizens -----------------------------------------------------------------------------------

# ``value`` is only an example here (the header is documentation only): Litestar takes the
# header's schema from its type.
OBJECTION_LOCATION = ResponseHeader(
    name="Location",
    value="/v1/me/objections/1024",
    description="The new objection's URL; a GET on it answers the same body.",
    documentation_only=True,
)
CITIZEN_ROUTES = CitizenRoutes(
    path="/me/objections",
    tag="My objections",
    docs=(
        Doc(
            """File an objection (异议) to one of your own records, with a reason category and
            a statement; attach evidence afterwards. Citizens only. The department must accept
            it within 2 working days (default); you are notified of every step. A record that is
            not yours answers 422 ``record-not-found``; a revoked or repaired record, or one
            that already has an open objection, 409.""",
            "fileObjection",
            "Dispute one of your records",
        ),
        Doc(
            """Your objections, newest first, each with its current deadline in working days.
            Citizens only; filter by ``status`` (open, closed or all) and page with ``cursor``.""",
            "listMyObjections",
            "List your objections",
        ),
        Doc(
            """One of your objections with its deadline, evidence files and every step (who
            acted by role, never by id). Citizens only; another citizen's objection answers 404
            exactly like an unknown id.""",
            "getMyObjection",
            "Get one of your objections",
        ),
        Doc(
            """Withdraw (撤回) one of your own objections that is not decided yet (submitted,
            accepted or verifying), with an optional reason (the body may be omitted).

            Only the signed-in citizen who filed it may call this; another citizen's objection
            answers 404 exactly like an unknown id, and a decided or already withdrawn one 409
            ``case-closed``. The objection becomes ``withdrawn``: its deadline stops, the step
            and its reason join the case history, the audit log records it and a receipt goes to
            your inbox. If the objection had been accepted, the record's penalty is no longer
            suspended and your card is re-scored at once.""",
            "withdrawObjection",
            "Withdraw your objection while it is undecided",
        ),
        Doc(
            """Attach evidence files (证明材料: PDF, JPEG or PNG, judged by content) to one of
            your own open objections; the department and the credit office can then read them.
            Every file is checked before any is stored, so a refused request stores nothing.
            Answers 413 ``evidence-too-large`` for a file over the per-file limit (10 MB by
            default), 415 ``evidence-type-not-allowed`` for any other type, 409
            ``evidence-limit-reached`` past 5 files per case or ``case-closed`` once the
            objection is closed.""",
            "addObjectionEvidence",
            "Attach evidence files to your open objection",
        ),
    ),
    filing=Filing(ObjectionIn, service.file_objection, OBJECTION_LOCATION),
)
MeObjectionsController = CASES.citizen_controller(CITIZEN_ROUTES, guards=[citizen_guard])


# --- departments --------------------------------------------------------------------------------

DEPARTMENT_ROUTES = StaffRoutes(
    path="/objections",
    tag="Department cases",
    docs=(
        Doc(
            """The objections (异议) against this department's own records, earliest deadline
            first (closed cases last). Department API key only. The queue shows case facts and
            deadlines, not who the citizen is; filter by status, overdue or escalated.""",
            "listDepartmentObjections",
            "List objections against your records",
        ),
        Doc(
            """One objection against this department's records, with the record (masked ID
            number, history), the evidence files and every step. Department API key only;
            another department's case answers 404. The look is written to the citizen's query
            log (查询日志).""",
            "getDepartmentObjection",
            "Get one objection case with the record and evidence",
        ),
    ),
    steps=(
        Step(
            """Accept (受理) a submitted objection against this department's records, with a
            reason. Department API key only. The verification deadline starts (10 working days
            by default), the record's penalty is suspended and the citizen's card re-scored at
            once; the citizen is notified. A case that is not submitted answers 409.""",
            "acceptObjectionAsDepartment",
            "Accept an objection",
            path="acceptance",
            take=service.accept,
        ),
        Step(
            """Refuse to accept (不予受理) a submitted objection, with the reason the citizen
            reads. Department API key only. The case closes and the record stays as it is; the
            citizen is notified. A case that is not submitted answers 409.""",
            "rejectObjectionAsDepartment",
            "Reject an objection",
            path="rejection",
            take=service.reject,
        ),
        Step(
            """Extend the verification deadline of an accepted objection once, for a complex
            case (by 10 working days by default), with a reason. Department API key only; the
            citizen is notified. Answers 409 ``already-extended`` the second time and
            ``deadline-passed`` once the deadline has lapsed.""",
            "extendObjectionAsDepartment",
            "Extend the verification deadline once",
            path="extension",
            take=service.extend,
        ),
    ),
)


class DepartmentObjectionsController(
    CASES.staff_controller(DEPARTMENT_ROUTES, group="department")  # type: ignore[misc]
):
    """The department's objection routes; proposing an outcome is objections' own step."""

    @post(
        "/{objection_id:int}/proposal",
        status_code=HTTP_200_OK,
        operation_id="proposeObjectionOutcome",
        summary="Report the verification and propose an outcome",
        opt=CONFLICT,
    )
    async def propose(
        self, objection_id: FromPath[int], data: JSONBody[ProposalIn], request: DepartmentRequest
    ) -> ObjectionOut:
        """Report the verification result (核查意见) of an accepted objection and propose
        upheld, corrected (with the new values) or revoked; the credit office then decides.
        Department API key only; the case becomes ``verifying``. A correction outside the
        department's scopes or not valid for the record answers 422; a case that is not accepted,
        409."""
        return await service.propose(objection_id, request.user, data)


# --- officers -----------------------------------------------------------------------------------

OFFICER_ROUTES = StaffRoutes(
    path="/objections",
    tag="Officer cases",
    docs=(
        Doc(
            """Every objection (异议), earliest deadline first (closed cases last), for the
            credit office's oversight. Officers only. Filter by status, overdue, escalated or
            one department's code.""",
            "listOfficerObjections",
            "List every objection",
        ),
        Doc(
            """One objection with the record (masked ID number, history), the proposal, the
            evidence files and every step, with actor ids and officer usernames for oversight.
            Officers only. The look is written to the citizen's query log (查询日志).""",
            "getOfficerObjection",
            "Get one objection case with the record and evidence",
        ),
    ),
    steps=(
        Step(
            """Accept (受理) a submitted objection on behalf of the credit office, with a
            reason. Officers only. The verification deadline starts, the record's penalty is
            suspended and the citizen's card re-scored at once; the citizen is notified. A case
            that is not submitted answers 409.""",
            "acceptObjectionAsOfficer",
            "Accept an objection",
            path="acceptance",
            take=service.accept,
        ),
        Step(
            """Refuse to accept (不予受理) a submitted objection, with the reason the citizen
            reads. Officers only. The case closes and the record stays as it is; the citizen is
            notified. A case that is not submitted answers 409.""",
            "rejectObjectionAsOfficer",
            "Reject an objection",
            path="rejection",
            take=service.reject,
        ),
        Step(
            """Extend the verification deadline of an accepted objection once, for a complex
            case, with a reason. Officers only; the citizen is notified. Answers 409
            ``already-extended`` the second time and ``deadline-passed`` once the deadline has
            lapsed.""",
            "extendObjectionAsOfficer",
            "Extend the verification deadline once",
            path="extension",
            take=service.extend,
        ),
    ),
)


class OfficerObjectionsController(
    CASES.staff_controller(OFFICER_ROUTES, group="officer")  # type: ignore[misc]
):
    """The credit office's objection routes; deciding is objections' own step."""

    @post(
        "/{objection_id:int}/decision",
        status_code=HTTP_200_OK,
        operation_id="decideObjection",
        summary="Decide a verified objection",
        guards=[officer_role_guard],
        opt=CONFLICT,
    )
    async def decide(
        self,
        objection_id: FromPath[int],
        data: JSONBody[OfficerDecisionIn],
        request: OfficerRequest,
    ) -> ObjectionOut:
        """Decide an objection the department has verified: upheld (the penalty applies
        again), corrected (the proposed values replace the old, kept in history) or revoked
        (the record stops counting and showing). Officers only. The card is re-scored at once,
        the citizen notified, and open repair applications of a revoked or corrected record
        end. A case not in ``verifying`` answers 409, as does ``corrected`` with no proposal."""
        return await service.decide(objection_id, request.user, data)


ROUTES = Routes(
    citizen=[MeObjectionsController],
    department=[DepartmentObjectionsController],
    officer=[OfficerObjectionsController],
)
