"""Demo data for ``make run``: departments, a merchant, an admin officer, a population registry
of a few hundred citizens with varied records, and one demo citizen account.

Goes through the same services as the API (registry upsert, record batches), so the demo is
also a smoke test of them. Idempotent: a second run finds the demo department and stops.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import secrets
from pathlib import Path
from typing import Any

from rich.progress import track

from backend.identity import notices
from backend.identity import service as identity
from backend.identity import store as identity_store
from backend.identity.id_number import make_id_number
from backend.identity.principals import ClientPrincipal
from backend.identity.schemas import RegistryBatch, RegistryEntryIn
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.records import service as records
from backend.records.catalog import Catalog

log = logging.getLogger("backend.demo")

DEMO_PHONE = "13800138000"
DEMO_NAME = "张三"
DEMO_ID_NUMBER = make_id_number("330106", dt.date(1990, 3, 7), 123)

# code, name, domains it reports (None: every domain nobody else covers)
DEPARTMENTS: list[tuple[str, str, list[str] | None]] = [
    (
        "city-market-regulation",
        "市市场监督管理局",
        ["food_drugs", "product_quality", "e_commerce", "advertising", "circulation_services"],
    ),
    ("city-traffic-police", "市公安局交通警察支队", ["traffic_safety", "road_transport"]),
    ("city-tax", "国家税务总局市税务局", ["tax_payment"]),
    ("city-hrss", "市人力资源和社会保障局", ["labour_social_security", "housing_security"]),
    (
        "city-civilisation-office",
        "市文明办（志愿服务联合会）",
        ["volunteer_service", "public_welfare", "honours"],
    ),
    ("city-intermediate-court", "市中级人民法院", ["judicial_litigation", "contract_performance"]),
    ("city-utilities", "市公用事业服务中心", ["utilities_consumption"]),
    ("city-credit-office", "市信用办（公共信用信息中心）", None),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰晓东海燕宇轩子涵梓萱"
REGIONS = ["330102", "330105", "330106", "330108", "330110", "330183"]


def _credentials_path() -> Path:
    return runtime.current().settings.var_path / "demo-credentials.json"


async def demo_loaded() -> bool:
    async with connection() as conn:
        return bool(
            await conn.fetchval("SELECT 1 FROM api_client WHERE code = 'city-credit-office'")
        )


async def _create_departments() -> tuple[dict[str, ClientPrincipal], dict[str, str]]:
    catalog = runtime.current().catalogs.latest
    claimed = {d for _, _, domains in DEPARTMENTS if domains for d in domains}
    principals: dict[str, ClientPrincipal] = {}
    keys: dict[str, str] = {}
    for code, name, domains in DEPARTMENTS:
        covered = domains if domains is not None else sorted(set(catalog.domains) - claimed)
        scopes = [f"domain:{d}" for d in covered]
        if code == "city-credit-office":
            scopes.append("registry:write")
        client_id, key = await identity.create_api_client("department", code, name, scopes)
        keys[code] = key
        principals[code] = ClientPrincipal(client_id, "department", code, name, frozenset(scopes))
    _, merchant_key = await identity.create_api_client(
        "merchant", "city-library", "市图书馆", ["benefit:library-deposit-waiver"]
    )
    keys["merchant:city-library"] = merchant_key
    return principals, keys


# The demo citizen's own story: volunteering and a blood donation, a drink-driving record that
# can be repaired now and leaves display in about four months, a recent late utility payment,
# and an old minor record already past its display period. (type, days ago, quantity)
DEMO_CITIZEN_RECORDS = [
    ("VOLUNTEER-SERVICE-HOURS", 60, 24),
    ("VOLUNTEER-SERVICE-HOURS", 200, 30),
    ("BLOOD-DONATION-UNPAID", 100, 1),
    ("TRAFFIC-DRINK-DRIVING", 240, 1),
    ("UTILITY-LATE-PAYMENT", 20, 1),
    ("TAX-LATE-FILING", 400, 1),
]
# Most people have no record or good ones; serious records are rare.
RECORD_COUNTS = (0, 0, 0, 1, 1, 2, 3)
SEVERITY_WEIGHTS = {"minor": 5, "general": 4, "serious": 1}


def _random_types(rng: random.Random, catalog: Catalog) -> list[str]:
    good = sorted(c for c, t in catalog.record_types.items() if t.polarity == "good")
    bad = sorted(c for c, t in catalog.record_types.items() if t.polarity == "bad")
    chosen: list[str] = []
    for _ in range(rng.choice(RECORD_COUNTS)):
        if rng.random() < 0.6:
            chosen.append(rng.choice(good))
            continue
        severity = rng.choices(list(SEVERITY_WEIGHTS), weights=list(SEVERITY_WEIGHTS.values()))[0]
        chosen.append(rng.choice([c for c in bad if catalog.record_types[c].severity == severity]))
    return chosen


def _random_person(rng: random.Random, n: int) -> RegistryEntryIn:
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return RegistryEntryIn(
        id_number=make_id_number(rng.choice(REGIONS), born, n),
        name=name,
        phone=f"139{n:08d}",
    )


def _random_record(
    rng: random.Random, person: RegistryEntryIn, type_code: str, n: int, today: dt.date
) -> dict[str, Any]:
    occurred = today - dt.timedelta(days=rng.randrange(10, 4 * 365))
    decided = min(occurred + dt.timedelta(days=rng.randrange(0, 40)), today)
    return {
        "citizenIdNumber": person.id_number,
        "citizenName": person.name,
        "recordType": type_code,
        "occurredOn": occurred.isoformat(),
        "decidedOn": decided.isoformat(),
        "decisionDocumentNo": f"DEMO〔{occurred.year}〕{n:05d}号",
        "sourceReference": f"demo-{n:06d}",
        "evidenceSummary": "示例数据 demo record",
        "quantity": rng.choice((2, 4, 8, 16)) if type_code == "VOLUNTEER-SERVICE-HOURS" else 1,
    }


async def load_demo(citizens: int = 300, seed: int = 20261122) -> dict[str, Any]:
    if await demo_loaded():
        return json.loads(_credentials_path().read_text()) if _credentials_path().exists() else {}
    rng = random.Random(seed)
    today = today_in_shanghai()
    principals, keys = await _create_departments()
    catalog = runtime.current().catalogs.latest
    demo = RegistryEntryIn(id_number=DEMO_ID_NUMBER, name=DEMO_NAME, phone=DEMO_PHONE)
    people = [demo] + [_random_person(rng, n) for n in range(1, citizens)]
    registrar = principals["city-credit-office"]
    for start in range(0, len(people), 500):
        await identity.upsert_registry(
            RegistryBatch(entries=people[start : start + 500]), registrar
        )
    by_department: dict[str, list[dict[str, Any]]] = {code: [] for code in principals}
    owner = {
        t.code: next(c for c, p in principals.items() if p.may_report(t.code, t.domain))
        for t in catalog.record_types.values()
    }
    n = 0
    for person in track(people[1:], description="demo records"):
        for type_code in _random_types(rng, catalog):
            n += 1
            by_department[owner[type_code]].append(_random_record(rng, person, type_code, n, today))
    for type_code, days_ago, quantity in DEMO_CITIZEN_RECORDS:
        n += 1
        item = _random_record(rng, demo, type_code, n, today)
        day = (today - dt.timedelta(days=days_ago)).isoformat()
        item.update(occurredOn=day, decidedOn=day, quantity=quantity)
        by_department[owner[type_code]].append(item)
    for code, items in by_department.items():
        for start in range(0, len(items), 1000):
            await records.ingest_batch(items[start : start + 1000], principals[code])
    await _demo_account()
    password = secrets.token_urlsafe(12)
    await identity.create_officer("admin", password, "演示管理员", ["officer", "admin"])
    credentials = {
        "citizenPhone": DEMO_PHONE,
        "officer": {"username": "admin", "password": password},
        "apiKeys": keys,
    }
    _credentials_path().write_text(json.dumps(credentials, ensure_ascii=False, indent=2))
    _credentials_path().chmod(0o600)
    return credentials


async def _demo_account() -> None:
    citizen_id = await identity.find_or_create_citizen(DEMO_ID_NUMBER, DEMO_NAME)
    async with connection() as conn:
        await conn.execute(
            "INSERT INTO citizen_account (citizen, phone_encrypted, phone_index, language,"
            " created_at) VALUES ($1, $2, $3, 'zh-CN', now()) ON CONFLICT DO NOTHING",
            citizen_id,
            identity.encrypt_phone(DEMO_PHONE),
            identity.phone_index(DEMO_PHONE),
        )
        # The demo citizen signed up through the app, so accepted the notices then in force:
        # the walk-through in README starts from a card, not from the consent screen.
        shown = notices.in_force(today_in_shanghai())
        await identity_store.insert_notice_acceptances(
            conn,
            citizen_id,
            [
                identity_store.NoticeAcceptanceIn(
                    document=document,
                    version=shown.version,
                    language="zh-CN",
                    text_sha256=shown.sha256(document, "zh-CN"),
                )
                for document in notices.DOCUMENTS
            ],
        )
