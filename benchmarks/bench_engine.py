"""Citizens assessed per second by ``points_engine.assess`` on one core.

Builds synthetic citizens from the real catalog (content/catalog/) and rules (content/rules/):
5-record and 50-record mixes of good records (volunteer hours that hit the yearly cap, blood
donations, donations, honours), bad records of every severity (some under objection, some
repaired or revoked) and records whose display period is over. Then, for each size, runs
``assess`` over them for a few seconds and prints citizens per second.

Baseline, measured in the same run over the same records: a loop that only sums
``points_per_unit * quantity`` per citizen (the least any scorer must do). The ratio says what
the full card (caps, explanation lines, badges, countdowns, next change date) costs on top.

    .venv/bin/python benchmarks/bench_engine.py [--seconds 3] [--citizens 2000] [--cpu 0]
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import gc
import os
import random
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from points_engine import RecordFact, Rules, RuleSet, assess, rules_from_mapping  # noqa: E402

TARGET_5 = 50_000
AS_OF = dt.date(2026, 9, 1)


def _add_months(start: dt.date, months: int) -> dt.date:
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(start.day, last))


def _load_rules() -> Rules:
    files = sorted((ROOT / "content" / "rules").glob("*.toml"))
    rule_set = RuleSet(rules_from_mapping(tomllib.loads(p.read_text("utf-8")), str(p)) for p in files)
    return rule_set.in_force(AS_OF)


def _load_catalog() -> tuple[str, list[dict[str, Any]]]:
    files = sorted((ROOT / "content" / "catalog").glob("*.toml"))
    data = tomllib.loads(files[-1].read_text("utf-8"))
    return str(data["catalog"]["version"]), list(data["record_type"])


class Factory:
    """Random records drawn from the catalog, reproducible from the seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.version, types = _load_catalog()
        self.good = [t for t in types if t["polarity"] == "good"]
        self.bad = [t for t in types if t["polarity"] == "bad"]
        self.volunteer = next(t for t in self.good if t["unit"] == "hour")
        self.blood = next(t for t in self.good if t["bonus_category"] == "blood_donation")
        self.next_id = 1

    def record(self, kind: str) -> RecordFact:
        rng = self.rng
        if kind == "volunteer":
            entry, quantity = self.volunteer, rng.choice((4, 8, 16, 24, 40))
        elif kind == "blood":
            entry, quantity = self.blood, 1
        elif kind == "good":
            entry, quantity = rng.choice(self.good), 1
        else:
            entry, quantity = rng.choice(self.bad), rng.choice((1, 1, 1, 2))
        bad = entry["polarity"] == "bad"
        if kind == "expired":  # decided long enough ago that its display period is over
            decided = AS_OF - dt.timedelta(days=31 * entry["display_months"] + rng.randint(1, 400))
        else:
            decided = AS_OF - dt.timedelta(days=rng.randint(0, 28 * entry["display_months"]))
        occurred = decided - dt.timedelta(days=rng.randint(0, 30))
        status = "active"
        under_objection = False
        repaired_on = None
        repairable = None
        if bad:
            if entry["repair_paths"]:
                repairable = _add_months(decided, entry["min_display_months"])
            roll = rng.random()
            if roll < 0.08:
                status = "revoked"
            elif roll < 0.16 and repairable is not None and repairable <= AS_OF:
                status, repaired_on = "repaired", repairable + dt.timedelta(days=rng.randint(5, 40))
            elif roll < 0.24:
                under_objection = True
        self.next_id += 1
        return RecordFact(
            id=self.next_id,
            record_type=entry["code"],
            domain=entry["domain"],
            polarity=entry["polarity"],
            severity=entry.get("severity"),
            points_per_unit=entry["points"],
            quantity=quantity,
            bonus_category=entry.get("bonus_category"),
            occurred_on=occurred,
            decided_on=decided,
            display_until=_add_months(decided, entry["display_months"]),
            repairable_from=repairable,
            repair_paths=tuple(entry.get("repair_paths", ())),
            status=status,
            under_objection=under_objection,
            department="city-credit-office",
            catalog_version=self.version,
            repaired_on=repaired_on,
            unit=entry["unit"],
            name_zh=entry["name_zh"],
            name_en=entry["name_en"],
        )

    def citizen(self, size: int) -> list[RecordFact]:
        # Half good (volunteering often past the yearly cap), a third bad, the rest expired.
        kinds = ["volunteer", "volunteer", "blood", "good", "bad", "bad", "expired"]
        return [self.record(self.rng.choice(kinds)) for _ in range(size)]


def _run(
    label: str,
    fn: Callable[[Sequence[RecordFact]], object],
    citizens: list[list[RecordFact]],
    seconds: float,
) -> float:
    count = 0
    best = 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        for records in citizens:
            fn(records)
        elapsed = time.perf_counter() - start
        count += len(citizens)
        best = max(best, len(citizens) / elapsed)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--citizens", type=int, default=2000, help="distinct citizens per size")
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU (Linux)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    rules = _load_rules()
    factory = Factory(args.seed)
    sizes = (5, 50)
    populations = {size: [factory.citizen(size) for _ in range(args.citizens)] for size in sizes}
    gc.collect()
    gc.freeze()

    def engine(records: Sequence[RecordFact]) -> object:
        return assess(records, rules, AS_OF)

    def baseline(records: Sequence[RecordFact]) -> object:
        return sum(r.points_per_unit * r.quantity for r in records)

    print(f"points_engine.assess, rules {rules.version}, as of {AS_OF}, Python {sys.version.split()[0]}")
    print(f"{args.citizens} distinct citizens per size, best pass over {args.seconds:.1f} s each\n")
    print(f"{'records':>8} {'assess/s':>12} {'us/citizen':>11} {'baseline/s':>12} {'ratio':>7}")
    ok = True
    for size in sizes:
        citizens = populations[size]
        for records in citizens[:50]:  # warm the memo tables, as a long-running worker has
            engine(records)
        rate = _run("assess", engine, citizens, args.seconds)
        base = _run("baseline", baseline, citizens, args.seconds)
        print(
            f"{size:>8} {rate:>12,.0f} {1e6 / rate:>11.1f} {base:>12,.0f} {rate / base:>7.3f}"
        )
        if size == 5 and rate < TARGET_5:
            ok = False
    print(f"\ntarget: >= {TARGET_5:,} citizens/s for 5-record citizens: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
