"""The current channel's messages, drawn with Textual's line API.

Only the lines on screen are drawn, wrapped lines are cached per width, and a
new message appends a few strips: this is what keeps fan-out to many sessions
cheap. Message bodies are plain ``Text``, never markup.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from ...services.cheers import Counts
from ...services.spoons import zone
from ...services.views import MessageView
from ...text import isolate_rtl
from ..messages import MessageActed, OlderWanted
from ..textual_fixes import hand_repaint_to_screen, repaint_at_once, update_scrollbars
from .cheer_line import cheer_text
from .kept_lines import KeptLines
from .message_selection import MessageAction, MessageSelection

_GUTTER = 6
_DIM = Style(dim=True)
_SELECTED = Style(reverse=True)
# (message, cheers, ascii, width, time zone, folded line or "") -> its lines; oldest first out. Sessions keep
# their own references, so this only decides how long an unshown message stays ready for the next session.
_SHARED_LINES: dict[tuple[MessageView, Counts, bool, int, str, str], tuple[Strip, ...]] = {}
_SHARED_LINES_MAX = 1000
# A session open for days kept every message that arrived, and its lines, forever (issue 15). The
# log keeps the newest MAX_MESSAGES that arrived live; the oldest go, and scrolling up loads them
# again a page at a time as for any history. Trimmed TRIM_EVERY at a time, so the lines are
# re-laid out once per batch, not once per message. bench/long_session.py, one session open through
# 20,000 messages: +123.6 MiB RSS and 20,200 messages held unbounded; bounded +10.1 MiB (the first
# 1,000 fill it; 5,000 -> 20,000 adds 2.4 MiB) and 1,010 held, Python blocks flat (~407,000).
MAX_MESSAGES = 1000
TRIM_EVERY = 100
NEW_SINCE = "new since you were last here"
# what remains of a message taken back (issue 11), by who took it: its author, or leadership
REMOVED_LINES = {"author": "(message deleted)", "leadership": "(hidden by leadership)"}
_MARKED = Style(reverse=True)


@lru_cache(maxsize=64)
def _blank(width: int, style: Style) -> Strip:
    """The line below the last message: one object per look, so sessions share its finished line."""
    return Strip.blank(width, style)


def _local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%H:%M")


class MessageLog(KeptLines, can_focus=True):
    """Scrollback for one channel; asks for older history when scrolled to the top.

    Focused, it is in message-selection mode (``message_selection.py``): one message highlighted,
    Up/Down move, an action key acts on it (``MessageActed``), Esc goes back (``Done``).
    """

    BINDINGS = [
        Binding("up", "select(-1)", "Previous message", show=False),
        Binding("down", "select(1)", "Next message", show=False),
        Binding("escape", "done", "Back to writing", show=False),
    ]
    share_finished_lines = True  # its content lines are the shared ``_SHARED_LINES``

    class Selecting(Message):
        """Selection mode began (``hint`` says its keys) or ended (``hint`` empty)."""

        def __init__(self, hint: str) -> None:
            super().__init__()
            self.hint = hint

    class Done(Message):
        """Esc in selection mode: the screen gives the keys back to the message box."""

    # Lines are wrapped to the width, so never scroll sideways; keep the scrollbar's column
    # reserved so the width (and the wrapping) does not change when the scrollbar appears.
    DEFAULT_CSS = """
    MessageLog {
        overflow-x: hidden;
        scrollbar-gutter: stable;
    }
    """

    class NewBelow(Message):
        """How many messages arrived below while the member was scrolled up (0: at the bottom)."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(
        self, *, timezone: str = "UTC", actions: tuple[MessageAction, ...] = (), id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.selection = MessageSelection(actions)
        self._cheers: dict[int, Counts] = {}
        self._selected: range | None = None  # None: not worked out since the last change
        self.ascii_cheers = False
        self._new_from: int | None = None  # first message after the member's last visit
        self._marked: int | None = None  # a message jumped to (a search result)
        self._new_below = 0
        self._pinned = True  # at the bottom: a resize keeps it there
        self._messages: list[MessageView] = []
        self._lines: list[Strip] = []
        self._line_counts: list[int] = []  # lines of each of _messages, to drop the oldest
        self._width = 0
        self._zone = zone(timezone)
        self.has_older = False
        self._loading_older = False
        # message id -> the folded line this reader sees instead (a CW, their trigger filter, a
        # mute), decided per reader in services/boundaries.py; opened one at a time (unfold_newest)
        self._folds: dict[int, str] = {}

    # -- content
    def set_messages(
        self,
        messages: list[MessageView],
        *,
        has_older: bool,
        new_after: int | None = None,
        at: int | None = None,
        folds: dict[int, str] | None = None,
    ) -> None:
        """Show ``messages``; the "new since you were last here" line goes after ``new_after``
        (when something newer is shown), and ``at`` is marked and scrolled to. ``folds``: message
        id -> the folded line this reader sees instead (services/boundaries.py)."""
        self._messages = list(messages)
        self._folds = dict(folds or {})
        self.has_older = has_older
        self._loading_older = False
        # Only for someone who was here before: on a first visit everything is new.
        self._new_from = next((m.id for m in messages if new_after and m.id > new_after), None)
        self._marked = at
        self._relayout()
        self._set_new_below(0)
        line = self._first_line_of(at) if at is not None else None
        if line is None:
            self.scroll_end(animate=False, immediate=True, force=True)
        else:
            self.scroll_to(y=max(line - 2, 0), animate=False, immediate=True, force=True)

    def _first_line_of(self, message_id: int) -> int | None:
        if len(self._line_counts) != len(self._messages):
            return None
        line = 0
        for message, count in zip(self._messages, self._line_counts, strict=True):
            if message.id == message_id:
                return line
            line += count
        return None

    def _set_new_below(self, count: int) -> None:
        if count != self._new_below:
            self._new_below = count
            self.post_message(self.NewBelow(count))

    @property
    def new_below(self) -> int:
        return self._new_below

    def append(self, message: MessageView, fold: str | None = None) -> None:
        if self._messages and message.id <= self._messages[-1].id:
            self._insert_late(message, fold)
            return
        if fold:
            self._folds[message.id] = fold
        at_bottom = self.scroll_y >= self.max_scroll_y - 1
        self._messages.append(message)
        if self._width:
            self._lines_changed(len(self._lines))  # those were blank
            lines = self._lines_of(message)
            self._lines.extend(lines)
            self._line_counts.append(len(lines))
            if at_bottom and len(self._messages) <= MAX_MESSAGES + TRIM_EVERY and self._grow_at_bottom():
                return
            self._update_virtual_size()
        if len(self._messages) > MAX_MESSAGES + TRIM_EVERY:
            self._drop_oldest(len(self._messages) - MAX_MESSAGES, at_bottom=at_bottom)
        if at_bottom:
            self._follow_to_bottom()
        elif self._width:
            self._set_new_below(self._new_below + 1)
        self.refresh()
        hand_repaint_to_screen(self)  # every receiver of every message: no trips through the queues

    def _grow_at_bottom(self) -> bool:
        """A message arriving while the member reads the newest, as nearly every one does in every
        receiving session: the log grows and stays at the bottom. Done with Textual's public
        ``set_reactive`` and one repaint of the log and its scrollbar, which is all that changes;
        going through the reactives ran their validators, watchers and a refresh for each of four
        values, and a trip through the log's and the scrollbar's queues (11 % of the server's busy
        CPU in a fan-out to 200, py-spy). False, having changed nothing, when it is not that case:
        the scrollbar appears or changes its window, the width changed, a scroll is animated.
        What the reactives' watchers would do is done here: the scrollbar's thumb and the
        "new below" count (``watch_scroll_y``); the view at the bottom never asks for older history.
        """
        size = Size(self._width, len(self._lines))
        container = self.container_size.height - self.scrollbar_size_horizontal
        bar = self.vertical_scrollbar if self.show_vertical_scrollbar else None
        if (
            bar is None
            or self.show_horizontal_scrollbar
            or size.width != self.virtual_size.width
            or size.height <= container
            or bar.window_size != container
            or self.app.animator.is_being_animated(self, "scroll_y")
        ):
            return False
        self.set_reactive(MessageLog.virtual_size, size)
        bar.set_reactive(ScrollBar.window_virtual_size, size.height)
        bottom = self.max_scroll_y
        self.set_reactive(MessageLog.scroll_target_y, float(bottom))
        self.set_reactive(MessageLog.scroll_y, float(bottom))
        bar.set_reactive(ScrollBar.position, bar.validate_position(bottom))
        self._pinned = True
        self._set_new_below(0)
        repaint_at_once(self)
        return True

    def _follow_to_bottom(self) -> None:
        """Keep the newest line in view as a message arrives, in every receiving session.

        ``scroll_end`` also stops two animations and schedules a callback for after the next
        refresh: a message's round trip through the log's queue per receiver, for nothing here.
        Setting the offset is what it does otherwise; an animated scroll still goes through it.
        """
        if self.app.animator.is_being_animated(self, "scroll_y"):
            self.scroll_end(animate=False, immediate=True, force=True)
            return
        self.scroll_target_y = self.scroll_y = self.max_scroll_y

    def _insert_late(self, message: MessageView, fold: str | None) -> None:
        """A message saved before the newest one shown, arriving after it. The sender's own line
        is drawn the moment it is saved, ahead of the hub's copy of a message another member saved
        just before: that message used to be dropped as "already shown", and under load it never
        appeared on the sender's screen. Shown in its place; skipped if it is shown already, or
        if it is older than everything loaded (scrolling up loads it)."""
        ids = [shown.id for shown in self._messages]
        at = bisect_left(ids, message.id)
        if (at < len(ids) and ids[at] == message.id) or (at == 0 and self.has_older):
            return
        at_bottom = self.scroll_y >= self.max_scroll_y - 1
        self._messages.insert(at, message)
        if fold:
            self._folds[message.id] = fold
        self._relayout()
        if at_bottom:
            self.scroll_end(animate=False, immediate=True, force=True)

    def prepend(self, messages: list[MessageView], *, has_older: bool, folds: dict[int, str] | None = None) -> None:
        self.has_older = has_older
        self._loading_older = False
        if not messages:
            return
        self._folds.update(folds or {})
        new_lines: list[Strip] = []
        counts: list[int] = []
        for message in messages:
            lines = self._lines_of(message)
            new_lines.extend(lines)
            counts.append(len(lines))
        self._messages[:0] = messages
        self._lines[:0] = new_lines
        self._line_counts[:0] = counts
        self._lines_changed()
        self._update_virtual_size()
        self.scroll_to(y=self.scroll_y + len(new_lines), animate=False, immediate=True, force=True)
        self.refresh()

    def _drop_oldest(self, count: int, *, at_bottom: bool) -> None:
        """Forget the ``count`` oldest messages and their lines; the view stays where it was (at the
        bottom it follows the new message; moved by the lines dropped, it could reach the top and
        ask for the dropped page straight back)."""
        if len(self._line_counts) != len(self._messages):  # not laid out yet: no lines to drop
            del self._messages[:count]
            self.has_older = True
            return
        lines = sum(self._line_counts[:count])
        del self._messages[:count]
        del self._line_counts[:count]
        del self._lines[:lines]
        self.has_older = True
        self._lines_changed()
        self._update_virtual_size()
        if not at_bottom:
            self.scroll_to(y=max(self.scroll_y - lines, 0), animate=False, immediate=True, force=True)

    def replace(self, message: MessageView, fold: str | None = None) -> None:
        """An edited message (a check-in card): redraw it in place, if shown."""
        for index, shown in enumerate(self._messages):
            if shown.id == message.id:
                self._messages[index] = message
                if fold:
                    self._folds[message.id] = fold
                else:
                    self._folds.pop(message.id, None)
                self._relayout()
                return

    def remove_message(self, message_id: int) -> None:
        """A message this member may no longer see: take it off the screen."""
        kept = [m for m in self._messages if m.id != message_id]
        if len(kept) != len(self._messages):
            self._messages = kept
            self._relayout()

    @property
    def messages(self) -> list[MessageView]:
        return self._messages

    def unfold_newest(self) -> bool:
        """Open the newest folded message for this reader only; False when none is folded."""
        for message in reversed(self._messages):
            if self._folds.pop(message.id, None) is not None:
                self._relayout()
                return True
        return False

    # -- cheers
    def set_cheers(self, counts: dict[int, Counts], *, relayout: bool = False) -> None:
        """Counts for messages about to be shown (history) or shown (``relayout``)."""
        self._cheers.update(counts)
        if relayout:
            self._relayout_in_place()

    def cheers_changed(self, message_id: int, counts: Counts) -> None:
        """Someone cheered a message: redraw only its lines, if it is shown.

        Every session showing the channel does this for every cheer, so only the cheered message's
        lines are replaced (the lines before it stay painted), as a new message appends.
        bench/cheers.py, 20 receivers with full logs, a loaded 2-core machine: until the last screen
        p50 294 ms (whole log laid out again: 392 ms); server CPU about the same, 5.35 against
        5.60 ms per receiving session (the new line of cheers still changes the log's height).
        """
        self._cheers[message_id] = counts
        index = next((i for i, m in enumerate(self._messages) if m.id == message_id), None)
        if index is None:
            return
        if not self._width or len(self._line_counts) != len(self._messages):
            self._relayout_in_place()
            return
        at_bottom = self.scroll_y >= self.max_scroll_y - 1
        start = sum(self._line_counts[:index])
        lines = self._render_message(self._messages[index])
        self._lines[start : start + self._line_counts[index]] = lines
        self._line_counts[index] = len(lines)
        self._lines_changed(start)
        self._update_virtual_size()
        if at_bottom:
            self.scroll_end(animate=False, immediate=True, force=True)
        self.refresh()

    def _relayout_in_place(self) -> None:
        """Lay out again (a line of cheers came or went); a log at the bottom stays at the bottom,
        so a cheer on the newest message is not drawn out of sight."""
        at_bottom = self.scroll_y >= self.max_scroll_y - 1
        self._relayout()
        if at_bottom:
            self.scroll_end(animate=False, immediate=True, force=True)

    # -- message-selection mode
    def on_focus(self) -> None:
        self.selection.start(self._messages)
        self._show_selected()
        self.post_message(self.Selecting(self.selection.hint()))

    def on_blur(self) -> None:
        self._lines_changed()
        self.refresh()
        self.post_message(self.Selecting(""))

    def action_select(self, step: int) -> None:
        self.selection.move(self._messages, step)
        self._show_selected()

    def action_done(self) -> None:
        self.post_message(self.Done())

    def on_key(self, event: events.Key) -> None:
        action = self.selection.action_for(event.key)
        if action is not None and self.selection.message_id is not None:
            event.stop()
            event.prevent_default()
            self.post_message(MessageActed(self.selection.message_id, action.action))

    def _show_selected(self) -> None:
        lines = self.selection.lines(self._messages, self._line_counts)
        if lines is not None:
            self.scroll_to_region(Region(0, lines.start, 1, len(lines)), animate=False, immediate=True)
        self._lines_changed()
        self.refresh()

    def _selected_lines(self) -> range:
        """The lines to highlight: the selected message's, while focused (worked out once per change)."""
        if self._selected is None:
            found = self.selection.lines(self._messages, self._line_counts) if self.has_focus else None
            self._selected = found or range(0)
        return self._selected

    def set_timezone(self, timezone: str) -> None:
        """Show every time in ``timezone`` from now on (``/timezone`` changes it at once)."""
        if timezone != self._zone.key:
            self._zone = zone(timezone)
            self._relayout()

    # -- drawing
    def _render_message(self, message: MessageView) -> tuple[Strip, ...]:
        """The message's lines, drawn once for every session that shows it the same way.

        Fifty sessions viewing a channel draw each message identically (same width, same time
        zone), so the lines, and the strips Textual derives and caches from them, are shared:
        one rendering per message instead of one per session, and one copy in memory.
        """
        cheers = self._cheers.get(message.id, ())
        fold = self._folds.get(message.id, "")
        key = (message, cheers, self.ascii_cheers, self._width, self._zone.key, fold)
        lines = _SHARED_LINES.get(key)
        if lines is None:
            lines = _SHARED_LINES[key] = tuple(self._draw_message(message, fold))
            if len(_SHARED_LINES) > _SHARED_LINES_MAX:
                del _SHARED_LINES[next(iter(_SHARED_LINES))]
        return lines

    def _lines_of(self, message: MessageView) -> tuple[Strip, ...]:
        """The shared lines of ``message``, with this log's own marks: the line before the first
        message since the member's last visit, and a message jumped to shown reversed."""
        lines = self._render_message(message)
        if message.id == self._marked:
            lines = tuple(line.apply_style(_MARKED) for line in lines)
        if message.id == self._new_from:
            width = max(self._width - 1, 16)
            label = f" {NEW_SINCE} "
            side = max((width - len(label)) // 2, 1)
            divider = Text("─" * side + label + "─" * side, "bold", no_wrap=True, overflow="crop")
            divider.truncate(width)
            lines = (Strip(list(divider.render(self.app.console)), divider.cell_len), *lines)
        return lines

    def _draw_message(self, message: MessageView, fold: str = "") -> list[Strip]:
        """Time in a gutter, then name and body wrapped with a hanging indent.

        Folded for this reader: one dim line instead of the body (and no name for a muted member).
        """
        width = max(self._width - 1, 16)
        body_style = "italic" if message.kind in ("system", "away") else ""
        if fold:
            text = Text(fold, "dim italic", overflow="fold")
        elif message.removed:  # its words are gone from the store (deleted) or from sight (hidden)
            text = Text.assemble((isolate_rtl(message.author_name), "bold"), "  ", overflow="fold")
            text.append(REMOVED_LINES.get(message.removed, REMOVED_LINES["author"]), "dim italic")
        else:
            text = Text.assemble((isolate_rtl(message.author_name), "bold"), "  ", overflow="fold")
            if message.content_warning:
                text.append(f"(CW: {isolate_rtl(message.content_warning)}) ", "dim")
            text.append(isolate_rtl(message.body), body_style)
            if message.edited:
                text.append("  (edited)", "dim")
        if message.visibility != "group":
            private = "senior members only" if message.visibility == "seniors" else "only you"
            text.append(f"  ({private})", "dim")
        console = self.app.console
        options = console.options.update(width=width - _GUTTER, height=None, highlight=False, markup=False)
        lines = console.render_lines(text, options, pad=False)
        cheers = self._cheers.get(message.id)
        if cheers:
            lines += console.render_lines(cheer_text(cheers, ascii_only=self.ascii_cheers), options, pad=False)
        time_segment = Segment(_local_time(message.created_at, self._zone).ljust(_GUTTER), _DIM)
        blank_segment = Segment(" " * _GUTTER)
        return [Strip([time_segment if i == 0 else blank_segment, *line]) for i, line in enumerate(lines)]

    def _relayout(self) -> None:
        self._width = self.scrollable_content_region.width or self.size.width
        self._lines = []
        self._line_counts = []
        self._lines_changed()
        if self._width:
            for message in self._messages:
                lines = self._lines_of(message)
                self._lines.extend(lines)
                self._line_counts.append(len(lines))
        self._update_virtual_size()
        self.refresh()

    def _update_virtual_size(self) -> None:
        """Grow the scrollable height without a layout of the whole screen where possible.

        ``virtual_size`` is a layout reactive: setting it makes Textual lay out and repaint every
        widget on the screen, for every receiving session, for every message. The log's own box
        does not change when only its line count does, so then the scrollbars are updated in
        place and only the log is repainted. A new width, or the scrollbar appearing, still
        takes the full layout.
        """
        size = Size(self._width, len(self._lines))
        if size == self.virtual_size:
            return
        scrollbar_changes = (size.height > self.container_size.height) != self.show_vertical_scrollbar
        if size.width != self.virtual_size.width or scrollbar_changes:
            self.virtual_size = size
            return
        self.set_reactive(MessageLog.virtual_size, size)
        update_scrollbars(self, size)  # scrollbar thumb and scroll_y bounds; layout only if they change

    def on_resize(self) -> None:
        """A new size keeps the view at the bottom if it was there (the width or only the height)."""
        pinned = self._pinned
        if self.scrollable_content_region.width != self._width:
            self._relayout()
        if pinned:
            self.scroll_end(animate=False, immediate=True, force=True)
            self._pinned = True

    def _lines_changed(self, from_index: int = 0) -> None:
        """Finished lines from ``from_index`` on no longer match ``_lines`` (nor, perhaps, the selection)."""
        self._selected = None
        self._forget_lines(from_index)

    def _content_line(self, index: int, style: Style) -> Strip:
        """Line ``index`` of the log at the current width and sideways scroll, in ``style``."""
        scroll_x = self.scroll_offset.x
        width = self.scrollable_content_region.width
        if index >= len(self._lines):
            return _blank(width, style)
        line = self._lines[index].crop_extend(scroll_x, scroll_x + width, style).apply_style(style)
        return line.apply_style(_SELECTED) if index in self._selected_lines() else line

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._pinned = new_value >= self.max_scroll_y - 1
        if self._pinned:
            self._set_new_below(0)
        if new_value <= 0 and self.has_older and not self._loading_older and self._messages:
            self._loading_older = True
            self.post_message(OlderWanted(self._messages[0].id))
