"""Who is here: "Here now" and "Not here" (words, not only colour), each member with the
status they chose (symbol and colour) and, when they set them today, their spoons (number and bar).

Drawn with Textual's line API: each line is rendered once and cached by what it shows, and a
presence change redraws only the lines that changed. Every session redraws this list whenever
anyone connects or leaves, so it is on the hot path (bench/sessions.py: ~14 ms per session per
change as a Static); changes heard in the same moment are drawn together (REDRAW_EVERY), and
each session draws them at a moment of its own (SPREAD).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from random import random
from time import monotonic

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.strip import Strip

from ...services.spoons import local_day, utc_clock
from ...services.views import MemberView
from ..messages import ProfileWanted
from ..presence_style import legend_lines, member_line, note_line
from ..textual_fixes import update_scrollbars
from .kept_lines import KeptLines

_TITLE_STYLE = Style(dim=True, italic=True)


_CURSOR_STYLE = Style(reverse=True)

# Presence and member changes are drawn at most this often (seconds): every session repaints its
# list for every change anywhere, so 10 arrivals in a second cost each of 200 sessions 10 repaints
# (~6.6 ms each: one connect with 200 others took ~1.0 s of server CPU). Drawn together, they cost
# one or two; a lone change after a quiet spell is still drawn at once.
REDRAW_EVERY = 0.5
# ... and not every session at the same moment: all of them hear a change at once, and drawing it
# in all of them in one go held up everyone's typing (bench/departures.py, 10 of 50 leaving one a
# second: keystroke p99 54 ms calm, 790 ms while they left). Each draws at a moment of its own
# within SPREAD seconds, so a keystroke waits behind a few repaints, not behind all of them.
SPREAD = 0.3
# ... and with many online, both grow: a round of repaints costs ~2.5 ms per session, so with 200
# online one change was 0.5 s of the one loop within SPREAD, and ten departures a second apart
# stalled everyone's typing for seconds (bench/departures.py at 200: keystroke p99 81 ms calm,
# 3,572 ms while 10 left). Spread over SPREAD_PER_MEMBER x online (4 s with 200), it was 167 ms.
SPREAD_PER_MEMBER = 0.02

# A line shows the same to every session (a member's row at a width), so it is drawn once for all
# of them: with 200 connected, one change was drawn 200 times and every session kept its own copy
# of every line (a Strip and its segments per member per session).
_SHARED_LINES: dict[tuple, tuple[Strip, str]] = {}
_SHARED_LINES_MAX = 4000


def redraw_wait(since_drawn: float, online: int, chance: float) -> float:
    """Seconds until a change is drawn: after REDRAW_EVERY since the last redraw, at a moment of
    this session's own within the spread (``chance``: 0 to 1); both grow with the members online."""
    spread = max(SPREAD, SPREAD_PER_MEMBER * online)
    every = max(REDRAW_EVERY, spread)
    return max(every - since_drawn, 0.0) + chance * spread


@lru_cache(maxsize=64)
def legend_count(width: int) -> int:
    """How many lines the legend takes at ``width``: asked at every redraw, which every session does
    whenever anyone comes, goes or changes (building the legend each time was 2.2% of the server's
    CPU while 50 members connected, bench/profile: 3,044 calls)."""
    return len(legend_lines(width))


