"""The domains of the backend, in one list: the app, the migrations and the worker read it."""

from __future__ import annotations

from typing import Any

from backend.benefits import jobs as benefits_jobs
from backend.benefits import routes as benefits_routes
from backend.benefits import tables as benefits_tables
from backend.cases import jobs as cases_jobs
from backend.cases import routes as cases_routes
from backend.cases import tables as cases_tables
from backend.checks import routes as checks_routes
from backend.content import jobs as content_jobs
from backend.content import routes as content_routes
from backend.content import tables as content_tables
from backend.creditreport import routes as creditreport_routes
from backend.creditreport import tables as creditreport_tables
from backend.enforcement import jobs as enforcement_jobs
from backend.enforcement import routes as enforcement_routes
from backend.enforcement import tables as enforcement_tables
from backend.exchange import jobs as exchange_jobs
from backend.exchange import routes as exchange_routes
from backend.exchange import tables as exchange_tables
from backend.identity import jobs as identity_jobs
from backend.identity import routes as identity_routes
from backend.identity import tables as identity_tables
from backend.learning import routes as learning_routes
from backend.learning import tables as learning_tables
from backend.lists import jobs as lists_jobs
from backend.lists import routes as lists_routes
from backend.lists import tables as lists_tables
from backend.notifications import jobs as notifications_jobs
from backend.notifications import routes as notifications_routes
from backend.notifications import tables as notifications_tables
from backend.objections import jobs as objections_jobs
from backend.objections import routes as objections_routes
from backend.objections import tables as objections_tables
from backend.platform import audit
from backend.platform.queue import register
from backend.platform.routing import Routes, merge
from backend.policy import routes as policy_routes
from backend.policy import tables as policy_tables
from backend.privacy import jobs as privacy_jobs
from backend.privacy import routes as privacy_routes
from backend.privacy import tables as privacy_tables
from backend.records import jobs as records_jobs
from backend.records import routes as records_routes
from backend.records import tables as records_tables
from backend.repairs import jobs as repairs_jobs
from backend.repairs import routes as repairs_routes
from backend.repairs import tables as repairs_tables
from backend.reports import jobs as reports_jobs
from backend.reports import routes as reports_routes
from backend.reports import tables as reports_tables
from backend.scoring import jobs as scoring_jobs
from backend.scoring import routes as scoring_routes
from backend.scoring import tables as scoring_tables
from backend.statistics import routes as statistics_routes
from backend.verification import jobs as verification_jobs
from backend.verification import query_log as verification_query_log
from backend.verification import routes as verification_routes
from backend.verification import tables as verification_tables

ROUTES: Routes = merge(
    [
        identity_routes.ROUTES,
        records_routes.ROUTES,
        scoring_routes.ROUTES,
        objections_routes.ROUTES,
        cases_routes.ROUTES,
        repairs_routes.ROUTES,
        reports_routes.ROUTES,
        enforcement_routes.ROUTES,
        exchange_routes.ROUTES,
        creditreport_routes.ROUTES,
        benefits_routes.ROUTES,
        verification_routes.ROUTES,
        notifications_routes.ROUTES,
        content_routes.ROUTES,
        policy_routes.ROUTES,
        lists_routes.ROUTES,
        checks_routes.ROUTES,
        learning_routes.ROUTES,
        statistics_routes.ROUTES,
        privacy_routes.ROUTES,
    ]
)

TABLES: list[Any] = [
    audit.AuditLog,
    *verification_query_log.TABLES,
    *identity_tables.TABLES,
    *records_tables.TABLES,
    *scoring_tables.TABLES,
    *objections_tables.TABLES,
    *cases_tables.TABLES,
    *repairs_tables.TABLES,
    *reports_tables.TABLES,
    *enforcement_tables.TABLES,
    *exchange_tables.TABLES,
    *creditreport_tables.TABLES,
    *benefits_tables.TABLES,
    *verification_tables.TABLES,
    *notifications_tables.TABLES,
    *content_tables.TABLES,
    *policy_tables.TABLES,
    *lists_tables.TABLES,
    *learning_tables.TABLES,
    *privacy_tables.TABLES,
]

_JOB_MODULES = [
    identity_jobs,
    records_jobs,
    scoring_jobs,
    objections_jobs,
    reports_jobs,
    enforcement_jobs,
    exchange_jobs,
    repairs_jobs,
    benefits_jobs,
    verification_jobs,
    notifications_jobs,
    content_jobs,
    lists_jobs,
    cases_jobs,
    privacy_jobs,
]
# Registered: a function enqueued by reference (platform.queue.enqueue) must be one the worker runs.
JOBS: list[Any] = register(job for module in _JOB_MODULES for job in module.JOBS)
CRON_JOBS: list[Any] = [job for module in _JOB_MODULES for job in module.CRON_JOBS]
