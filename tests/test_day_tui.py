"""A member's day in the app: pilot tests with a real store, and snapshots of the spoon meter
and the check-in form at 80x24 and 160x48."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult

from appkit import build_services, make_app, seed
from harness import wait_until
from safespace_tui.services.checkins import CheckInDraft
from safespace_tui.store.models import CheckIn, Member, Message
from safespace_tui.tui.messages import SpoonNudged
from safespace_tui.tui.screens.checkin import CheckInScreen
from safespace_tui.tui.screens.day_history import HistoryScreen, day_chart, month_grid
from safespace_tui.tui.screens.quiet_members import QuietMembersScreen
from safespace_tui.tui.screens.status_menu import RechargeOffer, StatusMenu
from safespace_tui.tui.screens.step_away import StepAwayScreen
from safespace_tui.tui.widgets.member_list import MemberList
from safespace_tui.tui.widgets.message_log import MessageLog
from safespace_tui.tui.widgets.spoon_meter import SpoonMeter, meter_text
from safespace_tui.tui.widgets.status_bar import StatusBar


@pytest.fixture
def world(tmp_path):
    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member", "sam": "senior"})
    yield services, ids
    services.store.close()


async def settle(pilot, delay: float = 0.05):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(delay)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def row(services, member_id):
    return services.store.read_sync(lambda: Member.get_by_id(member_id))


# -- the spoon meter on its own
class MeterApp(App):
    CSS = "Screen { align: center middle; } SpoonMeter { border: round $primary; height: 3; }"

    def __init__(self, value: int, maximum: int = 12) -> None:
        super().__init__()
        self.value, self.maximum = value, maximum
        self.nudges: list[int] = []

    def compose(self) -> ComposeResult:
        yield SpoonMeter(self.value, self.maximum)

    def on_spoon_nudged(self, message: SpoonNudged) -> None:
        self.nudges.append(message.delta)


def test_meter_reads_in_plain_ascii():
    assert meter_text(6, 12).plain == "Spoons [######------] 6/12 [-] [+]"
    assert meter_text(0, 12).plain == "Spoons [------------] 0/12 [-] [+]"
    assert meter_text(1, 12).plain == "Spoons [#-----------] 1/12 [-] [+]"
    assert meter_text(5, 30).plain == "Spoons [###-----------------] 5/30 [-] [+]"  # bar capped at 20 cells


async def test_meter_clicks_ask_to_spend_and_regain():
    app = MeterApp(6)
    async with app.run_test(size=(80, 24)) as pilot:
        meter = app.query_one(SpoonMeter)
        text = meter.plain
        await pilot.click(SpoonMeter, offset=(1 + text.index("[-]") + 1, 1))
        await pilot.click(SpoonMeter, offset=(1 + text.index("[+]") + 1, 1))
        await pilot.click(SpoonMeter, offset=(1 + text.index("6/12"), 1))  # the number: nothing
        await pilot.pause()
        assert app.nudges == [-1, 1]
        meter.show(3)
        assert "Spoons [###---------] 3/12" in meter.plain


def test_spoon_meter_snapshot_80x24(snap_compare):
    assert snap_compare(MeterApp(6), terminal_size=(80, 24))


def test_spoon_meter_snapshot_160x48(snap_compare):
    assert snap_compare(MeterApp(2), terminal_size=(160, 48))


# -- the meter in the app: keys, the offer at 0, others' spoons
async def test_spend_and_regain_keys_and_spoons_command(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        meter = app.screen.query_one(SpoonMeter)
        assert "12/12" in meter.plain
        await pilot.press("f8", "f8", "f8")
        await settle(pilot)
        assert "Spoons [#########---] 9/12" in meter.plain
        await pilot.press("f9")
        await settle(pilot)
        assert row(services, ids["ann"]).spoons == 10 and "10/12" in meter.plain
        await pilot.press(*"/spoons 4", "enter")
        await settle(pilot)
        assert row(services, ids["ann"]).spoons == 4 and "4/12" in meter.plain
        await pilot.press(*"/spoons 40", "enter")
        await settle(pilot)
        assert row(services, ids["ann"]).spoons == 4
        assert any("0 to 12" in n for n in notes(app))
        await pilot.press(*"/spoons start 9", "enter")  # the refused command left the box empty
        await settle(pilot)
        assert row(services, ids["ann"]).spoons_start == 9


async def test_reaching_zero_offers_recharging_and_does_not_force_it(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/spoons 1", "enter")
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, RechargeOffer)
        await pilot.press("escape")  # not now
        await settle(pilot)
        assert row(services, ids["ann"]).status == "available"
        await pilot.press("f9", "f8")
        await settle(pilot)
        assert isinstance(app.screen, RechargeOffer)
        await pilot.press("enter")  # "Recharge" has the focus
        await settle(pilot)
        assert row(services, ids["ann"]).status == "recharging"
        assert "recharging" in str(app.screen.query_one("#own-status").render())


async def test_others_spoons_and_status_show_live_in_the_member_list(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        members = app.screen.query_one(MemberList)
        assert any("bea" in line for line in members.plain_lines())
        assert not any(" 7 " in line for line in members.plain_lines())
        bea = await services.members.get(ids["bea"])
        bea = await services.spoons.set(bea, 7)
        await services.members.set_status(bea, "low")
        # drawn with the other changes of the moment (member_list.REDRAW_EVERY), within a second
        await wait_until(
            lambda: any(line.startswith("◐ bea") and line.endswith(" 7 ##--") for line in members.plain_lines()),
            what=lambda: f"bea's line never showed her status and spoons: {members.plain_lines()}",
        )


# -- status
async def test_clicking_own_name_opens_status_menu_and_choice_is_saved(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.click("#own-status", offset=(3, 0))
        await settle(pilot)
        assert isinstance(app.screen, StatusMenu)
        await pilot.press("down", "enter")  # from available to low energy
        await settle(pilot)
        assert row(services, ids["ann"]).status == "low"
        assert "◐ ann  low energy" in str(app.screen.query_one(StatusBar).query_one("#own-status").render())
        await pilot.press(*"/status recharging need a rest", "enter")
        await settle(pilot)
        assert (row(services, ids["ann"]).status, row(services, ids["ann"]).status_note) == (
            "recharging",
            "need a rest",
        )
        await pilot.press(*"/status sleepy", "enter")
        await settle(pilot)
        assert row(services, ids["ann"]).status == "recharging"


async def test_recharging_is_quiet_except_sos_for_senior_members(world):
    """The one rule: may_interrupt. Mentions pop up when available, never while recharging."""
    services, ids = world
    for name, senior in (("ann", False), ("sam", True)):
        app = make_app(services, ids[name])
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            bea = await services.members.get(ids["bea"])
            room = await services.channels.by_name("living-room")
            await services.channels.post(bea, room.id, f"hello @{name}, tea?")
            await settle(pilot)
            assert any("bea mentioned you in #living-room" in n for n in notes(app))
            assert app.session.may_interrupt("mention") and app.session.may_interrupt("sos")
            await pilot.press(*"/status recharging", "enter")
            await settle(pilot)
            app.clear_notifications()
            await services.channels.post(bea, room.id, f"@{name} are you there?")
            await settle(pilot)
            assert app.screen.query_one(MessageLog).messages[-1].body == f"@{name} are you there?"
            assert not any("mentioned you" in n for n in notes(app))
            assert not app.session.may_interrupt("mention")
            assert app.session.may_interrupt("sos") is senior
            assert app.session.interrupt("mention", "x") is False


# -- the check-in form
def _checkin_app(world):
    """The form shows today's date: the snapshot is taken on a fixed day, whatever the real date."""
    services, ids = world
    services.spoons.clock = lambda: datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    return make_app(services, ids["ann"])


