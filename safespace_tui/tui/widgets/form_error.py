"""A form's words about what to fix, where the member will see them.

At 48 columns a check-in without a mood "did nothing": its error was drawn below the screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def show_form_error(place: Static, words: str) -> None:
    """Show ``words`` (plain text, never markup) in ``place`` and scroll it into view once drawn."""
    place.update(Text(words))
    place.call_after_refresh(place.scroll_visible, animate=False)
