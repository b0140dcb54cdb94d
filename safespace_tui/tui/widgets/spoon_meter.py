"""The spoon meter: today's spoons out of the group's maximum, always in view.

Drawn as ``Spoons [######------] 6/12 [-] [+]``: the bar reads the same with no colour
at all (# is a spoon you have, - one you have used), and colour only adds to it.
Clicking ``[-]`` or ``[+]`` asks to spend or regain one; the app decides what happens.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static

from ...services.checkins import spoon_bar
from ..messages import SpoonNudged

LABEL = "Spoons "
BUTTONS = " [-] [+]"


def level_colour(value: int, maximum: int) -> str:
    """Basic ANSI colours only; never red: running low is not an error."""
    if value * 2 >= maximum:
        return "green"
    if value * 4 >= maximum:
        return "yellow"
    return "magenta"


def meter_text(value: int, maximum: int, width: int | None = None, buttons: bool = True) -> Text:
    """The meter fitted to ``width`` cells (the bar shrinks before anything else does)."""
    count = f" {value}/{maximum}"
    fixed = len(LABEL) + 2 + len(count) + (len(BUTTONS) if buttons else 0)
    cells = min(maximum, 20) if width is None else max(4, min(maximum, 20, width - fixed))
    bar = spoon_bar(value, maximum, cells)
    filled = bar.count("#")
    text = Text(LABEL, "bold")
    text.append("[")
    text.append(bar[:filled], f"bold {level_colour(value, maximum)}")
    text.append(bar[filled:], "dim")
    text.append("]")
    text.append(count, "bold")
    if buttons:
        text.append(BUTTONS)
    return text


class SpoonMeter(Static):
    """Shows a member's spoons; ``SpoonNudged(-1|+1)`` bubbles up when [-] or [+] is clicked."""

    DEFAULT_CSS = """
    SpoonMeter {
        width: auto;
        height: 1;
        padding: 0 1;
    }
    """

    def __init__(self, value: int = 0, maximum: int = 12, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.value = value
        self.maximum = max(1, maximum)
        self._draw()

    def show(self, value: int, maximum: int | None = None) -> None:
        self.value = max(0, value)
        if maximum is not None:
            self.maximum = max(1, maximum)
        self._draw()

    @property
    def plain(self) -> str:
        return meter_text(self.value, self.maximum).plain

    def _draw(self) -> None:
        self.update(meter_text(self.value, self.maximum))

    def on_click(self, event: events.Click) -> None:
        x = event.x - 1  # padding
        end = len(meter_text(self.value, self.maximum).plain)
        if end - 7 <= x < end - 4:
            self.post_message(SpoonNudged(-1))
        elif end - 3 <= x < end:
            self.post_message(SpoonNudged(+1))
