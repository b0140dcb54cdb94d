"""Getting to know each other inside the app: a part of the session controller (``tui/session.py``).

Profiles (a member's own form, anyone's page) and the members directory. What is shown comes
from services/profiles.py, which filters every field by who is reading; a change anyone makes is
published on the hub (``PROFILES``) and each open page here asks the service again, so it shows
live and still only what this reader may see.
"""

from __future__ import annotations

from datetime import UTC

from ..services.channels import WINS
from ..services.deletion import DeletionPending
from ..services.profiles import PROFILES, ProfileChanged, ProfileView
from ..services.spoons import zone
from ..services.views import MemberView
from .messages import Refused
from .screens.goals import ShareWinOffer
from .screens.own_data import DeleteDataScreen, DeletionChoice
from .screens.profile import DirectoryScreen, ProfileForm, ProfileScreen
from .session_part import SessionPart


class Belonging(SessionPart):
    def start(self) -> None:
        self.session.listen(PROFILES, self._profile_changed)
        self.app.run_worker(self._remind_of_deletion(), group="deletion")

    # -- cheers ------------------------------------------------------------------------------------
    async def message_acted(self, message_id: int, action: str) -> None:
        """A key of the message-selection mode: a cheer given or taken back, or who cheered."""
        cheers = self.services.cheers
        if action.startswith("cheer:"):
            await self.session.told(cheers.toggle(self.member, message_id, action.removeprefix("cheer:")))
        elif action == "cheers-who":
            given = await self.session.told(cheers.who(self.member, message_id))
            if isinstance(given, list):
                lines = [f"{kind.emoji} {kind.ascii}  {kind.words}: {', '.join(names)}" for kind, names in given]
                self.session.show_page("Who cheered", "\n".join(lines) or "Nobody has cheered this one yet.")

    # -- goals -------------------------------------------------------------------------------------
    def offer_win(self, words: str) -> None:
        """After a note of progress: share it in #wins? (the member decides; nothing is posted unasked)."""

        async def answered(share: bool | None) -> None:
            if share:
                await self.session.told(self._post_win(words))

        self.app.push_screen(ShareWinOffer(words), answered)

    async def _post_win(self, words: str) -> None:
        """Through the one path every message takes, so the crisis rules apply here too."""
        wins = await self.services.channels.by_name(WINS)
        outcome = await self.services.messages.send(self.member, wins.id, words)
        if outcome.care_check:
            self.tell(f"Your note is kept. You could post it in #{WINS} yourself, in your own time.")
        elif outcome.message is not None:
            self.session.main.show_own_message(outcome.message)
            self.tell(f"Shared in #{WINS}.")

    # -- your own data ----------------------------------------------------------------------------
    async def _remind_of_deletion(self) -> None:
        """At the start of a session: a deletion asked for is said, with how to cancel it."""
        pending = await self.services.deletion.pending(self.member)
        if pending is not None and not self.session.taken_down():
            self.tell(f"{self._due_words(pending)} /delete-my-data cancels it.", timeout=15)

    def _due_words(self, pending: DeletionPending) -> str:
        due = pending.due_at.replace(tzinfo=None)
        local = due.replace(tzinfo=UTC).astimezone(zone(self.member.timezone))
        return f"Your data will be deleted on {local:%a} {local.day} {local:%B}."

    async def open_deletion(self) -> None:
        if not any(isinstance(s, DeleteDataScreen) for s in self.app.screen_stack):
            pending = await self.services.deletion.pending(self.member)
            self.app.push_screen(DeleteDataScreen(pending, timezone=self.member.timezone), self._deletion_chosen)

    async def _deletion_chosen(self, choice: DeletionChoice | None) -> None:
        deletion = self.services.deletion
        if choice is DeletionChoice.ASK:
            pending = await self.session.told(deletion.ask(self.member))
            if isinstance(pending, DeletionPending):
                self.tell(f"{self._due_words(pending)} You can cancel until then with /delete-my-data.", timeout=15)
        elif choice is DeletionChoice.CANCEL and await self.session.told(deletion.cancel(self.member)) is True:
            self.tell("Cancelled. Nothing will be deleted.")

    async def open_profile(self, member_id: int) -> None:
        """A member's page (from the member list or the directory); a refused read is 'not found'."""
        profile = await self.session.told(self.services.profiles.of(self.member, member_id))
        if isinstance(profile, ProfileView):
            self.app.push_screen(ProfileScreen(profile, own=member_id == self.member.id))

    async def open_profile_of(self, handle: str) -> None:
        profile = await self.session.told(self.services.profiles.by_handle(self.member, handle))
        if isinstance(profile, ProfileView):
            self.app.push_screen(ProfileScreen(profile, own=profile.member.id == self.member.id))

    async def open_directory(self) -> None:
        if not any(isinstance(s, DirectoryScreen) for s in self.app.screen_stack):
            self.app.push_screen(DirectoryScreen(await self.services.profiles.directory(self.member)))

    async def open_own_form(self) -> None:
        if any(isinstance(s, ProfileForm) for s in self.app.screen_stack):
            return
        own = await self.services.profiles.of(self.member, self.member.id)
        self.app.push_screen(ProfileForm(own, self._save), self._saved)

    async def _save(self, display_name: str, fields: dict[str, tuple[str, str]]) -> ProfileView | Refused:
        """Name first (so a name we cannot use loses nothing else), then the fields."""
        profiles = self.services.profiles
        if display_name.strip() != self.member.display_name:
            renamed = await self.session.told(profiles.set_display_name(self.member, display_name), quietly=True)
            if isinstance(renamed, Refused):
                return renamed
            assert isinstance(renamed, MemberView)
            self.session.member_changed(renamed)
        return await self.session.told(profiles.save_own(self.member, fields), quietly=True)

    def _saved(self, result: ProfileView | None) -> None:
        if result is not None:
            self.tell("Your profile is saved. Each part is shown only to whom you chose.")

    async def _profile_changed(self, event: ProfileChanged) -> None:
        if self.session.taken_down():
            return
        for screen in list(self.app.screen_stack):
            if isinstance(screen, ProfileScreen) and screen.member_id == event.member_id:
                profile = await self.session.told(
                    self.services.profiles.of(self.member, event.member_id, opened=False), quietly=True
                )
                if isinstance(profile, ProfileView) and screen.is_attached:
                    screen.show(profile)
            elif isinstance(screen, DirectoryScreen):
                profiles = await self.services.profiles.directory(self.member)
                if screen.is_attached:
                    screen.show(profiles)
