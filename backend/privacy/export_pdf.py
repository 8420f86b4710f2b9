"""The copy of a citizen's data as a readable PDF (fpdf2, the credit report's CJK font): a cover,
then one section per kind of data, each row a block of "field: value" lines. Pure and
synchronous (CPU-bound: callers run it in a worker thread)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from fpdf import FPDF
from fpdf.enums import WrapMode

FONT = "cjk"
VALUE_CHARS = 400  # one value at most this long: a page must hold a row


class _Copy(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(
            0,
            8,
            f"第 {self.page_no()} 页 / 共 {{nb}} 页   Page {self.page_no()} of {{nb}}",
            align="C",
        )


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    flat = value if isinstance(value, str) else msgspec.json.encode(value).decode()
    flat = " ".join(flat.split())
    return flat if len(flat) <= VALUE_CHARS else flat[: VALUE_CHARS - 1] + "…"


def _line(pdf: FPDF, text: str) -> None:
    # "CHAR" wrapping: hashes and tokens have no spaces to break at
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)


def _row(pdf: FPDF, row: dict[str, Any]) -> None:
    for key, value in row.items():
        _line(pdf, f"{key}: {_text(value)}")
    pdf.ln(2)


def _section(pdf: FPDF, title: tuple[str, str], content: Any) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, size=12)
    _line(pdf, f"{title[0]}  {title[1]}")
    pdf.set_font(FONT, size=8)
    if isinstance(content, dict):
        groups = content.items() if all(isinstance(v, list) for v in content.values()) else None
        if groups is None:
            _row(pdf, content)
            return
        for name, items in groups:
            _line(pdf, f"[{name}] {len(items)}")
            for item in items:
                _row(pdf, item)
        return
    if not content:
        _line(pdf, "无 None")
        return
    for item in content:
        _row(pdf, item)


def render(document: dict[str, Any], titles: dict[str, tuple[str, str]], font: Path) -> bytes:
    """The PDF of ``document`` (the JSON copy), its sections in ``document['sections']``
    order, each headed by ``titles[section]`` (Chinese, English)."""
    pdf = _Copy(format="A4")
    pdf.set_title("个人信息副本 Copy of my personal information")
    pdf.add_font(FONT, "", str(font))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font(FONT, size=18)
    pdf.cell(0, 11, "个人信息副本", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, "Copy of my personal information", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    _line(pdf, f"生成时间 Generated at (UTC)：{document['generatedAt']}")
    _line(pdf, f"编号 Export：{document['exportId']}")
    for section in document["sections"]:
        _section(pdf, titles[section], document[section])
    return bytes(pdf.output())
