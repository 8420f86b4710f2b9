"""Departments check a person's credit in one of their procedures (应查必查)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from backend.checks import service
from backend.checks.schemas import CreditCheckAnswer, CreditCheckIn
from backend.identity.principals import ClientPrincipal
from backend.platform.routing import Routes

DepartmentRequest = Request[ClientPrincipal, Any, Any]


class DepartmentCreditChecksController(Controller):
    path = "/"
    tags = ["Department checks"]

    @post(
        "/credit-checks",
        status_code=HTTP_200_OK,
        operation_id="checkCitizenCredit",
        summary="Check a person's credit in one of your procedures (应查必查): what it needs only",
    )
    async def check(
        self, data: JSONBody[CreditCheckIn], request: DepartmentRequest
    ) -> CreditCheckAnswer:
        """Looks up a person's credit for one procedure the department runs (城市落户, 职称评定,
        表彰评优, 人事考试录用, 政府采购, 财政资金补助, 招标投标, 担任企业负责人: the procedures
        list in content) and answers what that procedure needs and no more: the grade band
        (code and name, never the points), whether the person is on the red list or the
        serious-dishonesty (black) list today, and, of the restriction measures in force, only
        those the procedure applies, each mandatory or recommended with its legal basis and the
        day it ends. The records behind a measure are shown only where the procedure lists
        their domain and the department's scopes (`domain:<d>` or `record:<TYPE>`) cover them;
        the others are counted in `recordsWithheld`.

        The API key needs the scope `procedure:<code>`: another procedure answers 403
        `procedure-not-in-scope`, an unknown one 422 `procedure-unknown`, both naming
        `procedure`. The name must be the one on file for the ID number, as for records (422
        `name-mismatch` naming `name`); an invalid ID number answers 422 `invalid-id-number`.
        An ID number the platform holds nothing about answers `onFile: false` (no credit
        information). Every check of a citizen on file is written to the citizen's query log
        (查询日志: this department, what was answered, the procedure and `matterReference`, on
        the basis `procedure:<code>`) in the same transaction, and the citizen hears of it in
        the daily "who looked" notice. Checks count toward the department's per-key rate limit
        (429 with Retry-After). The citizen's credit lock stops merchant checks, not these."""
        return await service.check_credit(request.user, data)


ROUTES = Routes(department=[DepartmentCreditChecksController])
