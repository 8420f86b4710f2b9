"""The SVG writer on its own: whole-number scales, stacked and grouped bars in proportion,
every text escaped, nothing fetched from elsewhere."""

from __future__ import annotations

import pytest

from backend.statistics import charts
from tests.api.statistics.helpers import SVG, bar_heights, bars, chart_title, parse


def _chart(**changes: object) -> charts.BarChart:
    fields: dict[str, object] = {
        "title": "信用记录（按月）",
        "description": "每月记录数",
        "x_label": "月份",
        "y_label": "记录数",
        "categories": ("2026-10", "2026-11"),
        "series": (
            charts.Series("优良", "#2E7D32", (1, 3)),
            charts.Series("严重", "#C62828", (1, 0)),
        ),
        "stacked": True,
    }
    fields.update(changes)
    return charts.BarChart(**fields)  # type: ignore[arg-type]


def test_ticks_are_whole_numbers_in_round_steps() -> None:
    assert charts.axis_ticks(0) == [0, 1]
    assert charts.axis_ticks(3) == [0, 1, 2, 3]
    assert charts.axis_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.axis_ticks(38) == [0, 10, 20, 30, 40]
    assert charts.axis_ticks(1234) == [0, 500, 1000, 1500]


def test_stacked_bars_pile_up_in_proportion() -> None:
    svg = charts.render(_chart())
    assert bars(svg) == {("2026-10", "优良"): 1, ("2026-10", "严重"): 1, ("2026-11", "优良"): 3}
    heights = bar_heights(svg)
    # The scale runs 0..3: one record is a third of the plot, three are all of it.
    assert heights[("2026-11", "优良")] == pytest.approx(charts.PLOT.height)
    assert heights[("2026-10", "优良")] == pytest.approx(charts.PLOT.height / 3, abs=0.01)
    root = parse(svg)
    october = [r for r in root.iter(f"{SVG}rect") if r.get("data-category") == "2026-10"]
    good, serious = october
    # The second series sits on top of the first, in the same column.
    assert good.get("x") == serious.get("x")
    assert float(serious.attrib["y"]) + float(serious.attrib["height"]) == pytest.approx(
        float(good.attrib["y"]), abs=0.01
    )


def test_grouped_bars_stand_side_by_side() -> None:
    svg = charts.render(_chart(stacked=False))
    root = parse(svg)
    october = [r for r in root.iter(f"{SVG}rect") if r.get("data-category") == "2026-10"]
    assert len(october) == 2
    assert float(october[0].attrib["x"]) < float(october[1].attrib["x"])
    assert october[0].get("y") == october[1].get("y")  # both 1 high


def test_every_text_is_escaped_and_nothing_is_fetched() -> None:
    hostile = '<script>alert("x")</script> & 交通'
    svg = charts.render(_chart(title=hostile, series=(charts.Series(hostile, "#2E7D32", (1, 2)),)))
    assert "<script" not in svg and "href" not in svg and "@import" not in svg
    assert chart_title(svg) == hostile
    assert {series for _, series in bars(svg)} == {hostile}
    root = parse(svg)
    assert root.get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}"
    assert root.get("role") == "img"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "月份" in texts and "记录数" in texts  # both axis labels


def test_a_chart_with_nothing_to_show_says_so() -> None:
    empty = _chart(series=(charts.Series("优良", "#2E7D32", (0, 0)),), empty_text="暂无数据")
    svg = charts.render(empty)
    assert bars(svg) == {}
    assert "暂无数据" in [t.text for t in parse(svg).iter(f"{SVG}text")]


def test_values_must_match_the_categories() -> None:
    with pytest.raises(ValueError, match="value count"):
        _chart(series=(charts.Series("优良", "#2E7D32", (1,)),))
    with pytest.raises(ValueError, match="negative"):
        _chart(series=(charts.Series("优良", "#2E7D32", (1, -1)),))
