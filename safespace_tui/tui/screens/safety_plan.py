"""Safety plans on screen: a member's own plan to write (F4, /plan), and a read-only view
for senior members (every such read is recorded by the service before it reaches here).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Static, TextArea

from ...services.audit import AuditView
from ...services.errors import TOLD_ERRORS
from ...services.safety_plans import QUESTIONS, SECTIONS, SafetyPlanView
from ..widgets.key_bar import KeyBar
from .crisis import ChoiceScreen, local_time
from .crisis_keys_first import CrisisKeysFirst

INTRO = (
    "Only you and senior members can read this. When a senior member reads it, that is "
    "recorded, and you can see who and when just below. "
    "Fill in as much or as little as helps; you can change it any time."
)


class SafetyPlanScreen(CrisisKeysFirst):
    """The member's own plan. Ctrl+O saves (as in nano), Ctrl+R deletes, Esc closes."""

    BINDINGS = [
        Binding("ctrl+o", "save", "Save"),
        Binding("ctrl+r", "delete", "Delete plan"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, plan: SafetyPlanView | None, reads: list[AuditView]) -> None:
        """Built with the plan already read, so nothing loads over what the member starts typing."""
        super().__init__()
        self._plan = plan
        self._reads = reads
        self._saved: dict[str, object] = {}

    @property
    def services(self):
        return self.app.services

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
                when = local_time(entry.created_at, self.app.member.timezone)
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
        try:
            plan = await self.services.safety_plans.save_own(self.app.member, **self.values())
        except TOLD_ERRORS as error:
            self.app.tell(error.message, severity="warning")
            return False
        self._fill(plan)
        self.app.tell("Your safety plan is saved.")
        return True

    def action_delete(self) -> None:
        async def chosen(choice: str | None) -> None:
            if choice != "delete":
                return
            await self.services.safety_plans.delete_own(self.app.member)
            self._fill(None)
            self.app.tell("Your safety plan is deleted.")

        self.app.push_screen(
            ChoiceScreen(
                "Delete your safety plan?",
                "It will be gone for good. You can always write a new one.",
                [("1", "delete", "Yes, delete it"), ("2", "keep", "Keep it")],
                escape="keep",
            ),
            callback=chosen,
        )

    def action_close(self) -> None:
        if not self.dirty:
            self.app.pop_screen()
            return

        async def chosen(choice: str | None) -> None:
            if choice == "save":
                if await self.action_save():
                    self.app.pop_screen()
            elif choice == "discard":
                self.app.pop_screen()

        self.app.push_screen(
            ChoiceScreen(
                "Save your changes?",
                "You changed your plan since it was last saved.",
                [("1", "save", "Save and close"), ("2", "discard", "Close without saving"), ("3", "stay", "Keep editing")],
                escape="stay",
            ),
            callback=chosen,
        )


def plan_text(plan: SafetyPlanView, *, audited: bool, timezone: str = "UTC") -> Text:
    text = Text()
    text.append(f"Safety plan: {plan.member_name} (@{plan.member_handle})\n", "bold")
    text.append(f"Last updated {plan.updated_at:%Y-%m-%d} {local_time(plan.updated_at, timezone)}\n", "dim")
    if audited:
        text.append("Your reading of this plan is recorded, and the member can see that you read it.\n", "dim")
    for section, value in plan.sections():
        text.append("\n" + section.title + "\n", "bold")
        if value.strip():
            text.append(value + "\n")
        else:
            text.append("(not filled in)\n", "dim")
    text.append("\n")
    for name, label in QUESTIONS:
        text.append(("Yes  " if getattr(plan, name) else "No   "), "bold")
        text.append(label + "\n")
    text.append("\nEsc closes this.", "dim")
    return text


class SafetyPlanViewScreen(ModalScreen[None]):
    """Read-only: what a senior member sees (the service recorded the read before returning it)."""

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, plan: SafetyPlanView, *, audited: bool, timezone: str = "UTC") -> None:
        super().__init__()
        self.plan = plan
        self.audited = audited
        self.timezone = timezone

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="plan-view", classes="dialog", can_focus=True):
            yield Static(plan_text(self.plan, audited=self.audited, timezone=self.timezone), markup=False)

    def on_mount(self) -> None:
        self.query_one("#plan-view").focus()

    def action_close(self) -> None:
        self.dismiss()
