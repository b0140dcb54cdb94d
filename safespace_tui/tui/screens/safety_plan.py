"""Safety plans on screen: a member's own plan to write (F4, /plan), and a read-only view
for senior members (every such read is recorded by the service before it reaches here).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Static, TextArea

from ...services.audit import AuditView
from ...services.safety_plans import QUESTIONS, SECTIONS, SafetyPlanView
from ..widgets.key_bar import KeyBar
from .crisis import ChoiceScreen, local_time
from .crisis_keys_first import CrisisKeysFirst

INTRO = (
    "Only you and senior members can read this. When a senior member reads it, that is "
    "recorded, and you can see who and when just below. "
    "Fill in as much or as little as helps; you can change it any time."
)


class PlanChoice(Enum):
    """Answers to the plan's two small questions (delete it? save before closing?)."""

    DELETE = "delete"
    KEEP = "keep"
    SAVE = "save"
    DISCARD = "discard"
    STAY = "stay"


class SafetyPlanScreen(CrisisKeysFirst):
    """The member's own plan. Ctrl+O saves (as in nano), Ctrl+R deletes, Esc closes."""

    BINDINGS = [
        Binding("ctrl+o", "save", "Save"),
        Binding("ctrl+r", "delete", "Delete plan"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(
        self,
        plan: SafetyPlanView | None,
        reads: list[AuditView],
        *,
        timezone: str,
        save: Callable[[dict[str, object]], Awaitable[SafetyPlanView | None]],
        delete: Callable[[], Awaitable[bool]],
    ) -> None:
        """Built with the plan already read, so nothing loads over what the member starts typing.

        ``save(values)`` and ``delete()`` are the session's: they tell the member how it went and
        answer with the saved plan (None if not saved) or whether it was deleted.
        """
        super().__init__()
        self._plan = plan
        self._reads = reads
        self._timezone = timezone
        self._save = save
        self._delete = delete
        self._saved: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="plan-form"):
            yield Static(Text("My safety plan", "bold"), markup=False)
            yield Static(Text(INTRO, "dim"), markup=False, classes="plan-intro")
            yield Static("", id="plan-reads", markup=False)
            for section in SECTIONS:
                yield Static(Text(section.title, "bold"), markup=False, classes="plan-title")
                yield Static(Text(section.hint, "dim"), markup=False, classes="plan-hint")
                yield TextArea(id=f"plan-{section.field}", classes="plan-field", soft_wrap=True, tab_behavior="focus")
            yield Static(Text("Two questions from our charter", "bold"), markup=False, classes="plan-title")
            for name, label in QUESTIONS:
                yield Checkbox(label, id=f"plan-{name}", classes="plan-question")
            yield Static("", id="plan-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self._fill(self._plan)
        self.query_one(f"#plan-{SECTIONS[0].field}", TextArea).focus()
        text = Text()
        if self._reads:
            text.append("Read by senior members:\n", "bold")
            for entry in self._reads:
                when = local_time(entry.created_at, self._timezone)
                text.append(f"  {entry.actor_handle}, {entry.created_at:%Y-%m-%d} {when}")
                text.append(f" (during alert #{entry.alert_id})\n" if entry.alert_id else "\n")
        else:
            text.append("No senior member has read your plan.", "dim")
        self.query_one("#plan-reads", Static).update(text)

    def _fill(self, plan: SafetyPlanView | None) -> None:
        for section in SECTIONS:
            self.query_one(f"#plan-{section.field}", TextArea).load_text(getattr(plan, section.field) if plan else "")
        for name, _label in QUESTIONS:
            self.query_one(f"#plan-{name}", Checkbox).value = bool(getattr(plan, name)) if plan else False
        status = self.query_one("#plan-status", Static)
        if plan is None:
            status.update(Text("You haven't saved a plan yet. Ctrl+O saves.", "dim"))
        else:
            status.update(Text(f"Last saved {plan.updated_at:%Y-%m-%d}. Ctrl+O saves changes.", "dim"))
        self._saved = self.values()

    def values(self) -> dict[str, object]:
        values: dict[str, object] = {s.field: self.query_one(f"#plan-{s.field}", TextArea).text for s in SECTIONS}
        values.update({name: self.query_one(f"#plan-{name}", Checkbox).value for name, _ in QUESTIONS})
        return values

    @property
    def dirty(self) -> bool:
        return self.values() != self._saved

    async def action_save(self) -> bool:
        plan = await self._save(self.values())
        if plan is None:
            return False
        self._fill(plan)
        return True

    def action_delete(self) -> None:
        async def chosen(choice: PlanChoice | None) -> None:
            if choice is PlanChoice.DELETE and await self._delete():
                self._fill(None)

        self.app.push_screen(
            ChoiceScreen(
                "Delete your safety plan?",
                "It will be gone for good. You can always write a new one.",
                [("1", PlanChoice.DELETE, "Yes, delete it"), ("2", PlanChoice.KEEP, "Keep it")],
                escape=PlanChoice.KEEP,
            ),
            callback=chosen,
        )

    def action_close(self) -> None:
        if not self.dirty:
            self.app.pop_screen()
            return

        async def chosen(choice: PlanChoice | None) -> None:
            if choice is PlanChoice.SAVE:
                if await self.action_save():
                    self.app.pop_screen()
            elif choice is PlanChoice.DISCARD:
                self.app.pop_screen()

        self.app.push_screen(
            ChoiceScreen(
                "Save your changes?",
                "You changed your plan since it was last saved.",
                [
                    ("1", PlanChoice.SAVE, "Save and close"),
                    ("2", PlanChoice.DISCARD, "Close without saving"),
                    ("3", PlanChoice.STAY, "Keep editing"),
                ],
                escape=PlanChoice.STAY,
            ),
            callback=chosen,
        )


def _answers(plan: SafetyPlanView) -> Text:
    """The charter's two questions: first responders, and the therapist after hours."""
    text = Text()
    for name, label in QUESTIONS:
        text.append(("Yes  " if getattr(plan, name) else "No   "), "bold")
        text.append(label + "\n")
    return text


def plan_text(plan: SafetyPlanView, *, audited: bool, timezone: str = "UTC", during_alert: bool = False) -> Text:
    """The plan as a senior member reads it; ``during_alert``: the two questions come first."""
    text = Text()
    text.append(f"Safety plan: {plan.member_name} (@{plan.member_handle})\n", "bold")
    text.append(f"Last updated {plan.updated_at:%Y-%m-%d} {local_time(plan.updated_at, timezone)}\n", "dim")
    if audited:
        text.append("Your reading of this plan is recorded, and the member can see that you read it.\n", "dim")
    if during_alert:
        text.append("\n")
        text.append_text(_answers(plan))
    for section, value in plan.sections():
        text.append("\n" + section.title + "\n", "bold")
        if value.strip():
            text.append(value + "\n")
        else:
            text.append("(not filled in)\n", "dim")
    if not during_alert:
        text.append("\n")
        text.append_text(_answers(plan))
    text.append("\nEsc closes this.", "dim")
    return text


class SafetyPlanViewScreen(ModalScreen[None]):
    """Read-only: what a senior member sees (the service recorded the read before returning it)."""

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(
        self, plan: SafetyPlanView, *, audited: bool, timezone: str = "UTC", during_alert: bool = False
    ) -> None:
        super().__init__()
        self.plan = plan
        self.audited = audited
        self.timezone = timezone
        self.during_alert = during_alert

    def compose(self) -> ComposeResult:
        text = plan_text(self.plan, audited=self.audited, timezone=self.timezone, during_alert=self.during_alert)
        with VerticalScroll(id="plan-view", classes="dialog", can_focus=True):
            yield Static(text, markup=False)

    def on_mount(self) -> None:
        self.query_one("#plan-view").focus()

    def action_close(self) -> None:
        self.dismiss()