async def _open_checkin(pilot):
    await settle(pilot)
    await pilot.press("f6")
    await settle(pilot)


def test_checkin_form_snapshot_80x24(world, snap_compare):
    assert snap_compare(_checkin_app(world), terminal_size=(80, 24), run_before=_open_checkin)


def test_checkin_form_snapshot_160x48(world, snap_compare):
    assert snap_compare(_checkin_app(world), terminal_size=(160, 48), run_before=_open_checkin)


async def test_checkin_by_keyboard_posts_card_and_updates_meter(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"/spoons 8", "enter")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CheckInScreen)
        assert form.query_one("#spoons").value == "8"  # prefilled from the meter
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert "Mood: please pick" in str(form.query_one("#checkin-error").render())  # the draft stays
        await pilot.press("backspace", "5", "tab", "2", "tab", "3", "tab", "right", "space", "tab")
        await pilot.press(*"not sleeping", "tab", *"made soup", "tab", *"slow day", "tab", "right", "space", "ctrl+o")
        await settle(pilot)
        assert not isinstance(app.screen, CheckInScreen)
        checkin = services.store.read_sync(lambda: CheckIn.get(CheckIn.member == ids["ann"]))
        assert (checkin.spoons, checkin.mood, checkin.sleep, checkin.needs) == (5, 2, "okay", "quiet")
        assert (checkin.warning_signs, checkin.win, checkin.note, checkin.visibility) == (
            "not sleeping",
            "made soup",
            "slow day",
            "seniors",
        )
        assert "5/12" in app.screen.query_one(SpoonMeter).plain
        assert any("Thank you for checking in. Senior members can see it." in n for n in notes(app))
        # same day: the form opens with what was saved, and saving edits the card
        await pilot.press("f6")
        await settle(pilot)
        assert app.screen.query_one("#note").value == "slow day"
        await pilot.press("tab", "4", "ctrl+o")
        await settle(pilot)
        card = services.store.read_sync(lambda: Message.get(Message.kind == "checkin"))
        assert "mood 4/5 good" in card.body and "(edited)" in card.body
        assert services.store.read_sync(lambda: CheckIn.select().count()) == 1


