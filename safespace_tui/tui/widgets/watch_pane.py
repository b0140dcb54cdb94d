"""The seniors' monitoring pane, docked beside the conversation (issue 14).

It shows what the session hands it (``show``: an ``Overview`` from services/wellbeing.py) and
posts what the senior asks for. It never takes the focus by itself: docking it leaves the
message box focused, so the senior goes on typing, and no key typed there reaches the pane.
Acting is a deliberate step: Tab (or a click) into the pane, choose a line, then a key: Enter
opens the alert or the member's latest check-in they may see, c the check-in, p the profile.
Esc goes back to the message box.

One OptionList, redrawn only when the overview changes (and every 20 s for the ages): the line
API, one widget, nothing in the fan-out path of an ordinary message.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...services.wellbeing import GoneQuiet, Overview, Struggling
from ..messages import ProfileWanted, SharedCheckInWanted, WatchAlertWanted
from ..screens.crisis import age

TITLE = "The group today"
HINT = "Tab here · Enter opens · c check-in · p profile · Esc back"


def summary_text(overview: Overview) -> Text:
    """The status bar's one line for senior members: "⚠ 1 waiting · 2 struggling"."""
    text = Text(no_wrap=True, overflow="ellipsis")
    waiting = overview.waiting
    if waiting:
        text.append(f"⚠ {waiting} waiting", "bold red")
    else:
        text.append("✓ none waiting", "green")
    text.append(f" · {len(overview.struggling)} struggling ")
    return text


def _since(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "not seen lately"
    return "last here " + age(moment, now)


def _header(words: str) -> Option:
    return Option(Text(words, "bold"), disabled=True)


class WatchPane(Vertical):
    """The group at a glance: alerts, who is struggling, who has gone quiet, seniors here."""

    BINDINGS = [
        Binding("c", "checkin", "Check-in", show=False),
        Binding("p", "profile", "Profile", show=False),
        Binding("escape", "leave", "Back", show=False),
    ]

    class Left(Message):
        """The senior is done here: the screen gives the message box its focus back."""

    def __init__(
        self, overview: Overview | None = None, *, timezone: str = "UTC", id: str | None = "watch-pane"
    ) -> None:
        super().__init__(id=id)
        self.timezone = timezone
        self.overview = overview

    def compose(self) -> ComposeResult:
        yield Static(Text(TITLE, "bold"), id="watch-title", markup=False)
        yield OptionList(id="watch-list")
        yield Static(Text(HINT, "dim"), id="watch-hint", markup=False)

    def on_mount(self) -> None:
        self._redraw()
        self.set_interval(20, self._redraw)

    def show(self, overview: Overview) -> None:
        """Draw ``overview``; the selected line stays selected if it is still there."""
        self.overview = overview
        self._redraw()

    def _redraw(self) -> None:
        if self.overview is None or not self.is_attached:
            return
        listing = self.query_one("#watch-list", OptionList)
        highlighted = listing.highlighted_option
        chosen = highlighted.id if highlighted is not None else None
        listing.clear_options()
        listing.add_options(self._lines(self.overview, datetime.now(UTC).replace(tzinfo=None)))
        if chosen is not None:
            ids = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
            if chosen in ids:
                listing.highlighted = ids.index(chosen)

    def _lines(self, overview: Overview, now: datetime) -> list[Option]:
        lines = [_header(f"Alerts · {overview.waiting} waiting")]
        for alert in overview.alerts:
            line = Text()
            if alert.is_acknowledged:
                line.append("✓ ", "green")
                line.append(alert.member_name, "bold")
                line.append(f" with {alert.acknowledged_by_name}")
            else:
                line.append("⚠ ", "bold red")
                line.append(alert.member_name, "bold")
                line.append(" WAITING", "bold red")
            line.append(f" · {age(alert.created_at, now)}", "dim")
            lines.append(Option(line, id=f"alert:{alert.id}"))
        if not overview.alerts:
            lines.append(Option(Text("  no open alerts", "dim"), disabled=True))
        lines.append(_header(f"Struggling today · {len(overview.struggling)}"))
        lines.extend(self._struggling(s) for s in overview.struggling)
        lines.append(_header(f"Gone quiet · {overview.quiet_days}+ days · {len(overview.quiet)}"))
        lines.extend(self._quiet(q, now) for q in overview.quiet)
        lines.append(_header("Senior members"))
        for senior in overview.seniors:
            line = Text("● " if senior.online else "○ ", "green" if senior.online else "dim")
            line.append(senior.name)
            line.append(" · online" if senior.online else " · not online", "" if senior.online else "dim")
            if senior.on_call:
                line.append(" · on call", "bold")
            lines.append(Option(line, disabled=True))
        if not overview.seniors:
            lines.append(Option(Text("  nobody online or on call", "dim"), disabled=True))
        return lines

    @staticmethod
    def _struggling(member: Struggling) -> Option:
        line = Text("◐ ", "yellow")
        line.append(member.name, "bold")
        line.append(" · " + ", ".join(member.reasons))
        return Option(line, id=f"struggling:{member.member_id}")

    @staticmethod
    def _quiet(member: GoneQuiet, now: datetime) -> Option:
        line = Text("… ", "dim")
        line.append(member.name, "bold")
        line.append(f" · {member.days} days · ")
        line.append("here now" if member.online else _since(member.last_seen, now), "dim")
        return Option(line, id=f"quiet:{member.member_id}")  # a member may be both: ids stay unique

    # -- acting: a deliberate step, only with the focus here ----------------------------------
    def _chosen(self) -> tuple[str, int] | None:
        option = self.query_one("#watch-list", OptionList).highlighted_option
        if option is None or option.id is None:
            return None
        kind, _, number = option.id.partition(":")
        return kind, int(number)

    @on(OptionList.OptionSelected, "#watch-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        kind, number = chosen
        self.post_message(WatchAlertWanted(number) if kind == "alert" else SharedCheckInWanted(number))

    def action_checkin(self) -> None:
        chosen = self._chosen()
        if chosen is not None and chosen[0] != "alert":
            self.post_message(SharedCheckInWanted(chosen[1]))

    def action_profile(self) -> None:
        chosen = self._chosen()
        if chosen is not None and chosen[0] != "alert":
            self.post_message(ProfileWanted(chosen[1]))

    def action_leave(self) -> None:
        self.post_message(self.Left())
