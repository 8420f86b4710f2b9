"""One line per measured ratio, for ``benchmarks/run_all.py`` (``make bench``) to gather.

A benchmark calls :func:`ratio` for each number it is judged by: the rate, its same-run
baseline, and the floor and goal of the ratio (or of the rate, for a target in absolute
terms). Run alone, the benchmark prints as before; under the runner (``BENCH_RESULTS`` names a
file) each call also appends one JSON line there.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Ratio:
    name: str  # what was measured, e.g. "card, 32 connections"
    value: float  # the measured rate
    unit: str  # of value and baseline: "req/s", "records/s", ...
    baseline: float  # the same-run ceiling it is compared with
    baseline_name: str  # e.g. "/healthz"
    floor: float | None = None  # the least acceptable ratio (or rate, see judged_on)
    goal: float | None = None
    judged_on: str = "ratio"  # "ratio" or "value": which number floor and goal apply to

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else 0.0

    def verdict(self) -> str:
        judged = self.ratio if self.judged_on == "ratio" else self.value
        if self.floor is None:
            return "measured"
        if judged < self.floor:
            return "BELOW FLOOR"
        if self.goal is not None and judged >= self.goal:
            return "goal met"
        return "floor met"


def number(value: float) -> str:
    """A rate as people read it: whole numbers, but a slow rate keeps a decimal."""
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def ratio(measured: Ratio) -> Ratio:
    """Print the ratio's line, and record it for the runner when one is listening."""
    print(
        f"ratio [{measured.name}]: {number(measured.value)} {measured.unit} against"
        f" {number(measured.baseline)} ({measured.baseline_name}) = {measured.ratio:.3f}"
        f"  {measured.verdict()}"
    )
    target = os.environ.get("BENCH_RESULTS")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(measured), ensure_ascii=False) + "\n")
    return measured
