"""Credit reports generated per second on one core: the facts of a citizen with records, cases,
measures and looks rendered to a signed PDF with the embedded CJK font subset. Baseline in the
same run: fpdf2 making a one-line PDF with the same font (the floor: loading and subsetting the
font is most of the cost), so the ratio is what our pages add.

    .venv/bin/python benchmarks/bench_report.py --reports 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpdf import FPDF

from backend.creditreport import render, signing
from backend.creditreport.facts import (
    CaseLine,
    MeasureLine,
    QuerySummary,
    RecordLine,
    ReportFacts,
)
from backend.creditreport.fonts import static_font
from benchmarks._report import Ratio, ratio


def _facts(n: int) -> ReportFacts:
    day = dt.date(2026, 10, 21)
    return ReportFacts(
        number=f"XY20261130{n:08X}",
        short_code="KVJY-2W6V",
        made_at=dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC),
        name="陈静",
        id_number="330106198806010010",
        points=850,
        grade="B",
        grade_name="诚信一般",
        rules_version="2026.1",
        records=tuple(
            RecordLine(
                title="失信被执行人（有履行能力而拒不履行生效法律文书确定的义务）",
                department="市中级人民法院",
                decided_on=day,
                display_until=day.replace(year=2029),
                legal_basis="《中华人民共和国民事诉讼法》；《最高人民法院关于公布失信被执行人名单信息的若干规定》",
                polarity="bad",
                points=-150,
            )
            for _ in range(4)
        ),
        cases=(
            CaseLine(
                kind="objection",
                case_id=7,
                record_title="饮酒后驾驶机动车",
                status="维持原记录",
                decided_on=day,
                reason="事实清楚，证据确凿",
            ),
        ),
        red_list=False,
        black_list=True,
        measures=tuple(
            MeasureLine(
                name="限制高消费",
                kind="强制 Mandatory",
                legal_basis="《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条",
                ends_on=day.replace(year=2029),
            )
            for _ in range(6)
        ),
        queries=(QuerySummary(organisation="市住房保障和房产管理局", looks=2, last=day),),
        check_url="https://credit.example.gov.cn/v1/public/credit-reports/XY2026113000000001",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=20)
    args = parser.parse_args()
    key = bytes(range(32))
    with tempfile.TemporaryDirectory() as var:
        started = time.perf_counter()
        font = static_font(var)
        print(f"font made static once : {time.perf_counter() - started:6.1f} s (cached afterwards)")
        kid = signing.kid_of(key)
        started = time.perf_counter()
        for n in range(args.reports):
            facts = _facts(n)
            signing.sign(facts.number, render.render(facts, font, kid), key)
        rate = args.reports / (time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(args.reports):
            pdf = FPDF(format="A4")
            pdf.add_font("cjk", "", str(font))
            pdf.add_page()
            pdf.set_font("cjk", size=12)
            pdf.cell(0, 10, "个人信用报告 Personal Credit Report")
            pdf.output()
        baseline = args.reports / (time.perf_counter() - started)
    print(f"signed reports        : {rate:6.2f}/s on one core (2 pages, tables, QR)")
    print(f"baseline              : {baseline:6.2f}/s one-line PDFs with the same font")
    print(f"ratio                 : {rate / baseline:6.2f} of the font-bound floor")
    ratio(
        Ratio(
            name="signed credit reports (PDF)",
            value=rate,
            unit="reports/s",
            baseline=baseline,
            baseline_name="one-line PDFs, same font",
        )
    )


if __name__ == "__main__":
    main()
