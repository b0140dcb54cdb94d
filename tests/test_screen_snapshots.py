"""Snapshots of the crisis, alerts, safety-plan and history screens, drawn with the product
stylesheet (app.tcss) on a real SafeSpaceApp, over its main screen.

Each state is made by the real services on a real SQLite file (tests/appkit.py): alerts raised
with CrisisService.raise_alert, taken and escalated by it, plans saved and read through
SafetyPlanService, days checked in through CheckInService. Where a screen takes a view as its
input (the SOS result, an alert notice, a plan, the days), the view is the one the service
returned. The helpers at the top are the only code that knows how a state is made and how a
screen reaches the app; the tests below them read as stories.

Time, so that every run draws the same picture:
* The spoons clock (the day, check-ins, the history) is fixed to DAY, as in test_day_tui.
* Alerts, plans and plan reads are stamped by the services with the wall clock (they take no
  clock), and these screens show those stamps: ``fix_stamps`` sets them to fixed moments.
* The alert screens show an alert's age measured against the wall clock (``age()`` in
  screens/crisis.py; no screen passes ``now``). Alerts are therefore stamped later than any run:
  an age never reads below "just now", which is what a senior sees on a fresh alert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from textual.screen import Screen

from appkit import build_services, make_app, run_sync, seed
from safespace_tui.services import Services
from safespace_tui.services.checkins import CheckInDraft
from safespace_tui.services.crisis import AlertView, RaiseResult
from safespace_tui.services.safety_plans import SafetyPlanView
from safespace_tui.services.views import MemberView
from safespace_tui.store import migrations
from safespace_tui.store.models import Alert, AuditEntry, SafetyPlan
from safespace_tui.tui.crisis_care import SOS_KEY_LABEL
from safespace_tui.tui.screens.alerts import AlertsScreen
from safespace_tui.tui.screens.crisis import (
    CrisisLinesScreen,
    SosConfirmScreen,
    SosSentScreen,
    care_check_screen,
)
from safespace_tui.tui.screens.day_history import HistoryScreen
from safespace_tui.tui.screens.main import MainScreen
from safespace_tui.tui.screens.safety_plan import SafetyPlanScreen, SafetyPlanViewScreen

DAY = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # "today" for the spoons clock
FIRST_ALERT = datetime(2099, 11, 24, 21, 40)  # later than any run: ages read "just now"
PLAN_SAVED = datetime(2026, 11, 20, 19, 5)
FIRST_READ = datetime(2026, 11, 22, 23, 11)


@dataclass
class World:
    services: Services
    ids: dict[str, int]

    def member(self, name: str) -> MemberView:
        return run_sync(self.services.members.get(self.ids[name]))


@pytest.fixture
def world(tmp_path):
    """ann and bea (members), sam and kit (senior members); nobody online; the day is DAY."""
    services = build_services(tmp_path)
    services.spoons.clock = lambda: DAY
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member", "sam": "senior", "kit": "senior"})
    yield World(services, ids)
    services.store.close()


# -- how a state is made (the only code that knows) ------------------------------------------------


def fix_stamps(services: Services) -> None:
    """Set the wall-clock stamps the services wrote to fixed moments: alert n is raised
    10 minutes after alert n-1 and taken 2 minutes after it was raised; the plan was saved at
    PLAN_SAVED; plan read n happened n minutes after FIRST_READ."""

    def write():
        for alert in Alert.select():
            alert.created_at = FIRST_ALERT + timedelta(minutes=10 * (alert.id - 1))
            if alert.acknowledged_at is not None:
                alert.acknowledged_at = alert.created_at + timedelta(minutes=2)
            alert.save()
        SafetyPlan.update(updated_at=PLAN_SAVED).execute()
        # The audit log is append-only (schema 3 triggers): lifted for this pinning only, then back.
        services.store.db.execute_sql("DROP TRIGGER audit_entry_no_update")
        reads = AuditEntry.select().where(AuditEntry.action == "safety_plan.read").order_by(AuditEntry.id)
        for n, entry in enumerate(reads, start=1):  # (the operator's adding of members is audited too)
            entry.created_at = FIRST_READ + timedelta(minutes=n)
            entry.save()
        migrations.audit_append_only(services.store.db)

    services.store.write_sync(write)


def online(world: World, *names: str) -> None:
    """These members have a session open (presence is what raise_alert counts)."""
    for name in names:
        member = world.member(name)
        world.services.presence.connected(member.id, member.role)


def raise_sos(world: World, name: str, note: str = "", source: str = "key") -> RaiseResult:
    result = run_sync(world.services.crisis.raise_alert(world.member(name), source, note))
    fix_stamps(world.services)
    return result


def take(world: World, senior: str, alert_id: int) -> None:
    """A senior member takes an alert: "I'm with you"."""
    run_sync(world.services.crisis.acknowledge(world.member(senior), alert_id))
    fix_stamps(world.services)


def nobody_answered(world: World) -> None:
    """An hour on, every alert nobody took is alerted again (once)."""
    run_sync(world.services.crisis.escalate_due(now=FIRST_ALERT + timedelta(hours=1)))


def open_alerts(world: World, viewer: str) -> list[AlertView]:
    return run_sync(world.services.crisis.list_open(world.member(viewer)))


def save_plan(world: World, name: str, **sections: object) -> None:
    run_sync(world.services.safety_plans.save_own(world.member(name), **sections))
    fix_stamps(world.services)


def read_plan(world: World, senior: str, name: str, alert_id: int | None = None) -> SafetyPlanView:
    """A senior member reads a plan: the service records the read before returning it."""
    plan = run_sync(world.services.safety_plans.read(world.member(senior), world.ids[name], alert_id=alert_id))
    fix_stamps(world.services)
    return plan


def check_in_daily(world: World, name: str, days: list[tuple[int, int] | None]) -> None:
    """One check-in (spoons, mood) a day, ending today; None is a day with no check-in."""
    services = world.services
    try:
        for back, day in zip(range(len(days) - 1, -1, -1), days, strict=True):
            moment = DAY - timedelta(days=back)
            services.spoons.clock = lambda moment=moment: moment
            if day is not None:
                run_sync(services.checkins.save(world.member(name), CheckInDraft(spoons=day[0], mood=day[1])))
    finally:
        services.spoons.clock = lambda: DAY


# -- the screens, built as the app builds them -----------------------------------------------------


def sos_sent(world: World, result: RaiseResult) -> Callable[[], Screen]:
    config = world.services.config
    return partial(SosSentScreen, result, config.crisis_lines, config.sos_escalate_after)


def crisis_lines(world: World) -> Callable[[], Screen]:
    return partial(CrisisLinesScreen, world.services.config.crisis_lines, sos_key=SOS_KEY_LABEL)


async def not_in_a_picture(*_args, **_kwargs):
    """What a screen is given to save or load with: a picture never calls it."""
    raise AssertionError("a snapshot saves and loads nothing")


def own_plan(world: World, name: str) -> Callable[[], Screen]:
    member = world.member(name)
    plan = run_sync(world.services.safety_plans.get_own(member))
    reads = run_sync(world.services.audit.plan_reads_of(member))
    return partial(
        SafetyPlanScreen, plan, reads, timezone=member.timezone, save=not_in_a_picture, delete=not_in_a_picture
    )


def my_days(world: World, name: str) -> Callable[[], Screen]:
    member, services = world.member(name), world.services
    days = run_sync(services.spoons.days(member, 28))
    today = days[-1].day
    moods = run_sync(services.checkins.moods(member, today.replace(day=1), today))
    reflection = run_sync(services.checkins.reflection(member))
    return partial(
        HistoryScreen,
        days=days,
        moods=moods,
        today=today,
        spoons_max=services.config.spoons_max,
        reflection=reflection,
        moods_of=not_in_a_picture,
    )


# -- opening a screen on the app -------------------------------------------------------------------


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def snapshot(snap_compare, world: World, viewer: str, screen: Callable[[], Screen], size=(80, 24)) -> bool:
    """Draw ``screen()`` as ``viewer``'s session shows it, right over the main screen."""
    app = make_app(world.services, world.ids[viewer])

    async def open_screen(pilot) -> None:
        await settle(pilot)
        while not isinstance(app.screen, MainScreen):  # a senior's session opens its own notice of waiting alerts
            app.pop_screen()
        app.push_screen(screen())
        await settle(pilot)

    return snap_compare(app, terminal_size=size, run_before=open_screen)


