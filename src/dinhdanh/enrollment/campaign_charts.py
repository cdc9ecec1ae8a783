"""The dashboard's charts, drawn on the server as inline SVG (no script, nothing the page's
strict CSP would refuse: presentation attributes only, no inline style). Each chart is a
set of horizontal bars of stacked segments; this module computes the geometry, the
template `enrollment/campaign/charts.html` draws it, and the page puts the same numbers
in a table beside it for screen readers and for anyone who wants the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from babel.numbers import format_decimal, format_percent

from dinhdanh.enrollment.application_models import ACTIVE, STATUSES
from dinhdanh.enrollment.campaign import BANDS, Dashboard, band_label
from dinhdanh.enrollment.labels import label
from dinhdanh.platform.i18n import N_, current_language, gettext

# The drawing's units: about one CSS pixel each in a half-width card of the console. The
# labels' column fits the longest label (about 7.6 units a character at font size 14).
WIDTH: Final = 480
CHAR_WIDTH: Final = 7.6
TOTAL_WIDTH: Final = 76
ROW: Final = 28
BAR: Final = 18
TOP: Final = 8
GREEN: Final = "#1e7a3c"
LIGHT_GREEN: Final = "#7cc08f"
GREY: Final = "#c3cad3"
BLUE: Final = "#0b5cad"
RED: Final = "#b3261e"
DARK_GREY: Final = "#6b7480"


def number(value: int) -> str:
    """A count written the page language's way (1.234.567 or 1,234,567)."""
    return format_decimal(value, locale=current_language())


def percent(part: int, whole: int) -> str:
    """A share written the page language's way (49,3% or 49.3%); a dash of nothing."""
    if not whole:
        return "–"
    return format_percent(part / whole, format="#,##0.0%", locale=current_language())


@dataclass(frozen=True)
class Series:
    """One kind of segment: its label (a msgid) and colour."""

    key: str
    label: str
    color: str


@dataclass(frozen=True)
class Segment:
    """A drawn part of a bar."""

    series: Series
    value: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    """A labelled bar, its segments and its total."""

    label: str
    total: int
    y: float
    segments: list[Segment]


@dataclass(frozen=True)
class Chart:
    """A chart ready to draw."""

    id: str
    title: str
    description: str
    series: list[Series]
    bars: list[Bar]
    label_width: int
    width: int = WIDTH
    bar_height: int = BAR

    @property
    def height(self) -> int:
        """The drawing's height."""
        return TOP * 2 + ROW * len(self.bars)

    @property
    def total_x(self) -> int:
        """Where the totals are written (right-aligned)."""
        return self.width - 4


def bar_chart(
    chart_id: str, title: str, series: list[Series], rows: list[tuple[str, list[int]]]
) -> Chart:
    """Horizontal stacked bars, one per row (label, a value per series), on one scale."""
    label_width = min(200, max(48, round(max(len(t) for t, _ in rows) * CHAR_WIDTH) + 12))
    span = WIDTH - label_width - TOTAL_WIDTH
    largest = max((sum(values) for _, values in rows), default=0) or 1
    bars = []
    for index, (text, values) in enumerate(rows):
        x = float(label_width)
        segments = []
        for kind, value in zip(series, values, strict=True):
            width = span * value / largest
            if value:
                segments.append(Segment(kind, value, round(x, 2), round(max(width, 1.0), 2)))
            x += width
        bars.append(Bar(text, sum(values), TOP + ROW * index, segments))
    described = "; ".join(
        f"{text}: "
        + ", ".join(f"{gettext(s.label)} {number(v)}" for s, v in zip(series, values, strict=True))
        for text, values in rows
    )
    return Chart(chart_id, gettext(title), described, series, bars, label_width)


WITH: Final = Series("with", N_("With an account"), GREEN)
WITHOUT: Final = Series("without", N_("Without an account"), GREY)
LEVEL2: Final = Series("level2", N_("Level 2"), GREEN)
LEVEL1: Final = Series("level1", N_("Level 1"), LIGHT_GREEN)
NONE: Final = Series("none", N_("No account"), GREY)
ON_TIME: Final = Series("on_time", N_("Within the time limit"), BLUE)
OVERDUE: Final = Series("overdue", N_("Overdue"), RED)
DECIDED: Final = Series("decided", N_("Decided"), DARK_GREY)


def charts(board: Dashboard) -> list[Chart]:
    """The dashboard's three charts: age bands, levels, applications."""
    bands = bar_chart(
        "chart-bands",
        N_("Residents by age band, with and without an account"),
        [WITH, WITHOUT],
        [
            (band_label(key), [board.bands[key].with_account, board.bands[key].without_account])
            for key, _, _ in BANDS
        ],
    )
    t = board.totals
    levels = bar_chart(
        "chart-levels",
        N_("Residents by account level"),
        [LEVEL2, LEVEL1, NONE],
        [
            (gettext("Level 2"), [t.level2, 0, 0]),
            (gettext("Level 1"), [0, t.level1, 0]),
            (gettext("No account"), [0, 0, t.without_account]),
        ],
    )
    apps = board.applications
    rows = []
    for status in STATUSES:
        count = apps.by_status.get(status, 0)
        late = apps.overdue_by_status.get(status, 0)
        values = [count - late, late, 0] if status in ACTIVE else [0, 0, count]
        rows.append((label("status", status), values))
    applications = bar_chart(
        "chart-applications",
        N_("Card applications by state"),
        [ON_TIME, OVERDUE, DECIDED],
        rows,
    )
    return [bands, levels, applications]
