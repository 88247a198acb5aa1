"""Charts drawn on the server as inline SVG: no JavaScript library, no CDN, nothing to load after
the page. A chart is computed here (pure arithmetic on the points given) and drawn by the
`dashboard/_bar_chart.html` partial:

    {% include "dashboard/_bar_chart.html" with chart=revenue_chart %}

The SVG is one image to assistive technology (`role="img"` named by its `<title>` and `<desc>`),
and the same figures follow as a visually hidden table, so a screen reader can read every day's
value rather than a picture of bars. The SVG scales to its box (`viewBox`, no fixed width), so the
chart fits a 375 px phone as well as a laptop; its labels are HTML around it, not SVG text that
would stretch with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

VIEW_WIDTH = 600
VIEW_HEIGHT = 160
GAP_RATIO = Decimal("0.2")  # the share of each slot left empty between bars


@dataclass(frozen=True)
class Bar:
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    label: str  # the point's label, e.g. its day
    value_text: str  # the value as a reader reads it ("€12.50", "3")


@dataclass(frozen=True)
class BarChart:
    slug: str  # unique on the page: the ids of the title, description and table
    title: str
    description: str
    bars: list[Bar]
    max_text: str  # the top of the scale, as a reader reads it
    first_label: str
    last_label: str
    width: int = VIEW_WIDTH
    height: int = VIEW_HEIGHT

    @property
    def is_empty(self) -> bool:
        return not self.bars


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def bar_chart(
    *,
    slug: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, Decimal | int]],
    value_text: Callable[[Decimal | int], str] = str,
) -> BarChart:
    """One bar per point, scaled to the largest value (a chart of zeros draws flat bars rather
    than dividing by zero); negative values (a day of refunds) are drawn as zero-height bars but
    keep their value in the table."""
    count = len(points)
    if count == 0:
        return BarChart(
            slug=slug,
            title=title,
            description=description,
            bars=[],
            max_text="",
            first_label="",
            last_label="",
        )
    top = max((Decimal(value) for _label, value in points), default=Decimal(0))
    slot = Decimal(VIEW_WIDTH) / count
    width = _round(slot * (1 - GAP_RATIO))
    bars = []
    for index, (label, value) in enumerate(points):
        amount = max(Decimal(value), Decimal(0))
        height = _round(Decimal(VIEW_HEIGHT) * amount / top) if top > 0 else Decimal(0)
        bars.append(
            Bar(
                x=_round(slot * index + (slot - width) / 2),
                y=_round(Decimal(VIEW_HEIGHT) - height),
                width=width,
                height=height,
                label=label,
                value_text=value_text(value),
            )
        )
    return BarChart(
        slug=slug,
        title=title,
        description=description,
        bars=bars,
        max_text=value_text(top),
        first_label=points[0][0],
        last_label=points[-1][0],
    )