# -- crisis: the member's side -------------------------------------------------------------------


def sos_confirm(world: World, name: str) -> Callable[[], Screen]:
    """The SOS confirm as the session opens it: with who an SOS would reach now."""
    reach = run_sync(world.services.notices.reach(world.member(name)))
    return lambda: SosConfirmScreen(reach=reach, lines=world.services.config.crisis_lines)


def test_sos_confirm_80x24(world, snap_compare):
    online(world, "sam", "kit")
    run_sync(world.services.notices.set_on_call(world.member("sam"), True))
    assert snapshot(snap_compare, world, "ann", sos_confirm(world, "ann"))


def test_sos_confirm_with_no_senior_online_80x24(world, snap_compare):
    assert snapshot(snap_compare, world, "ann", sos_confirm(world, "ann"))


def test_sos_sent_with_no_senior_online_80x24(world, snap_compare):
    result = raise_sos(world, "ann", "can't stop shaking")
    assert result.seniors_alerted == 0
    assert snapshot(snap_compare, world, "ann", sos_sent(world, result))


def test_sos_sent_with_two_seniors_online_80x24(world, snap_compare):
    online(world, "sam", "kit")
    result = raise_sos(world, "ann", "can't stop shaking")
    assert result.seniors_alerted == 2
    assert snapshot(snap_compare, world, "ann", sos_sent(world, result))


