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

_DIM = Style(dim=True)


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
        self._spans: list[tuple[int, int, tuple[str, str, str, bool]]] = []  # start, end (cells), the key

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        keys, actions = [], set()
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if binding.show and binding.action not in actions:  # one entry per action, as the Footer
                actions.add(binding.action)
                keys.append((binding.key, self.app.get_key_display(binding), binding.description, enabled))
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for entry in self._keys:
            _key, shown, description, enabled = entry
            start = line.cell_len
            line.append(f" {shown} ", key_style if enabled else key_style + _DIM)
            line.append(f"{description} ", description_style if enabled else description_style + _DIM)
            self._spans.append((start, line.cell_len, entry))
        return line

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, (key, _shown, _description, enabled) in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return

    @property
    def shown_descriptions(self) -> list[str]:
        """The keys' descriptions that fit on the line at its current width."""
        return [entry[2] for _start, end, entry in self._spans if end <= self.size.width]
