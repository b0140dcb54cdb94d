"""The bottom line of keys: Textual's Footer drawn as one widget instead of one per key.

Textual's Footer makes a widget for every key (a dozen on the main screen) and
restyles all of them whenever the bindings change, in every session: about a
tenth of the server's work for a connect, and the memory of a dozen widgets per
member. This draws the same keys, with the Footer's colours, on one line; a
click runs the key under the pointer. SOS and the crisis lines come first on
every screen (screens/crisis_keys_first.py), so they are never cut off.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

from ..screens.crisis_keys_first import FIRST

_DIM = Style(dim=True)
NARROW = 72  # columns: a phone (the side panes are hidden too)
TWO_ROWS_FROM = 16  # rows: enough to give the keys a second line on a phone
# Labels a phone's key line uses instead (the help, F1, always has the full words).
SHORT = {
    "Quick exit": "Exit",
    "Crisis lines": "Crisis",
    "Next channel": "Next",
    "I'm with you": "With you",
    "Close…": "Close",
    "Safety plan": "Plan",
    "Check-in": "Check-in",
}
# After the crisis keys (screens/crisis_keys_first.py), help; then the screen's own main keys
# (its KEY_LINE_FIRST), then the rest in Textual's order.
HELP_KEY = "f1"


def ordered(keys: list[tuple[str, str, str, bool]], main: tuple[str, ...]) -> list[tuple[str, str, str, bool]]:
    """Crisis keys first (they come first already), then help, then the screen's main keys."""

    def rank(entry: tuple[str, str, str, bool]) -> int:
        first_key = entry[0].split(",")[0]
        if first_key in FIRST:
            return 0
        if first_key == HELP_KEY:
            return 1
        if first_key in main:
            return 2 + main.index(first_key)
        return 2 + len(main)

    return sorted(keys, key=rank)  # stable: the rest keep Textual's order


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._keys: list[tuple[str, str, str, bool]] = []  # key, shown as, description, enabled
        # row, start, end (cells), the key
        self._spans: list[tuple[int, int, int, tuple[str, str, str, bool]]] = []
        self._fitted: tuple | None = None  # (keys, width, height) the spans were laid out for

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self._fit()

    def _bindings_changed(self, screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        keys, actions = [], set()
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if binding.show and binding.action not in actions:  # one entry per action, as the Footer
                actions.add(binding.action)
                keys.append((binding.key, self.app.get_key_display(binding), binding.description, enabled))
        if keys != self._keys:
            self._keys = ordered(keys, getattr(screen, "KEY_LINE_FIRST", ()))
            self._fit()
            self.refresh()

    # -- laying out: whole keys only, the most needed first ------------------------------------------
    def _fit(self) -> None:
        """Lay the keys out for the screen's size; on a phone (under 72 columns) with short
        labels and, when there are 16 rows or more, on two lines, so SOS, the crisis lines, help
        and the screen's main keys all show at 48 columns (the alerts pane lost Close and #911).
        A key that does not fit whole is left off, never cut mid-word."""
        width, height = self.screen.size
        key = (tuple(self._keys), width, height)
        if key == self._fitted or not width:
            return
        self._fitted = key
        narrow = width < NARROW
        rows = 2 if narrow and height >= TWO_ROWS_FROM else 1
        self._spans = []
        row, x = 0, 0
        for entry in self._keys:
            _key, shown, description, _enabled = entry
            label = SHORT.get(description, description) if narrow else description
            size = len(f" {shown} ") + len(f"{label} ") if not narrow else len(shown) + len(f" {label} ")
            if x + size > width:
                if row + 1 < rows:
                    row, x = row + 1, 0
                if x + size > width:
                    continue  # left off whole; a shorter key after it may still fit
            self._spans.append((row, x, x + size, entry))
            x += size
        used = max((span[0] for span in self._spans), default=0) + 1
        if self.styles.height is None or self.styles.height.value != used:
            self.styles.height = used
            # Notices stand above the key line (Textual leaves one line), never over SOS.
            for rack in self.screen.query("#textual-toastrack"):
                rack.styles.margin = (0, 0, used, 0)

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        self._fit()
        narrow = self.screen.size.width < NARROW
        rows = [
            Text(no_wrap=True, overflow="crop", end="") for _ in range((self._spans[-1][0] + 1) if self._spans else 1)
        ]
        for row, _start, _end, (_key, shown, description, enabled) in self._spans:
            line = rows[row]
            keys = key_style if enabled else key_style + _DIM
            words = description_style if enabled else description_style + _DIM
            if narrow:
                line.append(shown, keys)
                line.append(f" {SHORT.get(description, description)} ", words)
            else:
                line.append(f" {shown} ", keys)
                line.append(f"{description} ", words)
        return Text("\n", end="").join(rows)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for row, start, end, (key, _shown, _description, enabled) in self._spans:
            if row == event.y and start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return

    @property
    def shown_descriptions(self) -> list[str]:
        """The keys' descriptions that fit on the line at its current width."""
        return [entry[2] for _row, _start, end, entry in self._spans if end <= self.size.width]