def test_crisis_lines_80x24(world, snap_compare):
    assert snapshot(snap_compare, world, "ann", crisis_lines(world))


def test_crisis_lines_48x20(world, snap_compare):
    assert snapshot(snap_compare, world, "ann", crisis_lines(world), size=(48, 20))


def test_care_check_80x24(world, snap_compare):
    assert snapshot(snap_compare, world, "ann", care_check_screen)


# -- crisis: the senior members' side --------------------------------------------------------------


def two_open_alerts(world: World) -> None:
    """bea's alert, which kit took; then ann's (newest, so shown in full), which nobody
    answered, so it was alerted again. ann is online and has shared a safety plan."""
    online(world, "ann", "kit")
    bea = raise_sos(world, "bea", "bad night", source="command")
    take(world, "kit", bea.alert.id)
    raise_sos(world, "ann", "can't stop shaking")
    nobody_answered(world)
    save_plan(world, "ann", warning_signs="not sleeping")


def test_alerts_pane_80x24(world, snap_compare):
    two_open_alerts(world)
    assert snapshot(snap_compare, world, "sam", AlertsScreen)


def test_alerts_pane_48x20(world, snap_compare):
    two_open_alerts(world)
    assert snapshot(snap_compare, world, "sam", AlertsScreen, size=(48, 20))


# -- safety plans ----------------------------------------------------------------------------------

ANN_PLAN = {
    "warning_signs": "Not sleeping. Skipping meals. Wanting to be alone all the time.",
    "coping_strategies": "A hot shower, the breathing app, walking round the block.",
    "distractions": "The library; my sister's kitchen.",
    "people_to_ask": "Jo (sister): 555 0101",
    "professionals": "Dr Lee, Tuesdays; after hours: the 988 line.",
    "safe_environment": "",
    "reasons_for_living": "My cat Miso. Finishing the garden.",
    "includes_first_responders": True,
}


def test_own_safety_plan_with_reads_listed_80x24(world, snap_compare):
    save_plan(world, "ann", **ANN_PLAN)
    alert = raise_sos(world, "ann", "can't stop shaking")
    read_plan(world, "sam", "ann", alert_id=alert.alert.id)
    read_plan(world, "kit", "ann")
    assert snapshot(snap_compare, world, "ann", own_plan(world, "ann"))


def test_senior_reads_a_plan_during_an_alert_80x24(world, snap_compare):
    save_plan(world, "ann", **ANN_PLAN)
    alert = raise_sos(world, "ann", "can't stop shaking")
    plan = read_plan(world, "sam", "ann", alert_id=alert.alert.id)
    view = partial(SafetyPlanViewScreen, plan, audited=True, timezone=world.member("sam").timezone)
    assert snapshot(snap_compare, world, "sam", view)


# -- my days ---------------------------------------------------------------------------------------


def test_history_of_three_weeks_80x24(world, snap_compare):
    check_in_daily(
        world,
        "ann",
        [(6, 3), (5, 3), None, (3, 2), (2, 1), (4, 2), (7, 3),
         (8, 4), None, None, (6, 3), (9, 4), (10, 5), (8, 4),
         (5, 3), (4, 2), (6, 3), None, (7, 4), (9, 4), (8, 4)],
    )  # fmt: skip
    assert snapshot(snap_compare, world, "ann", my_days(world, "ann"))
