"""Getting to know each other inside the app: a part of the session controller (``tui/session.py``).

Profiles (a member's own form, anyone's page) and the members directory. What is shown comes
from services/profiles.py, which filters every field by who is reading; a change anyone makes is
published on the hub (``PROFILES``) and each open page here asks the service again, so it shows
live and still only what this reader may see.
"""

from __future__ import annotations

from ..services.profiles import PROFILES, ProfileChanged, ProfileView
from ..services.views import MemberView
from .messages import Refused
from .screens.profile import DirectoryScreen, ProfileForm, ProfileScreen
from .session_part import SessionPart


class Belonging(SessionPart):
    def start(self) -> None:
        self.session.listen(PROFILES, self._profile_changed)

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
                profile = await self.session.told(self.services.profiles.of(self.member, event.member_id), quietly=True)
                if isinstance(profile, ProfileView) and screen.is_attached:
                    screen.show(profile)
            elif isinstance(screen, DirectoryScreen):
                profiles = await self.services.profiles.directory(self.member)
                if screen.is_attached:
                    screen.show(profiles)
