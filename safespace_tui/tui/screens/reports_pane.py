"""The reports pane for leadership (issue 11): open reports, most recent first, and what to do.

Senior members and admins open it with F12 or ``/reports``. Select a report to read the message
in context (who reported it, why, their note); then a key: ``h`` hides the message, ``d`` leaves
it up, ``w`` warns its author, ``t`` gives them a timeout, ``p`` talks with them privately, and
``x`` (admins only) removes them from the group. Every key is a request (``ReportActed``) the
session answers (``tui/moderation.py``): it asks what it needs (a rule, how long, a confirmation)
and the services decide. The list is handed down fresh from the store whenever a report is made
or decided (the hub), so a new report appears in every open pane.

Everything a member wrote is shown as ``Text`` (never markup), already cleaned by the services.
"""

from __future__ import annotations

from enum import Enum

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...services.moderation import MAX_HOURS, RULE_WORDS, WORDS_MAX
from ...services.reports import ReportView
from ..messages import ReportActed
from ..widgets.key_bar import KeyBar
from .crisis import ChoiceScreen, age, local_time, option_number
from .crisis_keys_first import CrisisKeysFirst

EMPTY = "No report is waiting. This pane updates by itself; F12 or Esc goes back."


class ReportsScreen(CrisisKeysFirst):
    AUTO_FOCUS = "#report-list"
    KEY_LINE_FIRST = ("h", "d", "w", "t", "p")
    BINDINGS = [
        Binding("h", "act('hide')", "Hide"),
        Binding("d", "act('dismiss')", "Leave up"),
        Binding("w", "act('warn')", "Warn"),
        Binding("t", "act('timeout')", "Timeout"),
        Binding("p", "act('talk')", "Talk"),
        Binding("x", "act('remove')", "Remove…"),
        Binding("escape,f12", "close", "Back"),
    ]

    def __init__(self, timezone: str = "UTC", *, admin: bool = False) -> None:
        super().__init__()
        self.timezone = timezone
        self.admin = admin
        self.reports: list[ReportView] = []
        self._selected_id: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="reports-body"):
            yield Static(Text("Reports (most recent first)", "bold"), id="reports-title", markup=False)
            yield OptionList(id="report-list")
            yield Static("", id="report-detail", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.post_message(ReportActed(0, "refresh"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Remove is for admins only (the service checks too); no key acts without a report."""
        if action == "act":
            if parameters == ("remove",) and not self.admin:
                return False
            return self.selected is not None
        return True

    # -- data (handed down by the session)
    def show_reports(self, reports: list[ReportView]) -> None:
        """The open reports, most recent first; the selection stays on the report it was on."""
        self.reports = sorted(reports, key=lambda r: r.id, reverse=True)
        listing = self.query_one("#report-list", OptionList)
        listing.clear_options()
        listing.add_options([Option(self._label(r), id=str(r.id)) for r in self.reports])
        ids = [r.id for r in self.reports]
        if ids:
            index = ids.index(self._selected_id) if self._selected_id in ids else 0
            listing.highlighted = index
            self._selected_id = ids[index]
        else:
            self._selected_id = None
        self._show_detail()
        self.refresh_bindings()

    def _label(self, report: ReportView) -> Text:
        label = Text()
        label.append(local_time(report.created_at, self.timezone) + " ")
        label.append(f"{age(report.created_at):<14}", "dim")
        label.append(report.message.author_name, "bold")
        label.append(f" in #{report.channel_name}: {report.reason}")
        return label

    @property
    def selected(self) -> ReportView | None:
        return next((r for r in self.reports if r.id == self._selected_id), None)

    @on(OptionList.OptionHighlighted, "#report-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._selected_id = option_number(event.option)
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#report-detail", Static)
        report = self.selected
        if report is None:
            detail.update(Text(EMPTY, "dim"))
            return
        text = Text()
        text.append(f"Reported by {report.reporter_handle}: {report.reason}\n")
        if report.note:
            text.append("Their note: ")
            text.append(report.note, "italic")
            text.append("\n")
        text.append(f"In #{report.channel_name}:\n")
        for message in (*report.before, report.message, *report.after):
            reported = message.id == report.message.id
            text.append(" >> " if reported else "    ", "bold" if reported else "")
            text.append(message.author_name + ": ", "bold" if reported else "dim")
            words = message.body or "(message deleted)"
            text.append(words, "" if reported else "dim")
            if reported and message.removed == "leadership":
                text.append("  (hidden)", "dim")
            text.append("\n")
        detail.update(text)

    # -- actions: the session asks what it needs and does it
    def action_act(self, action: str) -> None:
        report = self.selected
        if report is not None:
            self.post_message(ReportActed(report.id, action))

    def action_close(self) -> None:
        self.app.pop_screen()


class Rule(Enum):
    """The charter rules a warning or timeout names (services/moderation.py RULES), and Esc."""

    RESPECT = "respect"
    CRISIS = "911"
    BOUNDARIES = "boundaries"
    MONEY = "money"
    CANCEL = "cancel"


def rule_screen(title: str) -> ChoiceScreen[Rule]:
    rules = [r for r in Rule if r is not Rule.CANCEL]
    return ChoiceScreen(
        title,
        "Which part of our charter? The member reads it word for word, kindly.",
        [(str(n), r, RULE_WORDS[r.value]) for n, r in enumerate(rules, start=1)],
        escape=Rule.CANCEL,
        dialog_id="moderation-rule",
    )


class Hours(Enum):
    """How long a timeout lasts (at most services/moderation.py MAX_HOURS), and Esc."""

    ONE = 1
    FOUR = 4
    DAY = 24
    THREE_DAYS = MAX_HOURS
    CANCEL = 0


def hours_screen(name: str) -> ChoiceScreen[Hours]:
    return ChoiceScreen(
        f"A timeout for {name}",
        "They can read but not post, cheer or edit until it ends; SOS, #911 and check-ins always work. "
        "It ends by itself. How long?",
        [
            ("1", Hours.ONE, "1 hour"),
            ("2", Hours.FOUR, "4 hours"),
            ("3", Hours.DAY, "24 hours"),
            ("4", Hours.THREE_DAYS, f"{MAX_HOURS} hours"),
        ],
        escape=Hours.CANCEL,
        dialog_id="timeout-hours",
    )


class WordsScreen(ModalScreen[str | None]):
    """Leadership's own words to the member, optional: Enter sends (empty is fine), Esc cancels."""

    AUTO_FOCUS = "#moderation-words-input"

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="moderation-words", classes="dialog"):
            yield Static(Text(self._title, "bold"), markup=False)
            yield Static(Text("Your own words to them, if you like (they read them after the charter's)."))
            yield Input(placeholder="a few kind words, or nothing", id="moderation-words-input", max_length=WORDS_MAX)
            yield Static(Text("Enter sends   ·   Esc cancels", "dim"), markup=False)

    @on(Input.Submitted, "#moderation-words-input")
    def _done(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
