"""The group's own words (its charter): ours by default, the group's once an admin loads them."""

from __future__ import annotations

from importlib import resources

from ..store.db import Store
from ..store.models import GroupText, utcnow
from ..text import TextRejected, clean_text
from .errors import Invalid

TEXT_NAMES = ("charter",)
MAX_TEXT_CHARS = 20_000


def default_text(name: str) -> str:
    return resources.files("safespace_tui.defaults").joinpath(f"{name}.txt").read_text(encoding="utf-8")


class GroupTextService:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, name: str) -> str:
        """The group's text if loaded, else our default."""
        self._check_name(name)
        row = await self.store.read(lambda: GroupText.get_or_none(GroupText.name == name))
        return row.body if row else default_text(name)

    async def load(self, name: str, text: str | bytes) -> int:
        """Replace the text (operator action); returns its length."""
        self._check_name(name)
        try:
            body = clean_text(text, max_chars=MAX_TEXT_CHARS)
        except TextRejected as error:
            raise Invalid(error.message) from None

        def write() -> None:
            GroupText.insert(name=name, body=body, updated_at=utcnow()).on_conflict(
                conflict_target=[GroupText.name], update={GroupText.body: body, GroupText.updated_at: utcnow()}
            ).execute()

        await self.store.write(write)
        return len(body)

    async def reset(self, name: str) -> None:
        self._check_name(name)
        await self.store.write(lambda: GroupText.delete().where(GroupText.name == name).execute())

    @staticmethod
    def _check_name(name: str) -> None:
        if name not in TEXT_NAMES:
            raise Invalid(f"Known texts: {', '.join(TEXT_NAMES)}.")
