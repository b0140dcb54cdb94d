"""Goals a member is working towards, with notes of progress: lifting yourself up, at your pace.

Goals are the member's own: nobody else reads them here (they are in the member's export and go
with a deletion). Progress is shared only if the member chooses to, by posting it to #wins
through the one path every message takes (``MessageService.send``), so the crisis rules apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..store.db import Store
from ..store.models import Goal, GoalNote, utcnow
from ..text import TextRejected, clean_for_display, clean_line
from .errors import Invalid, NotFound
from .views import MemberView

MAX_GOALS = 20
MAX_TITLE_CHARS = 200
MAX_NOTE_CHARS = 500


@dataclass(frozen=True)
class GoalView:
    number: int  # 1, 2, … in the member's own list (what /progress N names)
    id: int
    title: str
    created_at: datetime
    notes: tuple[tuple[datetime, str], ...]


def _clean(text: str, max_chars: int, what: str) -> str:
    if not text.strip():
        raise Invalid(f"Please write a few words for the {what}.")
    try:
        return clean_line(text, max_chars=max_chars)
    except TextRejected as error:
        raise Invalid(error.message) from None


def _own_goals(actor: MemberView) -> list[Goal]:
    return list(Goal.select().where(Goal.member == actor.id, Goal.done_at.is_null()).order_by(Goal.id))


def _views(goals: list[Goal]) -> list[GoalView]:
    notes: dict[int, list[tuple[datetime, str]]] = {}
    if goals:
        for note in GoalNote.select().where(GoalNote.goal.in_([g.id for g in goals])).order_by(GoalNote.id):
            notes.setdefault(note.goal_id, []).append((note.at, clean_for_display(note.body)))
    return [
        GoalView(n, g.id, clean_for_display(g.title, multiline=False), g.created_at, tuple(notes.get(g.id, ())))
        for n, g in enumerate(goals, start=1)
    ]


class GoalService:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def own(self, actor: MemberView) -> list[GoalView]:
        return await self.store.read(lambda: _views(_own_goals(actor)))

    async def add(self, actor: MemberView, title: str) -> GoalView:
        title = _clean(title, MAX_TITLE_CHARS, "goal")

        def write() -> GoalView:
            goals = _own_goals(actor)
            if len(goals) >= MAX_GOALS:
                raise Invalid(f"You have {MAX_GOALS} goals already; /goals done N sets one down.")
            Goal.create(member=actor.id, title=title)
            return _views(_own_goals(actor))[-1]

        return await self.store.write(write)

    async def progress(self, actor: MemberView, number: int, words: str) -> GoalView:
        """A note of progress on goal ``number`` of the actor's own list."""
        words = _clean(words, MAX_NOTE_CHARS, "progress note")

        def write() -> GoalView:
            goal = self._numbered(actor, number)
            GoalNote.create(goal=goal.id, body=words)
            return next(v for v in _views(_own_goals(actor)) if v.id == goal.id)

        return await self.store.write(write)

    async def done(self, actor: MemberView, number: int) -> str:
        """Set a goal down (reached, or no longer wanted); returns its title."""

        def write() -> str:
            goal = self._numbered(actor, number)
            goal.done_at = utcnow()
            goal.save()
            return clean_for_display(goal.title, multiline=False)

        return await self.store.write(write)

    @staticmethod
    def _numbered(actor: MemberView, number: int) -> Goal:
        goals = _own_goals(actor)
        if not 1 <= number <= len(goals):
            raise NotFound(f"You have no goal {number}. /goals lists yours.")
        return goals[number - 1]


def goals_text(goals: list[GoalView]) -> str:
    """The member's goals and their notes of progress, numbered as /progress N names them."""
    if not goals:
        return "No goals yet. /goals add WORDS sets one; /progress N WORDS notes a step towards goal N."
    lines: list[str] = []
    for goal in goals:
        lines.append(f"{goal.number}. {goal.title}")
        lines.extend(f"     {at:%d %b}  {words}" for at, words in goal.notes)
    lines.append("")
    lines.append("/progress N WORDS notes a step; /goals done N sets a goal down.")
    return "\n".join(lines)
