"""Choosing a status (from a click on your name, F2, or /status), and the gentle offer at 0 spoons."""

from __future__ import annotations

from enum import Enum

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from ...services.channels import LIVING_ROOM
from ..presence_style import STATUS_HINT, STATUS_ORDER, STATUS_STYLE


class MenuAction(Enum):
    """The menu's choices that are not a status."""

    STEP_AWAY = "step-away"
    BACK = "back"


class StatusMenu(ModalScreen[str | MenuAction | None]):
    """Dismisses with a status name, a ``MenuAction``, or None."""

    DEFAULT_CSS = """
    StatusMenu {
        align: center middle;
    }
    StatusMenu #status-dialog {
        width: 64;
        max-width: 95%;
        height: auto;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    StatusMenu #status-options {
        height: auto;
        border: none;
    }
    StatusMenu .dialog-title {
        text-style: bold;
    }
    StatusMenu .dialog-hint {
        color: $text-muted;
    }
    """

    AUTO_FOCUS = "#status-options"
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        for status in STATUS_ORDER:
            symbol, colour, words = STATUS_STYLE[status]
            label = Text()
            label.append(f"{symbol} ", f"bold {colour}")
            label.append(f"{words:<12}", "bold" if status == self.current else "")
            label.append(f"  {STATUS_HINT[status]}", "dim")
            if status == self.current:
                label.append("  (now)", "dim")
            options.append(Option(label, id=status))
        if self.current == "away":
            options.append(Option(Text(f"↩ I'm back: say so in #{LIVING_ROOM}"), id=MenuAction.BACK.value))
        options.append(Option(Text("… Step away for a while, or leave the group"), id=MenuAction.STEP_AWAY.value))
        with Vertical(id="status-dialog"):
            yield Static("How are you right now?", classes="dialog-title", markup=False)
            yield OptionList(*options, id="status-options")
            yield Static("Enter chooses · Esc closes", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in STATUS_ORDER:
            options.highlighted = STATUS_ORDER.index(self.current)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id or ""
        actions = {action.value: action for action in MenuAction}
        self.dismiss(actions.get(chosen, chosen))

    def action_close(self) -> None:
        self.dismiss(None)


class RechargeOffer(ModalScreen):
    """Offered (never forced) when spoons reach 0. Dismisses with True to switch to recharging."""

    DEFAULT_CSS = """
    RechargeOffer {
        align: center middle;
    }
    RechargeOffer #offer-dialog {
        width: 60;
        max-width: 95%;
        height: auto;
        border: round $primary;
        background: $surface;
        padding: 1 2;
    }
    RechargeOffer #offer-buttons {
        height: auto;
        margin-top: 1;
    }
    RechargeOffer Button {
        margin-right: 2;
    }
    """

    AUTO_FOCUS = "#recharge"
    BINDINGS = [Binding("escape", "not_now", "Not now")]

    def compose(self) -> ComposeResult:
        with Vertical(id="offer-dialog"):
            yield Static(
                "That's all your spoons for today. Would you like to switch to recharging? "
                "It keeps things quiet for you: no bells, no pop-ups. You can change it back any time.",
                markup=False,
            )
            with Horizontal(id="offer-buttons"):
                yield Button("☾ Recharge", id="recharge", variant="primary", compact=True)
                yield Button("Not now", id="not-now", compact=True)

    @on(Button.Pressed, "#recharge")
    def _recharge(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#not-now")
    def _not_now(self) -> None:
        self.dismiss(False)

    def action_not_now(self) -> None:
        self.dismiss(False)