async def test_edited_card_updates_or_leaves_another_members_screen(world):
    services, ids = world
    app = make_app(services, ids["bea"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/join check-ins", "enter")
        await settle(pilot)
        ann = await services.members.get(ids["ann"])
        await services.checkins.save(ann, CheckInDraft(spoons=5, mood=3, note="first words"))
        await settle(pilot)
        log = app.screen.query_one(MessageLog)
        assert "note: first words" in log.messages[-1].body
        await services.checkins.save(ann, CheckInDraft(spoons=5, mood=3, note="second words"))
        await settle(pilot)
        assert "note: second words" in log.messages[-1].body and len(log.messages) == 1
        await services.checkins.save(ann, CheckInDraft(spoons=5, mood=3, note="now private", visibility="me"))
        await settle(pilot)
        assert log.messages == []


async def test_backfill_yesterday_from_the_form(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.click("#yesterday")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CheckInScreen) and form.day == form.today - timedelta(days=1)
        await pilot.press("tab", "3", "ctrl+o")
        await settle(pilot)
        checkin = services.store.read_sync(lambda: CheckIn.get(CheckIn.member == ids["ann"]))
        assert checkin.day == form.today - timedelta(days=1)


# -- history
async def test_history_shows_own_spoons_and_moods_as_numbers_and_grid(world):
    services, ids = world
    ann = await services.members.get(ids["ann"])
    await services.checkins.save(
        ann, CheckInDraft(spoons=3, mood=2, day=services.spoons.today(ann) - timedelta(days=1))
    )
    await services.checkins.save(ann, CheckInDraft(spoons=7, mood=4))
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        chart = str(app.screen.query_one("#chart").render())
        numbers = next(line for line in chart.splitlines() if line.rstrip().endswith("7"))
        assert numbers.split()[-2:] == ["3", "7"]
        assert "2 days in a row." in str(app.screen.query_one("#history-reflection").render())
        today = app.screen.today
        grid = str(app.screen.query_one("#month").render())
        assert f"{today.day:>2} 4" in grid
        await pilot.press("left")
        await settle(pilot)
        assert app.screen.month != today.month


def test_day_chart_and_month_grid_do_not_rely_on_colour():
    from datetime import date

    from safespace_tui.services.spoons import DayRecord

    days = [
        DayRecord(date(2026, 3, 1) + timedelta(days=i), s, m)
        for i, (s, m) in enumerate([(12, 5), (None, None), (0, 1)])
    ]
    chart = day_chart(days, 12, 80).plain
    assert "12  ·  0" in chart and " 5  ·  1" in chart
    grid = month_grid(2026, 3, {date(2026, 3, 1): 5, date(2026, 3, 3): 1}, date(2026, 3, 3)).plain
    assert " 1 5" in grid and " 2 ·" in grid and " 3 1" in grid and "1  struggling" in grid


# -- stepping away and the quiet list
async def test_away_dialog_leaving_posts_note_and_says_where_export_lives(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/away thank you all", "enter")
        await settle(pilot)
        assert isinstance(app.screen, StepAwayScreen)
        assert app.screen.query_one("#away-note").value == "thank you all"
        await pilot.press("2")  # leaving the group
        await settle(pilot)
        words = str(app.screen.query_one("#away-words").render())
        assert "deletes nothing" in words and "export" in words and "/delete-my-data" in words
        assert "planned" not in words
        await pilot.press("ctrl+o")
        await settle(pilot)
        member = row(services, ids["ann"])
        assert member.status == "away" and member.status_note == "left the group: thank you all"
        note = services.store.read_sync(lambda: Message.get(Message.kind == "away"))
        assert note.body == "thank you all"  # her words, and nothing the app added
        await pilot.press(*"/back", "enter")
        await settle(pilot)
        assert row(services, ids["ann"]).status == "available"


async def test_leaving_with_no_note_posts_the_line_picked_and_nothing_else(world):
    """Issue 10: the app never adds words the member did not choose: with no note of their own, the
    neutral line they picked (here the third, by keys) is the whole note."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/away", "enter")
        await settle(pilot)
        await pilot.press("2", "tab", "right", "right", "space")  # leaving; the lines; the third
        await settle(pilot)
        assert app.screen.query_one("#away-line").value == "thanks"
        await pilot.press("ctrl+o")
        await settle(pilot)
        note = services.store.read_sync(lambda: Message.get(Message.kind == "away"))
        assert note.body == "is leaving the group. Thank you, everyone."


async def test_away_for_a_while_until_a_date(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("end", "enter")  # "Step away for a while, or leave the group"
        await settle(pilot)
        assert isinstance(app.screen, StepAwayScreen)
        await pilot.press("tab", *"yesterday", "ctrl+o")
        await settle(pilot)
        assert "2026-12-01" in str(app.screen.query_one("#away-error").render())
        await pilot.press("ctrl+a", "ctrl+k", "7", "ctrl+o")
        await settle(pilot)
        member = row(services, ids["ann"])
        assert member.status == "away" and member.away_until == services.spoons.today(app.session.member) + timedelta(
            days=7
        )


async def test_quiet_members_is_offered_to_seniors_only(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/quiet-members 3", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, QuietMembersScreen)
        assert any("/quiet-members is for senior members" in n for n in notes(app))
    app = make_app(services, ids["sam"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/quiet-members 3", "enter")
        await settle(pilot)
        assert isinstance(app.screen, QuietMembersScreen)
        assert "ann (ann)  no check-in shared yet" in str(app.screen.query_one("Static").render())


async def test_quiet_members_says_when_each_was_last_here(world):
    """Promise (issue 8): Member.last_seen_at is used: the seniors' quiet list says when a quiet
    member was last here (a session of theirs closed), in the senior's own time zone."""
    services, ids = world
    await services.members.note_seen(ids["ann"])
    app = make_app(services, ids["sam"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/quiet-members 3", "enter")
        await settle(pilot)
        shown = str(app.screen.query_one("Static").render())
        assert "ann (ann)  no check-in shared yet  · last here" in shown
        assert "bea (bea)  no check-in shared yet\n" in shown  # never seen: nothing is made up


async def test_timezone_command_validates(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/timezone Nowhere/Special", "enter")
        await settle(pilot)
        assert row(services, ids["ann"]).timezone == "UTC"
        assert any("Area/City" in n for n in notes(app))
        await pilot.press(*"/timezone europe/london", "enter")  # the refused command left the box empty
        await settle(pilot)
        assert row(services, ids["ann"]).timezone == "Europe/London"


async def test_hub_events_are_judged_for_the_receiving_member_not_the_publisher(world):
    """Hub callbacks run in the publisher's task, where Textual's ``self.app`` is the publisher's
    app. A card kept "only me" must still never reach another member's screen."""
    import contextvars

    from textual._context import active_app

    from safespace_tui.services.channels import MessagePosted

    services, ids = world
    app = make_app(services, ids["sam"])
    publisher = make_app(services, ids["ann"])  # ann's session: the author, who may see it
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/join check-ins", "enter")
        await settle(pilot)
        ann = await services.members.get(ids["ann"])
        services.hub._subscribers.clear()  # deliver by hand, from inside "ann's app"
        saved = await services.checkins.save(ann, CheckInDraft(spoons=5, mood=3, note="ONLY-ME", visibility="me"))
        card = services.store.read_sync(lambda: Message.get_by_id(saved.checkin.message_id))
        from safespace_tui.services.channels import message_view

        view = services.store.read_sync(lambda: message_view(card, card.author))

        def publish_as_ann():
            active_app.set(publisher)
            app.call_next(app.session._channel_event, MessagePosted(view))

        contextvars.copy_context().run(publish_as_ann)
        await settle(pilot)
        assert all(m.id != view.id for m in app.screen.query_one(MessageLog).messages)


async def refuse_every_write(services) -> None:
    """The database file can no longer be written. SQLite's query_only stands in: every write is
    refused as to a read-only database, as when a full or failing disk is remounted read-only
    (test_store.py caps the size; test_ssh_persistence.py fills a real tmpfs)."""
    store = services.store
    await store.write(lambda: store.db.execute_sql("PRAGMA query_only = 1"))  # the writer thread's connection


async def test_spoon_and_status_keys_on_a_read_only_disk_tell_kindly_and_keep_the_session(world):
    """Bad condition: the database cannot be written (a read-only disk). F8 (spend a spoon) and a
    status chosen from the menu used to end the whole session ("something went wrong"); now the
    member is told, in plain words, that nothing changed, and the session goes on. The words say
    what is wrong: the database can't be written (issue 15: it used to say "out of room")."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        before = app.session.member.spoons
        await refuse_every_write(services)
        await pilot.press("f8")
        await settle(pilot, 0.2)
        assert any("can't be written" in note and "out of room" not in note for note in notes(app))
        assert app.is_running and app.session.member.spoons == before
        app.clear_notifications()
        await pilot.press("f5")  # the status menu
        await settle(pilot)
        assert isinstance(app.screen, StatusMenu)
        app.screen.dismiss("low")
        await settle(pilot, 0.2)
        assert any("can't be written" in note and "out of room" not in note for note in notes(app))
        assert app.is_running and app.session.member.status == "available"
