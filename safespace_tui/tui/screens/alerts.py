"""The senior members' monitoring pane: alerts, most urgent first, and what to do about each.

A senior can keep this open (F3 toggles it). It asks for its list (``AlertsWanted``) and the
session hands it a fresh one from the store, the truth, whenever an alert changes. Every action
is a request to the session (``TakeAlert``, ``HandOverWanted``, ``ResolveAlert``, ``ReopenAlert``,
``ReadPlan``, ``OpenCrisisThread``).

Order: escalated, waiting, taken, then closed in the last day (services/crisis.py
``most_urgent_first``). When the most urgent alert changes, the selection moves to it: a key
pressed for the row that was selected must not land on the wrong member (issue 9: ``a r Enter``
took and closed bob's alert while a newer one had appeared above it). Closing and opening a plan
each ask first, and closing needs a short note.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ... import crisis_words as words
from ...services.crisis import AlertView
from ..messages import (
    AlertsWanted,
    HandOverWanted,
    OpenCrisisThread,
    ReadPlan,
    ReopenAlert,
    ResolveAlert,
    TakeAlert,
)
from ..presence_style import STATUS_STYLE
from ..widgets.key_bar import KeyBar
from .crisis import (
    SOURCE_WORDS,
    CloseChoice,
    Confirm,
    NoteScreen,
    age,
    close_screen,
    confirm_screen,
    local_time,
    option_number,
    who,
)
from .crisis_keys_first import CrisisKeysFirst


class AlertsScreen(CrisisKeysFirst):
    AUTO_FOCUS = "#alert-list"
    KEY_LINE_FIRST = ("a", "t", "r")  # on a phone these show before the others (widgets/key_bar.py)
    BINDINGS = [
        Binding("a", "acknowledge", "I'm with you"),
        Binding("h", "hand_over", "Hand on"),
        Binding("p", "plan", "Safety plan"),
        Binding("t", "thread", "#911"),
        Binding("r", "resolve", "Close…"),
        Binding("o", "reopen", "Reopen"),
        Binding("escape,f3", "close", "Back"),
    ]

    def __init__(self, timezone: str = "UTC", *, select: int | None = None) -> None:
        """``select``: an alert to show selected first (chosen in the docked pane, tui/watch.py)."""
        super().__init__()
        self.timezone = timezone
        self._wanted = select
        self.alerts: list[AlertView] = []
        self._online: set[int] = set()  # members (of these alerts) online now
        self._selected_id: int | None = None
        self._top: tuple[int, int] | None = None  # the most urgent alert last shown: (id, urgency)

    def compose(self) -> ComposeResult:
        with Vertical(id="alerts-body"):
            yield Static(Text("Alerts (most urgent first)", "bold"), id="alerts-title", markup=False)
            yield OptionList(id="alert-list")
            yield Static("", id="alert-detail", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.post_message(AlertsWanted())
        self.set_interval(20, self._redraw_ages)

    # -- data (handed down by the session)
    def show_alerts(self, alerts: list[AlertView], online: set[int], held: int = 0) -> None:
        """The alerts, most urgent first, which of their members are online now, and how many
        this senior holds (in the title: responder care starts with knowing your load).

        The selection follows the most urgent alert whenever that changes; otherwise it stays.
        """
        self.alerts = alerts
        title = Text("Alerts (most urgent first)", "bold")
        title.append(f"  {words.holding(held)}", "bold" if held else "dim")  # fits 48 columns
        self.query_one("#alerts-title", Static).update(title)
        self._online = online
        listing = self.query_one("#alert-list", OptionList)
        listing.clear_options()
        listing.add_options([Option(self._label(a), id=str(a.id)) for a in alerts])
        top = (alerts[0].id, alerts[0].urgency) if alerts else None
        if top != self._top:
            self._selected_id = None  # something more urgent came first: select it
        self._top = top
        if self._wanted is not None:  # once: the alert the senior chose before this pane opened
            self._selected_id, self._wanted = self._wanted, None
        if alerts:
            ids = [a.id for a in alerts]
            index = ids.index(self._selected_id) if self._selected_id in ids else 0
            listing.highlighted = index
            self._selected_id = ids[index]
        else:
            self._selected_id = None
        self._show_detail()

    def _label(self, alert: AlertView) -> Text:
        label = Text()
        if not alert.is_open:
            label.append("· ", "dim")
        elif alert.is_acknowledged:
            label.append("✓ ", "green")
        else:
            label.append("⚠ ", "bold red")
        label.append(local_time(alert.created_at, self.timezone) + " ")
        label.append(f"{age(alert.created_at):<14}", "dim")
        label.append(who(alert), "bold" if alert.is_open else "dim")
        label.append("  " + SOURCE_WORDS.get(alert.source, alert.source))
        if not alert.is_open:
            closed = "withdrawn by them" if alert.withdrawn else f"closed by {alert.resolved_by_name}"
            label.append(f"  · {closed}", "dim")
        elif alert.is_acknowledged:
            label.append(f"  · {alert.acknowledged_by_name} is with them")
        else:
            label.append("  · WAITING", "bold")
            if alert.escalations:
                label.append(f" ({alert.escalations}× again)", "bold")
        return label

    def _redraw_ages(self) -> None:
        listing = self.query_one("#alert-list", OptionList)
        for index, alert in enumerate(self.alerts):
            listing.replace_option_prompt_at_index(index, self._label(alert))
        self._show_detail()

    @property
    def selected(self) -> AlertView | None:
        for alert in self.alerts:
            if alert.id == self._selected_id:
                return alert
        return None

    @on(OptionList.OptionHighlighted, "#alert-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._selected_id = option_number(event.option)
        self._show_detail()

    @on(OptionList.OptionSelected, "#alert-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self._selected_id = option_number(event.option)
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#alert-detail", Static)
        alert = self.selected
        if alert is None:
            detail.update(Text("No open alerts right now. This pane updates by itself; F3 or Esc goes back.", "dim"))
            return
        text = Text()
        text.append(who(alert), "bold")
        online = alert.member_id in self._online
        text.append("  online" if online else "  not online now", "" if online else "dim")
        text.append("\n")
        symbol, colour, words = STATUS_STYLE.get(alert.member_status, STATUS_STYLE["available"])
        text.append("Status: ")
        text.append(symbol + " " + words, colour)
        spoons = "not set today" if alert.member_spoons is None else str(alert.member_spoons)
        text.append(f"   Spoons: {spoons}\n")
        source = SOURCE_WORDS.get(alert.source, alert.source)
        text.append(f"Raised {local_time(alert.created_at, self.timezone)} ({age(alert.created_at)}) from {source}")
        text.append(
            f"; {alert.seniors_notified} senior member(s) were online\n"
            if alert.seniors_notified != 1
            else "; 1 senior member was online\n"
        )
        if alert.note:
            text.append("Note: ")
            text.append(alert.note, "italic")
            text.append("\n")
        if alert.message_excerpt:
            text.append("Message in #911: ")
            text.append(alert.message_excerpt, "italic")
            text.append("\n")
        if alert.escalations:
            text.append(f"Alerted again {alert.escalations}× because nobody answered in time.\n", "bold")
        if alert.resolved_at is not None:
            closed = "They took it back themselves" if alert.withdrawn else f"Closed by {alert.resolved_by_name}"
            text.append(f"{closed} at {local_time(alert.resolved_at, self.timezone)}. o opens it again.\n")
            if alert.resolution_note:
                text.append("Note: ")
                text.append(alert.resolution_note, "italic")
                text.append("\n")
        elif alert.acknowledged_at is not None:  # alert.is_acknowledged, spelled so the type checker sees a datetime
            since = local_time(alert.acknowledged_at, self.timezone)
            text.append(f"✓ {alert.acknowledged_by_name} is with them (since {since}). h hands it on.\n")
        else:
            text.append("Nobody has taken this yet. Press a to say “I'm with you”.\n", "bold")
        text.append(
            "Safety plan: " + ("shared; p opens it (your read is recorded)" if alert.has_plan else "none shared") + "\n"
        )
        detail.update(text)

    # -- actions
    def action_acknowledge(self) -> None:
        alert = self.selected
        if alert is not None and alert.is_open:
            self.post_message(TakeAlert(alert.id))

    def action_hand_over(self) -> None:
        alert = self.selected
        if alert is not None and alert.is_open:
            self.post_message(HandOverWanted(alert.id))

    def action_reopen(self) -> None:
        alert = self.selected
        if alert is not None and not alert.is_open:
            self.post_message(ReopenAlert(alert.id))

    def action_plan(self) -> None:
        """Ask first: a plan is private, and a read is recorded."""
        alert = self.selected
        if alert is None:
            return

        def answered(choice: Confirm | None) -> None:
            if choice is Confirm.YES:
                self.post_message(ReadPlan(alert.member_id, alert.id, alert.member_name))

        self.app.push_screen(
            confirm_screen(
                words.PLAN_TITLE.format(member=alert.member_name),
                words.PLAN_BODY.format(member=alert.member_name),
                "Open the plan",
            ),
            callback=answered,
        )

    def action_thread(self) -> None:
        self.post_message(OpenCrisisThread())

    def action_resolve(self) -> None:
        """Ask first, with a short note chosen or written: closing tells the member."""
        alert = self.selected
        if alert is None or not alert.is_open:
            return

        def written(note: str | None) -> None:
            if note is not None and note.strip():
                self.post_message(ResolveAlert(alert.id, note))

        def chosen(choice: CloseChoice | None) -> None:
            if choice is CloseChoice.OWN_NOTE:
                self.app.push_screen(
                    NoteScreen(
                        words.CLOSE_TITLE.format(member=alert.member_name),
                        "A private note for senior members (what happened, what's next). The member does not see it.",
                        "e.g. talked in #911, they're safe tonight, check in tomorrow",
                    ),
                    callback=written,
                )
            elif choice is not None and choice.note:
                self.post_message(ResolveAlert(alert.id, choice.note))

        self.app.push_screen(close_screen(alert.member_name), callback=chosen)

    def action_close(self) -> None:
        self.app.pop_screen()
