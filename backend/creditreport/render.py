"""The report as a PDF (fpdf2): A4, Chinese first with English headings, the CJK font embedded
as a subset, a QR code and a short code to check it online, page numbers. Pure and synchronous
(CPU-bound: callers run it in a worker thread). The signature's place is a fixed-length
placeholder in the document's keywords, filled in after signing without moving any byte."""

from __future__ import annotations

import io
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.fonts import FontFace

from backend.creditreport.facts import ReportFacts
from backend.platform.clock import SHANGHAI

PLACEHOLDER = "0" * 128  # the hex Ed25519 signature replaces it, same length
SIGNATURE_PREFIX = "crsig1:ed25519:"
FONT = "cjk"
POLARITY = {"good": "守信 Good", "bad": "失信 Bad"}
KINDS = {"objection": "异议 Objection", "repair": "信用修复 Repair"}


class _Report(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(
            0,
            8,
            f"第 {self.page_no()} 页 / 共 {{nb}} 页   Page {self.page_no()} of {{nb}}",
            align="C",
        )


def _heading(pdf: FPDF, zh: str, en: str) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, f"{zh}  {en}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)


def _line(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")


CELL_CHARS = 300  # a row must fit a page: longer texts (a decision's reason) are cut short


def _cell(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= CELL_CHARS else flat[: CELL_CHARS - 1] + "…"


def _table(pdf: FPDF, widths: tuple[int, ...], head: list[str], rows: list[list[str]]) -> None:
    if not rows:
        _line(pdf, "无 None")
        return
    with pdf.table(col_widths=widths, headings_style=FontFace(size_pt=9), line_height=5.5) as t:
        t.row(head)
        for row in rows:
            t.row([_cell(text) for text in row])


def render(facts: ReportFacts, font: Path, kid: str) -> bytes:
    """The PDF with the signature placeholder (sign its bytes, then fill it in)."""
    pdf = _Report(format="A4")
    pdf.set_creation_date(facts.made_at)
    pdf.set_title(f"个人信用报告 {facts.number}")
    pdf.set_keywords(f"{SIGNATURE_PREFIX}{kid}:{PLACEHOLDER}")
    pdf.add_font(FONT, "", str(font))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    _cover(pdf, facts)
    _card(pdf, facts)
    _records(pdf, facts)
    _cases(pdf, facts)
    _lists_and_measures(pdf, facts)
    _queries(pdf, facts)
    return bytes(pdf.output())


def _cover(pdf: FPDF, facts: ReportFacts) -> None:
    qr = io.BytesIO()
    segno.make(facts.check_url, error="m").save(qr, kind="png", scale=4, border=2)
    pdf.image(qr, x=172, y=10, w=26)
    pdf.set_font(FONT, size=18)
    pdf.cell(0, 11, "个人信用报告", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.cell(
        0, 7, "Personal Credit Report (public credit information)", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(FONT, size=9)
    made = facts.made_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    _line(pdf, f"报告编号 Report number：{facts.number}    校验码 Check code：{facts.short_code}")
    _line(
        pdf, f"生成时间 Made at：{made} 北京时间（30 日内可在线核验 checkable online for 30 days）"
    )
    _line(pdf, f"核验地址 Check at：{facts.check_url}")
    _heading(pdf, "身份信息", "Identity")
    _line(pdf, f"姓名 Name：{facts.name}")
    _line(pdf, f"公民身份号码 ID number：{facts.id_number}")


def _card(pdf: FPDF, facts: ReportFacts) -> None:
    _heading(pdf, "信用积分与等级", "Points and grade")
    _line(
        pdf, f"信用积分 Points：{facts.points}    等级 Grade：{facts.grade}（{facts.grade_name}）"
    )
    _line(pdf, f"积分规则版本 Rules version：{facts.rules_version}")


def _records(pdf: FPDF, facts: ReportFacts) -> None:
    _heading(pdf, "公示期内的信用记录", "Records on display")
    rows = [
        [
            r.title,
            POLARITY.get(r.polarity, r.polarity),
            f"{r.points:+d}",
            r.department,
            r.decided_on.isoformat(),
            r.display_until.isoformat(),
            r.legal_basis,
        ]
        for r in facts.records
    ]
    head = [
        "记录 Record",
        "性质 Kind",
        "分值 Pts",
        "认定部门 Department",
        "认定日期 Decided",
        "公示截止 Display ends",
        "依据 Legal basis",
    ]
    _table(pdf, (34, 16, 12, 30, 22, 22, 54), head, rows)


def _cases(pdf: FPDF, facts: ReportFacts) -> None:
    _heading(pdf, "异议与信用修复", "Objections and repairs")
    rows = [
        [
            KINDS.get(c.kind, c.kind),
            str(c.case_id),
            c.record_title,
            c.status,
            c.decided_on.isoformat() if c.decided_on else "—",
            c.reason or "—",
        ]
        for c in facts.cases
    ]
    head = [
        "类别 Kind",
        "编号 No.",
        "记录 Record",
        "结果 Status",
        "决定日期 Decided",
        "理由 Reason",
    ]
    _table(pdf, (26, 14, 36, 24, 24, 66), head, rows)


def _lists_and_measures(pdf: FPDF, facts: ReportFacts) -> None:
    _heading(pdf, "名单与惩戒措施", "Lists and measures")
    red = "是 Yes" if facts.red_list else "否 No"
    black = "是 Yes" if facts.black_list else "否 No"
    _line(pdf, f"守信红名单 Red list：{red}    严重失信主体名单 Serious-dishonesty list：{black}")
    rows = [
        [m.name, m.kind, m.legal_basis, m.ends_on.isoformat() if m.ends_on else "—"]
        for m in facts.measures
    ]
    _table(
        pdf, (50, 24, 90, 26), ["措施 Measure", "类别 Kind", "依据 Legal basis", "截止 Ends"], rows
    )


def _queries(pdf: FPDF, facts: ReportFacts) -> None:
    _heading(pdf, "近 12 个月查询记录", "Who looked in the last 12 months")
    rows = [[q.organisation, str(q.looks), q.last.isoformat()] for q in facts.queries]
    _table(pdf, (110, 30, 50), ["查询机构 Organisation", "次数 Looks", "最近 Last"], rows)
