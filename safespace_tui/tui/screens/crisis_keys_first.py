"""Screens whose footer shows the crisis keys first.

Textual's footer lists keys in the order the focused widget's binding chain first
meets them, and drops what does not fit: on a phone-width terminal (50 columns
or fewer) the SOS key fell off the end. A member in crisis must find it on any
screen, so the quick exit, SOS and the crisis lines come first, the rest in Textual's order.
"""

from __future__ import annotations

from textual.binding import ActiveBinding
from textual.screen import Screen

from ...commands import BY_NAME

FIRST = ("ctrl+x", *(key.key for name in ("sos", "crisis") for key in BY_NAME[name].keys))


class CrisisKeysFirst(Screen):
    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        bindings = super().active_bindings
        first = {key: bindings[key] for key in FIRST if key in bindings}
        return {**first, **{key: value for key, value in bindings.items() if key not in first}}
