"""Every benchmark in one run (``make bench``), then every ratio in one table.

Each benchmark runs as its own process (its servers in processes of their own, the load from
the benchmark's process, never the server's), printing as it goes; the ratios they record
(``benchmarks/_report.py``) are gathered into one table at the end, with the machine's load
when the run began and ended. A benchmark that fails is named in the table and makes the exit
status non-zero; the others still run.

    .venv/bin/python benchmarks/run_all.py             # all of them
    .venv/bin/python benchmarks/run_all.py card push   # some of them
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._report import Ratio, number

HERE = Path(__file__).resolve().parent
# name: the script and its arguments (the table is at 32 connections).
BENCHMARKS: dict[str, list[str]] = {
    "engine": ["bench_engine.py", "--seconds", "2"],
    "ingest": ["bench_ingest.py"],
    "card": ["bench_card.py", "--levels", "32"],
    "verify": ["bench_verify.py", "--levels", "32"],
    "push": ["bench_push.py"],
    "measures": ["bench_measures.py"],
    "report": ["bench_report.py"],
    "exchange": ["bench_exchange.py"],
}


def _run(name: str, results: Path) -> tuple[bool, float]:
    script, *args = BENCHMARKS[name]
    print(f"\n=== {name}: {script} {' '.join(args)}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        env={**os.environ, "BENCH_RESULTS": str(results)},
        check=False,
    )
    return done.returncode == 0, time.perf_counter() - started


def _table(ratios: list[tuple[str, Ratio]], failed: list[str]) -> Table:
    table = Table(title="make bench: every ratio, this run")
    for column in ("bench", "measured", "rate", "baseline", "ratio", "floor", "goal", "verdict"):
        table.add_column(column, justify="left" if column in ("bench", "measured") else "right")
    for bench, r in ratios:
        suffix = "" if r.judged_on == "ratio" else f" {r.unit}"
        table.add_row(
            bench,
            r.name,
            f"{number(r.value)} {r.unit}",
            f"{number(r.baseline)} ({r.baseline_name})",
            f"{r.ratio:.3f}",
            "" if r.floor is None else f"{r.floor:,}{suffix}",
            "" if r.goal is None else f"{r.goal:,}{suffix}",
            r.verdict(),
        )
    for bench in failed:
        table.add_row(bench, "the benchmark failed (see its output above)", *[""] * 5, "FAILED")
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"some of {', '.join(BENCHMARKS)} (default: all)")
    names = parser.parse_args().names or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)}")
    load_before = os.getloadavg()
    ratios: list[tuple[str, Ratio]] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cc-bench-") as scratch:
        for name in names:
            results = Path(scratch) / f"{name}.jsonl"
            ok, _ = _run(name, results)
            if not ok:
                failed.append(name)
            if results.exists():
                for line in results.read_text(encoding="utf-8").splitlines():
                    ratios.append((name, Ratio(**json.loads(line))))
    console = Console(width=max(Console().width, 160))  # a log file too: the table whole
    console.print()
    console.print(_table(ratios, failed))
    load_after = os.getloadavg()
    console.print(
        f"load average (1, 5, 15 min) at the start {load_before[0]:.2f} {load_before[1]:.2f}"
        f" {load_before[2]:.2f}, at the end {load_after[0]:.2f} {load_after[1]:.2f}"
        f" {load_after[2]:.2f}; {os.cpu_count()} CPUs"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