class MemberList(KeptLines, can_focus=True):
    """Focused, Up/Down move a highlight and Enter opens that member's profile; a click opens it too."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("enter", "open", "Profile", show=False),
    ]

    def __init__(self, *, spoons_max: int, id: str | None = None) -> None:
        super().__init__(id=id)
        self._members: dict[int, MemberView] = {}
        self._online: set[int] = set()
        self._spoons_max = spoons_max
        self._lines: list[Strip] = []
        self._texts: list[str] = []
        self._order: list[int] | None = None  # member ids by name, until a name changes
        self._width = 0  # the width the lines were drawn to fit
        self._row_ids: list[int | None] = []  # the member on each line (None: a title)
        self._cursor = 0  # a line index, on a member, while focused
        self._view_width: int | None = None  # while render_lines runs
        self._redraw_due = False  # a change waits to be drawn with the others (REDRAW_EVERY)
        self._drawn_at = float("-inf")  # monotonic time of the last redraw for a change

    @property
    def spoons_max(self) -> int:
        return self._spoons_max

    def set_members(self, members: list[MemberView], online: set[int]) -> None:
        self._members = {m.id: m for m in members}
        self._order = None
        self._online = set(online)
        self._redraw()

    def update_member(self, member: MemberView) -> None:
        before = self._members.get(member.id)
        if before is None or before.display_name != member.display_name:
            self._order = None  # sorted again at the next redraw, not at every one
        self._members[member.id] = member
        self._changed()

    def remove_member(self, member_id: int) -> None:
        if self._members.pop(member_id, None) is not None:
            self._order = None
        self._changed()

    def set_online(self, member_id: int, online: bool) -> None:
        (self._online.add if online else self._online.discard)(member_id)
        self._changed()

    def _changed(self) -> None:
        """Someone came, left or changed: known at once (``member``, ``is_online``), drawn with the
        other changes of the same moment: within SPREAD seconds after a quiet spell, else
        REDRAW_EVERY after the last redraw (and within SPREAD of that); both longer when many
        are online (SPREAD_PER_MEMBER: 4 s with 200 online)."""
        if self._redraw_due:
            return
        self._redraw_due = True
        wait = redraw_wait(monotonic() - self._drawn_at, len(self._online), random())
        self.set_timer(wait, self._draw_changes, name="member-list")

    def _draw_changes(self) -> None:
        if not self._redraw_due:
            return
        self._redraw_due = False
        self._drawn_at = monotonic()
        self._redraw()

    def is_online(self, member_id: int) -> bool:
        return member_id in self._online

    @property
    def members(self) -> list[MemberView]:
        return list(self._members.values())

    def member(self, member_id: int) -> MemberView | None:
        return self._members.get(member_id)

    def plain_lines(self) -> list[str]:
        """The lines as plain text (what a screen reader or a test reads)."""
        return list(self._texts)

    def described(self, width: int = 60) -> list[str]:
        """The list as plain lines of ``width`` (``/here``: the pane is hidden on narrow screens)."""
        lines: list[str] = []
        for row in self._rows(width):
            text = self._row_text(row).plain.rstrip()
            lines.append("\n" + text if row[0] == "title" and lines else text)
            if row[0] == "legend" and row[1] == legend_count(width) - 1:
                lines.append("")
        return lines

    def on_resize(self) -> None:
        self._redraw()

    # -- drawing
    def _rows(self, width: int) -> list[tuple]:
        """What each line shows, as a hashable key: the cache key and the thing compared."""
        spoons_max = self.spoons_max
        now = utc_clock()  # once per redraw, not per member (125,000 clock reads while 50 connected)
        days: dict[str, date] = {}  # each time zone's day, once per redraw, not once per member
        if self._order is None:
            by_name = sorted(self._members.values(), key=lambda m: m.display_name.lower())
            self._order = [m.id for m in by_name]
        every = self._members
        by_name = [every[member_id] for member_id in self._order]
        rows: list[tuple] = [("legend", i, width) for i in range(legend_count(width))]
        for title, online in (("Here now", True), ("Not here", False)):
            members = [m for m in by_name if (m.id in self._online) is online]
            if not members:
                continue
            rows.append(("title", title, width))
            for m in members:
                spoons = None  # as spoons_today: only a number set on the member's own today
                if m.spoons_day is not None:
                    day = days.get(m.timezone)
                    if day is None:
                        day = days[m.timezone] = local_day(m.timezone, now)
                    if m.spoons_day == day:
                        spoons = max(0, min(m.spoons, spoons_max))
                rows.append(("member", m.id, m.display_name, m.role, m.status, online, spoons, spoons_max, width))
                if m.status_note:  # "taking a bath, back later": for the group to see, as it was meant
                    rows.append(("note", m.status_note, width))
        return rows

    def _strip(self, row: tuple) -> tuple[Strip, str]:
        cached = _SHARED_LINES.get(row)
        if cached is None:
            width = row[-1]
            text = self._row_text(row)
            segments = list(text.render(self.app.console))
            strip = Strip([s for s in segments if s.text != "\n"]).adjust_cell_length(width)
            cached = _SHARED_LINES[row] = (strip, text.plain)
            if len(_SHARED_LINES) > _SHARED_LINES_MAX:  # forget the oldest line
                del _SHARED_LINES[next(iter(_SHARED_LINES))]
        return cached

    def _row_text(self, row: tuple) -> Text:
        if row[0] == "title":
            return Text.assemble((row[1], _TITLE_STYLE))
        if row[0] == "legend":
            return legend_lines(row[-1])[row[1]]
        if row[0] == "note":
            return note_line(row[1], row[-1])
        return member_line(self._members[row[1]], row[5], row[6], row[7], row[-1])

    def _redraw(self) -> None:
        width = self.scrollable_content_region.width or self.size.width or 18
        rows = self._rows(width)
        lines, texts = [], []
        for row in rows:
            strip, plain = self._strip(row)
            lines.append(strip)
            texts.append(plain)
        old = self._lines
        self._lines, self._texts = lines, texts
        self._row_ids = [row[1] if row[0] == "member" else None for row in rows]
        self._width = width
        if len(old) != len(lines):
            self._new_line_count(old, lines)
            return
        self._refresh_changed_rows(old, lines)

    def _refresh_changed_rows(self, old: list[Strip], lines: list[Strip]) -> None:
        """Repaint the changed lines in view, each run of them with one refresh.

        A member coming or going moves every line between their old and new place ("Here now"
        and "Not here"), and each line was refreshed on its own, in view or not: with 100 others
        connected, 72 refreshes per redraw in every session, half the cost of an arrival
        (bench/profile_presence.py).
        """
        changed_lines = {i for i, (a, b) in enumerate(zip(old, lines, strict=True)) if a is not b}
        self._forget_lines(indices=list(changed_lines))
        top, height, width = self.scroll_offset.y, self.size.height, self.size.width
        run_start = None
        for y in range(height + 1):
            changed = y < height and top + y in changed_lines
            if changed and run_start is None:
                run_start = y
            elif not changed and run_start is not None:
                self.refresh(Region(0, run_start, width, y - run_start))
                run_start = None

    def _new_line_count(self, old: list[Strip], lines: list[Strip]) -> None:
        """Lines came or went ("Not here" appears with the first to leave): what is above the
        first changed line stays as it is. Every session repainted its whole pane when the first
        member left or the last one came (in-process, 50 sessions: 54 x 27 lines)."""
        first = next(
            (y for y, (a, b) in enumerate(zip(old, lines, strict=False)) if a is not b), min(len(old), len(lines))
        )
        self._forget_lines(first)
        scrolled = self.scroll_offset.y
        self._update_virtual_size(Size(self._width, len(lines)))
        self.call_after_refresh(self._fit_width)
        if self.scroll_offset.y != scrolled:  # the view moved: every line in it changed
            self.refresh()
            return
        top = max(first - scrolled, 0)
        if top < self.size.height:
            self.refresh(Region(0, top, self.size.width, self.size.height - top))

    def _fit_width(self) -> None:
        """A scrollbar that came (or went) with the new line count changes the width the lines
        must fit: they are drawn again now. They were drawn 2 cells too wide (a spoons bar cut)
        until the next change anywhere, which then laid out the whole screen in every session
        (the legend wraps to more lines at the narrower width)."""
        width = self.scrollable_content_region.width
        if width and width != self._width:
            self._redraw()

    def _update_virtual_size(self, size: Size) -> None:
        """A new line count without a layout of the whole screen where the box stays the same
        (as MessageLog does): the first member to leave made every session lay out its screen."""
        scrollbar_changes = (size.height > self.container_size.height) != self.show_vertical_scrollbar
        if size.width != self.virtual_size.width or scrollbar_changes:
            self.virtual_size = size
            return
        self.set_reactive(MemberList.virtual_size, size)
        update_scrollbars(self, size)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The kept lines (``KeptLines``), with the view's width read once for those it draws
        anew: reading it per line was two thirds of a line's cost (bench/profile_presence.py)."""
        self._view_width = self.scrollable_content_region.width
        try:
            return super().render_lines(crop)
        finally:
            self._view_width = None

    def _kept_key(self) -> tuple:
        return (self.has_focus, self._cursor)  # the highlighted line, while focused

    def _content_line(self, index: int, style: Style) -> Strip:
        width = self._view_width if self._view_width is not None else self.scrollable_content_region.width
        if index >= len(self._lines):
            return Strip.blank(width, style)
        strip = self._lines[index].crop_extend(0, width, style).apply_style(style)
        if self.has_focus and index == self._cursor:
            strip = strip.apply_style(_CURSOR_STYLE)
        return strip

    # -- choosing a member (their profile) --------------------------------------------------------
    def _member_lines(self) -> list[int]:
        return [i for i, member_id in enumerate(self._row_ids) if member_id is not None]

    def on_focus(self) -> None:
        lines = self._member_lines()
        if lines and self._cursor not in lines:
            self._cursor = lines[0]
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_cursor(self, step: int) -> None:
        lines = self._member_lines()
        if not lines:
            return
        position = lines.index(self._cursor) if self._cursor in lines else 0
        self._cursor = lines[max(0, min(len(lines) - 1, position + step))]
        self.scroll_to_region(Region(0, self._cursor, 1, 1), animate=False, immediate=True)
        self.refresh()

    def action_open(self) -> None:
        if 0 <= self._cursor < len(self._row_ids) and (member_id := self._row_ids[self._cursor]) is not None:
            self.post_message(ProfileWanted(member_id))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self._row_ids) and (member_id := self._row_ids[index]) is not None:
            self._cursor = index
            self.post_message(ProfileWanted(member_id))
