"""Snapshots of the join door and each onboarding page, at 80x24 and 48x20, with the product stylesheet.

Each newcomer is made the real way (an invite created and redeemed through InviteService on a real
SQLite file) and moved to a step by OnboardingService; the app then opens at that step, as a
resumed onboarding does.
"""

from __future__ import annotations

import pytest

from appkit import build_services, make_app, run_sync
from harness import make_key, wait_until
from safespace_tui.services.onboarding import AGREEMENTS
from safespace_tui.ssh.keys import read_public_key
from safespace_tui.tui import textual_fixes
from safespace_tui.tui.join_app import JoinAnswer, JoinApp
from safespace_tui.tui.screens.join_code import CodeScreen
from safespace_tui.tui.screens.onboarding import AgreementsScreen, CharterPage, DetailsScreen, WelcomeScreen

SIZES = [(80, 24), (48, 20)]
STEPS = {"charter": CharterPage, "agreements": AgreementsScreen, "details": DetailsScreen, "welcome": WelcomeScreen}


class Connection:
    pass


@pytest.fixture
def services(tmp_path):
    services = build_services(tmp_path)
    run_sync(services.channels.ensure_defaults())
    yield services
    services.store.close()


def newcomer_at(services, tmp_path, step: str) -> int:
    """dana, invited and redeemed, moved on to ``step``; returns her member id."""

    async def run() -> int:
        code, _ = await services.invites.create(None, "dana")
        key = read_public_key(make_key(tmp_path, "dana").with_suffix(".pub").read_text())
        dana, _ = await services.invites.redeem(code, key, "127.0.0.1", Connection())
        onboarding = services.onboarding
        if step != "charter":
            await onboarding.charter_read(dana, 99, 1)
        if step in ("details", "welcome"):
            await onboarding.agree(dana, {key for key, _ in AGREEMENTS})
        if step == "welcome":
            await onboarding.set_details(dana, "dana", "she/her", "UTC")
        return dana.id

    return run_sync(run())


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("step", list(STEPS))
def test_onboarding_page(services, tmp_path, snap_compare, step, size):
    app = make_app(services, newcomer_at(services, tmp_path, step))

    async def at_step(pilot) -> None:
        await wait_until(lambda: isinstance(app.screen, STEPS[step]))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=at_step)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_join_door(snap_compare, size):
    textual_fixes.apply()

    async def never(code: str) -> JoinAnswer:
        return JoinAnswer(False, "That code didn't open the door.")

    app = JoinApp(never)

    async def shown(pilot) -> None:
        await wait_until(lambda: isinstance(app.screen, CodeScreen))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=shown)
