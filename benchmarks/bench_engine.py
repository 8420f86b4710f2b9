"""Citizens assessed per second by ``points_engine.assess`` on one core.

Builds synthetic citizens from the real catalog (content/catalog/) and rules (content/rules/):
5-record and 50-record mixes of good records (volunteer hours that hit the yearly cap, blood
donations, donations, honours), bad records of every severity (some under objection, some
repaired or revoked) and records whose display period is over. Then, for each size, runs
``assess`` over them for a few seconds on this one process (one core; ``--cpu`` pins it) and
prints citizens per second: the mean over the whole run, the best single pass (the machine's
capacity when nothing else competes for the core), and one "cold" pass with the engine's memo
tables emptied first (a worker's first minutes).

Baseline, measured in the same run over the same records: a loop that only sums
``points_per_unit * quantity`` per citizen (the least any scorer must do). The ratio says what
the full card (caps, explanation lines, badges, countdowns, next change date) costs on top.

Also printed: citizens per CPU-second (the same passes timed by the process's CPU clock, so time
the process spent waiting for a shared core does not count), and issue 17's floor and goal for
five-record citizens on one core (100,000 and 200,000 per second), each as PASS or BELOW for
the mean, the best pass and the CPU-second rate. The exit status is 0 unless ``--strict`` is
given and the mean is below the floor (``make bench`` runs every benchmark after this one).

    .venv/bin/python benchmarks/bench_engine.py [--seconds 3] [--citizens 2000] [--cpu 0] [--strict]
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

from benchmarks._report import Ratio, ratio  # noqa: E402
from points_engine import (  # noqa: E402
    RecordFact,
    RecordStatus,
    Rules,
    RuleSet,
    assess,
    rules_from_mapping,
)

FLOOR_5 = 100_000  # issue 17: five-record citizens per second on one core, at least
GOAL_5 = 200_000  # issue 17: the goal
AS_OF = dt.date(2026, 9, 1)


def _add_months(start: dt.date, months: int) -> dt.date:
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(start.day, last))


def _load_rules() -> Rules:
    files = sorted((ROOT / "content" / "rules").glob("*.toml"))
    rule_set = RuleSet(
        rules_from_mapping(tomllib.loads(p.read_text("utf-8")), str(p)) for p in files
    )
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
        status: RecordStatus = "active"
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
    fn: Callable[[Sequence[RecordFact]], object],
    citizens: list[list[RecordFact]],
    seconds: float,
) -> tuple[float, float, float]:
    """(mean, best pass, per CPU-second) citizens per second over passes through ``citizens``
    for ``seconds``."""
    count = 0
    best = 0.0
    clock = time.perf_counter
    began = clock()
    began_cpu = time.process_time()
    deadline = began + seconds
    while clock() < deadline:
        start = clock()
        for records in citizens:
            fn(records)
        elapsed = clock() - start
        count += len(citizens)
        best = max(best, len(citizens) / elapsed)
    cpu = time.process_time() - began_cpu
    return count / (clock() - began), best, count / cpu


def _cold_pass(rules: Rules, citizens: list[list[RecordFact]]) -> float:
    """Citizens per second over one pass with every memo table emptied first."""
    from points_engine import dates, text

    compiled = rules.compiled
    for table in (
        compiled.band_cache,
        compiled.anniversary_cache,
        compiled.matcher_cache,
        compiled.profile_cache,
        dates._after_cache,
        text._cache,
        text.PLAIN,
    ):
        table.clear()
    start = time.perf_counter()
    for records in citizens:
        assess(records, rules, AS_OF)
    return len(citizens) / (time.perf_counter() - start)


def _mix(rules: Rules, citizens: list[list[RecordFact]]) -> str:
    """What the synthetic citizens look like to the engine, per citizen on average."""
    totals = dict.fromkeys(("lines", "capped", "not counting", "suspended", "badges"), 0)
    for records in citizens:
        card = assess(records, rules, AS_OF)
        totals["lines"] += len(card.lines)
        totals["capped"] += sum(line.capped for line in card.lines)
        totals["not counting"] += len(card.not_counting)
        totals["suspended"] += len(card.suspended)
        totals["badges"] += len(card.badges)
    return ", ".join(f"{value / len(citizens):.2f} {key}" for key, value in totals.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--citizens", type=int, default=2000, help="distinct citizens per size")
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU (Linux)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when the 5-record mean is below the floor"
    )
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

    python = sys.version.split()[0]
    print(f"points_engine.assess, rules {rules.version}, as of {AS_OF}, Python {python}")
    print(
        f"{args.citizens} distinct citizens per size; mean over {args.seconds:.1f} s each "
        "(best single pass in brackets)\n"
    )
    print(
        f"{'records':>8} {'assess/s':>20} {'per cpu-s':>10} {'us/citizen':>11}"
        f" {'baseline/s':>22} {'ratio':>15} {'cold pass/s':>12}"
    )
    rates: dict[int, tuple[float, float, float]] = {}
    baselines: dict[int, float] = {}
    mixes: dict[int, str] = {}
    for size in sizes:
        citizens = populations[size]
        cold = _cold_pass(rules, citizens)
        mixes[size] = _mix(rules, citizens)
        rate, rate_best, rate_cpu = rates[size] = _run(engine, citizens, args.seconds)
        base, base_best, _ = _run(baseline, citizens, args.seconds)
        baselines[size] = base
        ratio_mean, ratio_best = rate / base, rate_best / base_best
        print(
            f"{size:>8} {rate:>10,.0f} ({rate_best:>7,.0f}) {rate_cpu:>10,.0f} {1e6 / rate:>11.1f}"
            f" {base:>11,.0f} ({base_best:>8,.0f}) {ratio_mean:>6.3f} ({ratio_best:.3f})"
            f" {cold:>12,.0f}"
        )
    print()
    for size, mix in mixes.items():
        print(f"{size:>2}-record citizens, per citizen on average: {mix}")
    print(
        "\nratio = assess / baseline (sum of points_per_unit * quantity per citizen, same records;"
        " mean, best in brackets)"
        "\nper cpu-s = citizens per second of this process's CPU time (waits for the core excluded)"
        "\ncold pass = one pass with the memo tables (texts, dates, grade bands) emptied first"
    )
    rate, rate_best, rate_cpu = rates[5]
    base_5 = baselines[5]
    ratio(
        Ratio(
            name="engine, five-record citizens on one core",
            value=rate,
            unit="citizens/s",
            baseline=base_5,
            baseline_name="sum-only loop",
            floor=FLOOR_5,
            goal=GOAL_5,
            judged_on="value",
        )
    )
    for name, target in (("floor", FLOOR_5), ("goal", GOAL_5)):
        verdicts = "  ".join(
            f"{label} {value:,.0f} {'PASS' if value >= target else 'BELOW'}"
            for label, value in (("mean", rate), ("best", rate_best), ("per cpu-s", rate_cpu))
        )
        print(f"issue 17 {name} {target:,} five-record citizens/s on one core: {verdicts}")
    return 1 if args.strict and rate < FLOOR_5 else 0


if __name__ == "__main__":
    raise SystemExit(main())
