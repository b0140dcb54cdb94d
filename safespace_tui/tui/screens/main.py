"""The main screen: channels, the conversation, who is here, and the message box.

A view: it draws what the session controller (``tui/session.py``) hands it and posts what
the member asks for (``tui/messages.py``). It loads nothing and subscribes to nothing.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.widgets import OptionList, Static

from ...commands import available_to
from ...services.cheers import CheersChanged, Counts
from ...services.spoons import zone
from ...services.views import ChannelView, MemberView, MessageView
from .. import textual_fixes
from ..messages import ChannelChosen, SwitcherWanted
from ..widgets.channel_list import ChannelList
from ..widgets.cheer_line import CHEER_ACTIONS, CHEER_ACTIONS_ASCII
from ..widgets.key_bar import KeyBar
from ..widgets.member_list import MemberList
from ..widgets.message_box import MessageBox
from ..widgets.message_log import MessageLog
from ..widgets.message_selection import WORDS_ACTIONS
from ..widgets.status_bar import StatusBar
from ..widgets.watch_pane import WatchPane
from .crisis_keys_first import CrisisKeysFirst


def zone_label(timezone: str) -> str:
    """``times: JST`` (the zone's short name now), or ``times: UTC-03`` where it has none."""
    name = datetime.now(zone(timezone)).strftime("%Z")
    return f"times: UTC{name}" if name[:1] in "+-" else f"times: {name}"


def command_names(member: MemberView) -> list[str]:
    return [command.name for command in available_to(member)]


class MainScreen(CrisisKeysFirst):
    # Below 72 columns (a phone) the side panes would leave the conversation a few characters
    # wide: they are hidden (app.tcss), and Ctrl+N, /join and F1 still reach every channel.
    KEY_LINE_FIRST = ("ctrl+k",)  # the channel switcher shows on a phone (widgets/key_bar.py)
    # Under 14 rows (30x10) the box is one line and the status bar goes: the conversation keeps
    # room for a few lines (/status and /spoons still say how you are).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (14, "-tall")]
    # From 120 columns (-wide) the seniors' monitoring pane may be docked in place of the
    # member list (tui/watch.py); narrower, a docked pane is hidden and F3 opens it full screen.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (72, "-normal"), (120, "-wide")]
    # The box has the focus from the first frame: set when the screen is first shown, in the same
    # step as its first paint. (``focus()`` in on_mount is a callback for later, and under load a
    # frame went out first: the channel list had the focus, took an Enter, and the words typed on
    # connecting stayed unsent in the box.)
    AUTO_FOCUS = "#message-box"
    BINDINGS = [
        Binding("ctrl+n", "step_channel(1)", "Next channel"),
        Binding("ctrl+b", "step_channel(-1)", "Prev channel", show=False),
        Binding("f10", "select_message", "Cheer", show=False),
        # The conversation scrolls from wherever the focus is (the box, usually): priority, or the
        # box's own PageUp would move its cursor instead.
        Binding("pageup", "scroll_log(-1)", "Scroll up", show=False, priority=True),
        Binding("pagedown", "scroll_log(1)", "Scroll down", show=False, priority=True),
        Binding("ctrl+end,ctrl+down", "jump_newest", "Newest", show=False, priority=True),
        # Ctrl+K, as in Slack and Discord: over the box's own Ctrl+K (delete to the end of the line),
        # here only; a form's fields keep theirs.
        Binding("ctrl+k", "switcher", "Channels", priority=True),
    ]

    def __init__(self, member: MemberView, *, spoons_max: int) -> None:
        super().__init__()
        self._member = member
        self._spoons_max = spoons_max
        self.current: ChannelView | None = None
        self._title_shown: tuple[ChannelView, int, int, str] | None = None
        self._shown_before = False  # on_screen_resume: the first showing needs no restyle
        # The conversation, kept: every message reaches every session (the fan-out path), and a
        # DOM query for it per message was ~0.5 ms per session (bench/profile_fanout.py).
        self._conversation: MessageLog | None = None  # made in compose

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="channels-pane"):
                yield Static("Channels", classes="pane-title", markup=False)
                yield ChannelList(id="channels")
            with Vertical(id="conversation"):
                yield Static("", id="channel-title", markup=False)
                self._conversation = MessageLog(
                    id="messages", timezone=self._member.timezone, actions=(*WORDS_ACTIONS, *CHEER_ACTIONS)
                )
                yield self._conversation
                yield Static("", id="new-below", markup=False)
                yield MessageBox(command_names=command_names(self._member), id="message-box")
            with Vertical(id="members-pane"):
                yield Static("Members", classes="pane-title", markup=False)
                yield MemberList(spoons_max=self._spoons_max, id="members")
        yield StatusBar(self._member, id="status-bar")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#new-below", Static).display = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """The first time the screen is shown, each of its widgets was styled as it was mounted,
        with its breakpoint classes already set (``fit_breakpoints``): Textual's restyle of the
        whole screen on showing it (it runs after this handler) would give the same styles again.
        Later showings (back from a dialog) restyle as Textual does."""
        if not self._shown_before:
            self._shown_before = True
            event.refresh_styles = False

    def fit_breakpoints(self, size: Size) -> None:
        """Take the breakpoint classes for ``size`` before the first frame, as Textual does at the
        screen's first resize: there, a class that changes restyles the whole screen once more.
        With this and ``on_screen_resume``, a connect applies the stylesheet to a node 57 times,
        not 131 (bench/profile_connect.py)."""
        for dimension, breakpoints in (
            (size.width, self.HORIZONTAL_BREAKPOINTS),
            (size.height, self.VERTICAL_BREAKPOINTS),
        ):
            reached = [(edge, name) for edge, name in breakpoints if dimension >= edge]
            chosen = max(reached)[1] if reached else None
            for _, name in breakpoints:
                self.set_class(name == chosen, name, update=False)

    # -- nothing typed is lost -------------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        """A character typed while the conversation, the channel list or the member list has the
        focus goes into the box (it used to be dropped without a sign)."""
        box = self.query_one(MessageBox)
        if box.has_focus or not event.is_printable or event.character is None:
            return
        if self.focused is not None and not isinstance(self.focused, (MessageLog, ChannelList, MemberList)):
            return  # a pane with letter keys of its own (the seniors' monitoring pane) keeps them
        event.stop()
        event.prevent_default()
        box.take_key(event.character)

    def on_paste(self, event: events.Paste) -> None:
        """A paste that landed elsewhere on the screen (6,000 characters vanished) goes to the box."""
        box = self.query_one(MessageBox)
        if box.has_focus:
            return
        event.stop()
        event.prevent_default()
        # Run by the box itself: a request it posts from here would count the screen as its sender
        # and stop bubbling at the screen, never reaching the session.
        box.call_later(box.take_paste, event.text)

    @property
    def draft(self) -> str:
        """What is in the box, unsent (Ctrl+Q asks before leaving it)."""
        boxes = self.query(MessageBox)
        return boxes.first().text if boxes else ""

    @property
    def conversation(self) -> MessageLog:
        """The message log, kept from compose: every message reaches every session, and a DOM
        query's first use in each session walked the screen (0.1-0.2 ms per receiver)."""
        return self._conversation if self._conversation is not None else self.query_one(MessageLog)

    @property
    def taken_down(self) -> bool:
        """Closing: off the app, or its widgets already being removed (as at exit)."""
        conversation = self._conversation
        return not self.is_attached or conversation is None or not conversation.is_attached

    # -- what the session tells it ------------------------------------------------------------
    @property
    def channels(self) -> list[ChannelView]:
        return self.query_one(ChannelList).channels

    def channel_name(self, channel_id: int) -> str:
        return next((c.name for c in self.channels if c.id == channel_id), "")

    def set_channels(self, channels: list[ChannelView]) -> None:
        listing = self.query_one(ChannelList)
        listing.set_channels(channels)
        if self.current is not None:  # a channel chosen while the list was loading stays chosen
            listing.set_current(self.current.id)

    def set_members(self, members: list[MemberView], online: set[int]) -> None:
        self.query_one(MemberList).set_members(members, online)
        self.query_one(MessageBox).handles = [m.handle for m in members]

    def set_online(self, member_id: int, online: bool) -> None:
        self.query_one(MemberList).set_online(member_id, online)

    def member_updated(self, member: MemberView) -> None:
        """Someone's row changed (or they were removed: they leave the list)."""
        members = self.query_one(MemberList)
        if member.removed:
            members.remove_member(member.id)
        else:
            members.update_member(member)
        self.query_one(MessageBox).handles = [m.handle for m in members.members]

    def member_changed(self, member: MemberView) -> None:
        """This session's own member changed: the status bar and the times shown follow."""
        self._member = member
        if self.is_attached:
            self.query_one(StatusBar).show(member)
            self.query_one(MessageBox).command_names = command_names(member)  # a new role: other commands
            self.conversation.set_timezone(member.timezone)
            self.set_unread_elsewhere()  # the title names the zone

    def who_is_here(self) -> list[str]:
        """The member list as plain lines, to fit inside a page's border and padding."""
        return self.query_one(MemberList).described(max(min(self.size.width - 14, 70), 20))

    def show_channel(self, channel: ChannelView) -> None:
        """Switch to ``channel`` now; its history follows with ``show_history``."""
        self.current = channel
        self.query_one(ChannelList).set_current(channel.id)
        self.set_unread_elsewhere()

    def show_history(
        self,
        channel: ChannelView,
        history: list[MessageView],
        *,
        has_older: bool,
        new_after: int | None = None,
        at: int | None = None,
        folds: dict[int, str] | None = None,
    ) -> bool:
        """Show ``history`` if ``channel`` is still the one shown; returns whether it was.
        ``new_after``: the last message read before, the "new since you were last here" line
        goes after it; ``at``: a message to show and mark (a search result); ``folds``: message
        id -> the folded line this reader sees instead (services/boundaries.py)."""
        if self.current is not channel or not self.is_attached:
            return False
        self.conversation.set_messages(history, has_older=has_older, new_after=new_after, at=at, folds=folds)
        return True

    def show_older(
        self,
        channel: ChannelView,
        older: list[MessageView],
        *,
        has_older: bool,
        folds: dict[int, str] | None = None,
    ) -> None:
        if self.current is channel and self.is_attached:
            self.conversation.prepend(older, has_older=has_older, folds=folds)

    def message_arrived(self, message: MessageView, *, mine: bool, fold: str | None = None) -> bool:
        """A new message: shown if its channel is open (returns True), else counted as unread."""
        if self.current is not None and message.channel_id == self.current.id:
            self.conversation.append(message, fold)
            return True
        if not mine:
            self.query_one(ChannelList).bump_unread(message.channel_id)
            self.set_unread_elsewhere()
        return False

    def message_edited(self, message: MessageView, *, visible: bool, fold: str | None = None) -> None:
        """Show the new words, or drop the message if its author narrowed who may see it."""
        if self.current is None or message.channel_id != self.current.id:
            return
        log_widget = self.conversation
        if visible:
            log_widget.replace(message, fold)
        else:
            log_widget.remove_message(message.id)

    def show_own_message(self, message: MessageView) -> None:
        """The sender sees their message as soon as it is saved; the hub's copy is then skipped.

        It is drawn at once: the log's repaint is handed to the screen now (what it would do
        when next idle) rather than after the work that every receiving session has queued on
        the loop by then (+240-300 ms with 50 receivers).
        """
        if self.current is not None and message.channel_id == self.current.id:
            log_widget = self.conversation
            log_widget.append(message)
            textual_fixes.repaint_now(log_widget)

    def unfold_newest(self) -> bool:
        """Open the newest message folded for this reader (Enter in an empty box, or /show)."""
        return self.is_attached and self.conversation.unfold_newest()

    # -- the seniors' monitoring pane, docked (tui/watch.py) ---------------------------------------
    @property
    def watch_pane(self) -> WatchPane | None:
        panes = self.query(WatchPane)
        return panes.first() if panes else None

    def dock_watch(self, pane: WatchPane) -> None:
        """Beside the conversation, in place of the member list; the focus stays where it is."""
        if self.watch_pane is None:
            self.query_one("#body").mount(pane, after="#conversation")
            self.add_class("-watching")

    def undock_watch(self) -> None:
        pane = self.watch_pane
        if pane is not None:
            if pane.has_focus_within:
                self.focus_box()
            pane.remove()
            self.remove_class("-watching")

    def show_watch_summary(self, summary: Text | None) -> None:
        """The status bar's one line for senior members; None hides it."""
        if self.is_attached:
            self.query_one(StatusBar).show_watch(summary)

    @on(WatchPane.Left)
    def _watch_left(self, event: WatchPane.Left) -> None:
        event.stop()
        self.focus_box()

    # -- cheers and choosing a message -----------------------------------------------------------
    def set_cheers(self, counts: dict[int, Counts], *, relayout: bool = False) -> None:
        if self.is_attached:
            self.conversation.set_cheers(counts, relayout=relayout)

    def cheers_changed(self, event: CheersChanged) -> None:
        if self.current is not None and event.channel_id == self.current.id and self.is_attached:
            self.conversation.cheers_changed(event.message_id, event.counts)

    def use_ascii_cheers(self, on: bool) -> None:
        """Cheers as ASCII ("<3 2") for a terminal without emoji, or as emoji again."""
        log_widget = self.conversation
        log_widget.ascii_cheers = on
        cheers = CHEER_ACTIONS_ASCII if on else CHEER_ACTIONS
        log_widget.selection.actions = {a.key: a for a in (*WORDS_ACTIONS, *cheers)}
        log_widget.set_cheers({}, relayout=True)

    def action_select_message(self) -> None:
        """F10 (or Shift+Tab from the box): choose a message with the keyboard."""
        self.conversation.focus()

    @on(MessageLog.Selecting)
    def _message_selecting(self, event: MessageLog.Selecting) -> None:
        """While a message is being chosen, the title line says which keys do what."""
        if event.hint:
            self.query_one("#channel-title", Static).update(Text(event.hint, "bold"))
            self._title_shown = None  # the hint stands there now: the title is drawn anew after it
        elif self.current is not None:
            self.show_channel(self.current)

    @on(MessageLog.Done)
    def _done_selecting(self) -> None:
        self.focus_box()

    # -- the message box ------------------------------------------------------------------------
    def focus_box(self) -> None:
        self.query_one(MessageBox).focus()

    def edit_in_box(self, message: MessageView) -> None:
        """Your own message's words into the box to be changed (Enter saves, Esc cancels)."""
        if self.is_attached:
            self.query_one(MessageBox).start_edit(message.id, message.body)

    def edit_done(self) -> None:
        if self.is_attached:
            self.query_one(MessageBox).finish_edit()

    def restore_draft(self, text: str) -> None:
        if self.is_attached:
            self.query_one(MessageBox).restore_draft(text)

    def clear_draft(self, text: str) -> None:
        """A draft given back earlier was sent after all (the care question): take it out again."""
        if self.is_attached:
            self.query_one(MessageBox).take_out(text)

    def new_below(self, count: int) -> None:
        """The log's count of messages that arrived while scrolled up: "↓ N new messages"."""
        line = self.query_one("#new-below", Static)
        if count:
            noun = "message" if count == 1 else "messages"
            line.update(f"↓ {count} new {noun}  (Ctrl+End)", layout=False)  # one line, whatever the count
        if line.display != bool(count):
            line.display = bool(count)

    def set_unread_elsewhere(self) -> None:
        """At phone width the channel list is hidden: the title says how many wait elsewhere.

        Redrawn only when what it says changes, and without a layout (its height is one line):
        a message in another channel reaches every session (the fan-out path)."""
        if self.current is None or not self.is_attached:
            return
        waiting = self.query_one(ChannelList).unread_elsewhere() if self.has_class("-narrow") else 0
        key = (self.current, waiting, self.query_one("#channel-title").size.width, self._member.timezone)
        if key == self._title_shown:
            return
        self._title_shown = key
        text = Text("#" + self.current.name, "bold")
        if waiting:
            room = self.size.width - 2 - text.cell_len
            hint = f" {waiting} unread: Ctrl+K"
            text.append(hint if len(hint) <= room else f" {waiting} unread", "reverse")
        # The times in the conversation are the member's own; the zone is named once, here, at the
        # right end of the line; the topic fills what is left between (cut with …).
        zone_text = Text(zone_label(self._member.timezone), "dim italic")
        title = self.query_one("#channel-title", Static)
        width = title.content_region.width or self.size.width - 2
        room = width - text.cell_len - 2 - zone_text.cell_len
        topic = self.current.topic
        if topic and room > 4:
            text.append("  ")
            text.append(topic if len(topic) <= room - 2 else topic[: room - 3] + "…", "dim")
        if room >= 0:
            text.append(" " * max(width - text.cell_len - zone_text.cell_len, 2))
            text.append_text(zone_text)
        title.update(text, layout=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self.set_unread_elsewhere)  # the -narrow class follows the width

    @on(MessageLog.NewBelow)
    def _new_below(self, event: MessageLog.NewBelow) -> None:
        self.new_below(event.count)

    # -- what the member asks for -------------------------------------------------------------
    def action_scroll_log(self, direction: int) -> None:
        log_widget = self.conversation
        if direction < 0:
            log_widget.scroll_page_up(animate=False)
        else:
            log_widget.scroll_page_down(animate=False)

    def action_switcher(self) -> None:
        self.post_message(SwitcherWanted())

    def action_jump_newest(self) -> None:
        self.conversation.scroll_end(animate=False, immediate=True, force=True)

    def on_message_box_empty_enter(self, event: MessageBox.EmptyEnter) -> None:
        """Enter with nothing to send opens the newest folded message, here, for this reader only."""
        event.stop()
        self.unfold_newest()

    @on(OptionList.OptionSelected, "#channels")
    def _channel_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(ChannelChosen(int(event.option.id)))
        self.focus_box()

    def action_step_channel(self, step: int) -> None:
        channels = self.channels
        if not channels or self.current is None:
            return
        ids = [c.id for c in channels]
        index = ids.index(self.current.id) if self.current.id in ids else 0
        self.post_message(ChannelChosen(channels[(index + step) % len(channels)].id))
