"""My days: spoons and mood over the last weeks, and a month of moods as a grid.

Only ever the member's own days. Every value is also written as a number or a
symbol, so nothing depends on colour: bars have numbers under them, and each day
in the grid shows its mood digit (· where there was no check-in).
"""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable
from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from ...services.checkins import MOODS, Reflection
from ...services.spoons import DayRecord
from ..widgets.key_bar import KeyBar
from .checkin import reflection_words
from .crisis_keys_first import CrisisKeysFirst

BLOCKS = " ▁▂▃▄▅▆▇█"
COLUMN = 3  # cells per day: a two-cell bar and a space
LABEL = 8
MOOD_STYLE = {
    1: "bold white on magenta",
    2: "bold white on blue",
    3: "bold black on cyan",
    4: "bold black on green",
    5: "bold black on bright_green",
}


def _bar_rows(values: list[int | None], maximum: int, rows: int) -> list[str]:
    """Rows of block characters (top first), one two-cell column per value."""
    lines = []
    for row in range(rows - 1, -1, -1):
        line = ""
        for value in values:
            if value is None:
                line += " " * COLUMN
                continue
            eighths = round(max(0, min(value, maximum)) * rows * 8 / maximum)
            fill = max(0, min(eighths - row * 8, 8))
            line += BLOCKS[fill] * 2 + " "
        lines.append(line)
    return lines


def day_chart(days: list[DayRecord], spoons_max: int, width: int) -> Text:
    """Spoons (3 rows) and mood (2 rows) per day, numbers underneath, weekdays at the bottom."""
    count = max(7, min(len(days), (max(width, 40) - LABEL) // COLUMN))
    days = days[-count:]
    spoons = [d.spoons for d in days]
    moods = [d.mood for d in days]
    text = Text()

    def labelled(label: str, body: str | Text, style: str = "") -> None:
        text.append(f"{label:<{LABEL}}", "bold")
        text.append_text(body if isinstance(body, Text) else Text(body, style))
        text.append("\n")

    for index, line in enumerate(_bar_rows(spoons, spoons_max, 3)):
        labelled("Spoons" if index == 0 else "", line, "green")
    labelled("", "".join(("·" if v is None else str(v)).rjust(2) + " " for v in spoons))
    for index, line in enumerate(_bar_rows(moods, 5, 2)):
        labelled("Mood" if index == 0 else "", line, "cyan")
    digits = Text()
    for mood in moods:
        if mood is None:
            digits.append(" · ")
        else:
            digits.append(f" {mood}", MOOD_STYLE[mood])
            digits.append(" ")
    labelled("", digits)
    weekdays = "".join(f" {'MTWTFSS'[d.day.weekday()]} " for d in days)
    labelled("", weekdays, "dim")
    text.append(f"{'':<{LABEL}}", "")
    text.append(f"{days[0].day:%d %b} to {days[-1].day:%d %b}; · means nothing was logged", "dim")
    return text


def month_grid(year: int, month: int, moods: dict[date, int], today: date) -> Text:
    """A calendar month; each day shows its number and mood digit, coloured by mood."""
    text = Text()
    text.append(f"{calendar.month_name[month]} {year}\n", "bold")
    text.append("".join(f"{name:<5}" for name in ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")) + "\n", "dim")
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        for day in week:
            if day.month != month:
                text.append("     ")
                continue
            mood = moods.get(day)
            cell = f"{day.day:>2} {mood if mood else '·'}"
            style = MOOD_STYLE[mood] if mood else ("dim" if day > today else "")
            if day == today:
                style += " underline"
            text.append(cell, style)
            text.append(" ")
        text.append("\n")
    for mood, word in MOODS.items():
        text.append(f" {mood} ", MOOD_STYLE[mood])
        text.append(f" {word}  ")
    return text


class DayChart(Widget):
    DEFAULT_CSS = """
    DayChart {
        height: auto;
    }
    """

    def __init__(self, days: list[DayRecord], spoons_max: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.days = days
        self.spoons_max = spoons_max

    def render(self) -> Text:
        return day_chart(self.days, self.spoons_max, self.content_region.width or self.size.width)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(day_chart(self.days, self.spoons_max, width).plain.splitlines())


class HistoryScreen(CrisisKeysFirst):
    """Left/Right (or [ and ]) move between months; Esc closes."""

    DEFAULT_CSS = """
    HistoryScreen #history {
        padding: 0 1;
    }
    HistoryScreen #history-title {
        text-style: bold;
    }
    HistoryScreen #history-reflection {
        color: $text-muted;
        height: auto;
        margin-bottom: 1;
    }
    HistoryScreen #month {
        margin-top: 1;
        height: auto;
    }
    """

    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("left,left_square_bracket", "month(-1)", "Earlier month"),
        Binding("right,right_square_bracket", "month(1)", "Later month"),
    ]

    def __init__(
        self,
        *,
        days: list[DayRecord],
        moods: dict[date, int],
        today: date,
        spoons_max: int,
        reflection: Reflection | None = None,
        moods_of: Callable[[date, date], Awaitable[dict[date, int]]],
    ) -> None:
        """``moods_of(first, last)`` is the session's: the member's moods for another month."""
        super().__init__()
        self._moods_of = moods_of
        self.days = days
        self.moods = dict(moods)
        self.today = today
        self.spoons_max = spoons_max
        self.reflection = reflection
        self.year, self.month = today.year, today.month

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="history"):
            yield Static("My days: only you can see this", id="history-title", markup=False)
            words = reflection_words(self.reflection) or "Every check-in you make shows up here."
            yield Static(words, id="history-reflection", markup=False)
            yield DayChart(self.days, self.spoons_max, id="chart")
            yield Static(month_grid(self.year, self.month, self.moods, self.today), id="month", markup=False)
        yield KeyBar()

    async def action_month(self, step: int) -> None:
        year, month = self.year, self.month + step
        if month == 0:
            year, month = year - 1, 12
        elif month == 13:
            year, month = year + 1, 1
        if (year, month) > (self.today.year, self.today.month):
            return
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        self.moods.update(await self._moods_of(first, last))
        self.year, self.month = year, month
        self.query_one("#month", Static).update(month_grid(year, month, self.moods, self.today))

    def action_close(self) -> None:
        self.dismiss(None)
