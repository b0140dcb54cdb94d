"""A compact row of choices for forms: one line (wrapping if narrow), keyboard and mouse.

``( ) 1 struggling  (•) 2 low  ( ) 3 okay`` for one choice, ``[x] company  [ ] quiet`` for many.
Left/Right move, Space or Enter chooses, a digit chooses that option directly, and a click
chooses what was clicked. The marks are ASCII, so the choice never depends on colour.
Labels are the app's own words, never a member's.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget

GAP = "  "


class Choices(Widget, can_focus=True):
    DEFAULT_CSS = """
    Choices {
        height: auto;
        width: 1fr;
    }
    Choices:focus {
        background: $boost;
    }
    """

    BINDINGS = [
        Binding("left", "move(-1)", "Previous", show=False),
        Binding("right", "move(1)", "Next", show=False),
        Binding("space,enter", "choose", "Choose", show=False),
    ]

    class Changed(Message):
        def __init__(self, choices: Choices) -> None:
            super().__init__()
            self.choices = choices

        @property
        def control(self) -> Choices:
            return self.choices

    def __init__(
        self,
        options: list[tuple[str, str]],
        *,
        multiple: bool = False,
        selected: set[str] | str | None = None,
        numbered: bool = False,
        id: str | None = None,
    ) -> None:
        """``options`` are (value, label) pairs; ``selected`` is a value (or a set when multiple)."""
        super().__init__(id=id)
        self.options = list(options)
        self.multiple = multiple
        self.numbered = numbered
        if selected is None:
            self._selected: set[str] = set()
        elif isinstance(selected, str):
            self._selected = {selected}
        else:
            self._selected = set(selected)
        self.cursor = 0
        self._hits: list[tuple[int, int, int, int]] = []  # (row, x0, x1, index)

    # -- value
    @property
    def value(self) -> str | None:
        """The one chosen value (single choice), or None."""
        return next((v for v, _ in self.options if v in self._selected), None)

    @property
    def values(self) -> tuple[str, ...]:
        """Chosen values in the options' order."""
        return tuple(v for v, _ in self.options if v in self._selected)

    def select(self, value: str) -> None:
        if self.multiple:
            self._selected ^= {value}
        else:
            self._selected = {value}
        self.refresh(layout=True)
        self.post_message(self.Changed(self))

    # -- drawing
    def _piece(self, index: int) -> Text:
        value, label = self.options[index]
        chosen = value in self._selected
        unmarked, marked = ("[ ]", "[x]") if self.multiple else ("( )", "(•)")
        mark = marked if chosen else unmarked
        piece = Text(mark + " ", "bold" if chosen else "")
        piece.append(label, "bold" if chosen else "")
        if self.has_focus and index == self.cursor:
            piece.stylize("reverse")
        return piece

    def _lines(self, width: int) -> list[Text]:
        width = max(width, 8)
        lines: list[Text] = [Text()]
        self._hits = []
        for index in range(len(self.options)):
            piece = self._piece(index)
            line = lines[-1]
            need = piece.cell_len + (len(GAP) if line.cell_len else 0)
            if line.cell_len and line.cell_len + need > width:
                lines.append(Text())
                line = lines[-1]
            if line.cell_len:
                line.append(GAP)
            start = line.cell_len
            line.append_text(piece)
            self._hits.append((len(lines) - 1, start, line.cell_len, index))
        return lines

    def render(self) -> Text:
        return Text("\n").join(self._lines(self.content_region.width or self.size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    # -- input
    def action_move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.options)
        self.refresh()

    def action_choose(self) -> None:
        self.select(self.options[self.cursor][0])

    def on_key(self, event: events.Key) -> None:
        if self.numbered and event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.options):
                event.stop()
                event.prevent_default()
                self.cursor = index
                self.select(self.options[index][0])

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for row, x0, x1, index in self._hits:
            if row == offset.y and x0 <= offset.x < x1:
                self.cursor = index
                self.select(self.options[index][0])
                return

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
