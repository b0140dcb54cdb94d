"""The main screen as a member sees it: pilot tests with a real store, and snapshots."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from textual import events

from appkit import add_messages, build_services, make_app, run_sync, seed
from harness import wait_until
from safespace_tui.store.models import Message
from safespace_tui.tui.widgets.channel_list import ChannelList
from safespace_tui.tui.widgets.member_list import MemberList
from safespace_tui.tui.widgets.message_box import MessageBox
from safespace_tui.tui.widgets.message_log import MessageLog


@pytest.fixture
def world(tmp_path):
    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member", "bea": "member", "sam": "senior"})
    add_messages(services, "living-room", ids["bea"], ["Morning, all. Slow start today.", "Tea helps."])
    add_messages(services, "wins", ids["sam"], ["I went for a walk."])
    yield services, ids
    services.store.close()


async def settle(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_opens_living_room_with_history_and_unread_counts(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        log = app.screen.query_one(MessageLog)
        assert [m.body for m in log.messages] == ["Morning, all. Slow start today.", "Tea helps."]
        channels = app.screen.query_one(ChannelList)
        wins = next(c for c in channels.channels if c.name == "wins")
        assert channels.unread(wins.id) == 1


async def test_enter_sends_and_message_is_stored(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"hello there")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(MessageBox).text == ""
        bodies = services.store.read_sync(lambda: [m.body for m in Message.select().order_by(Message.id)])
        assert bodies[-1] == "hello there"


async def test_ctrl_j_makes_a_new_line_instead_of_sending(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a", "ctrl+j", "b")
        assert app.screen.query_one(MessageBox).text == "a\nb"
        await pilot.press("enter")
        await settle(pilot)
        bodies = services.store.read_sync(lambda: [m.body for m in Message.select().order_by(Message.id)])
        assert bodies[-1] == "a\nb"


async def test_join_command_switches_channel_and_clears_unread(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/join wins", "enter")
        await settle(pilot)
        assert app.screen.current.name == "wins"
        assert [m.body for m in app.screen.query_one(MessageLog).messages] == ["I went for a walk."]
        channels = app.screen.query_one(ChannelList)
        assert channels.unread(app.screen.current.id) == 0


async def test_a_message_said_while_a_channel_opens_is_not_wiped_by_its_page(world):
    """Opening the first channel (in a worker, while the app takes live events) reads its page,
    then the page's cheers, then the page replaces the log. A message saved while the cheers were
    read was shown live, then wiped by the page: CI saw a session that never showed bea's line
    (test_ssh_driver, one run in ten under load). Here the session's cheers read is replaced (a
    test double, this process only) by one that first has bea post through the real services and
    waits until the line is in ann's log. Red when live messages are kept only until the read."""
    services, ids = world
    app = make_app(services, ids["ann"])
    controller = app.session
    bea = await services.members.get(ids["bea"])
    living_room = await services.channels.by_name("living-room")
    read_cheers, posted = controller._cheers_of, []

    async def cheers_while_bea_posts(messages):
        if not posted:
            posted.append(await services.channels.post(bea, living_room.id, "said while the page opened"))
            log = app.screen.query_one(MessageLog)
            await wait_until(lambda: any(m.body == "said while the page opened" for m in log.messages), 5)
        return await read_cheers(messages)

    controller._cheers_of = cheers_while_bea_posts
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        bodies = [m.body for m in app.screen.query_one(MessageLog).messages]
        assert posted and bodies == ["Morning, all. Slow start today.", "Tea helps.", "said while the page opened"]


async def test_unknown_channel_and_command_are_told_kindly_and_up_recalls_them(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"/join nowhere", "enter")
        await settle(pilot)
        assert app.screen.query_one(MessageBox).text == ""
        await pilot.press("up")
        assert app.screen.query_one(MessageBox).text == "/join nowhere"
        assert any("no channel called 'nowhere'" in n.message for n in app._notifications)


async def test_oversized_message_is_refused_kindly_and_draft_kept(world):
    """Oversized input: typed/pasted text over the limit is not sent and not truncated."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        box = app.screen.query_one(MessageBox)
        box.load_text("x" * 4100)
        await pilot.press("enter")
        await settle(pilot)
        assert len(box.text) == 4100
        assert any("4,000" in n.message for n in app._notifications)
        count = services.store.read_sync(lambda: Message.select().where(Message.body.startswith("xxx")).count())
        assert count == 0


async def test_live_message_from_another_session_appears(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        bea = await services.members.get(ids["bea"])
        channel = await services.channels.by_name("living-room")
        await services.channels.post(bea, channel.id, "[@click=app.quit]not a link[/]")
        await settle(pilot)
        assert app.screen.query_one(MessageLog).messages[-1].body == "[@click=app.quit]not a link[/]"
        assert app.is_running


@pytest.mark.parametrize("earlier", [0, 60], ids=["log-not-full", "log-full-and-scrolling"])
async def test_live_message_repaints_the_log_without_a_screen_layout(world, earlier):
    """Fan-out cost: a layout repaints every widget, in every receiving session, for every message.

    Growing the log's line count must not lay out the screen (only the scrollbar appearing may);
    the new line must still be drawn at the bottom of a log that was at the bottom.
    """
    services, ids = world
    add_messages(services, "living-room", ids["bea"], [f"earlier {i}" for i in range(earlier)])
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        log = app.screen.query_one(MessageLog)
        bea = await services.members.get(ids["bea"])
        channel = await services.channels.by_name("living-room")
        layouts = log._layout_updates
        for n in range(3):
            await services.channels.post(bea, channel.id, f"live {n}")
            await settle(pilot)
        assert log._layout_updates == layouts
        assert log.scroll_y == log.max_scroll_y
        rows = [log.render_line(y).text for y in range(log.scrollable_content_region.height)]
        shown = [row for row in rows if row.strip()]
        assert "live 2" in shown[-1] and "live 1" in shown[-2]


def _snapshot_app(world):
    """ann's app, with her day already begun: a fixed state to draw, rather than her session
    beginning it while the main screen loads (then the list first shows her row without spoons
    and redraws it when the day's change arrives)."""
    services, ids = world

    async def begin_day():
        await services.spoons.ensure_today(await services.members.get(ids["ann"]))

    run_sync(begin_day())
    return make_app(services, ids["ann"])


async def _wait_loaded(pilot):
    await settle(pilot)


def test_main_screen_snapshot_80x24(world, snap_compare):
    assert snap_compare(_snapshot_app(world), terminal_size=(80, 24), run_before=_wait_loaded)


def test_main_screen_snapshot_160x48(world, snap_compare):
    assert snap_compare(_snapshot_app(world), terminal_size=(160, 48), run_before=_wait_loaded)


def test_main_screen_snapshot_48x20(world, snap_compare):
    """A phone: the conversation the whole width, unread elsewhere in the title (Ctrl+K), and the
    key line on two lines with SOS, the crisis lines, help and the channel switcher."""
    assert snap_compare(_snapshot_app(world), terminal_size=(48, 20), run_before=_wait_loaded)


def test_main_screen_snapshot_30x10(world, snap_compare):
    """The smallest: a one-line box, no status bar, the crisis keys on the key line."""
    assert snap_compare(_snapshot_app(world), terminal_size=(30, 10), run_before=_wait_loaded)


async def test_sessions_showing_a_message_the_same_way_share_its_drawn_lines(world):
    """Memory and fan-out cost: fifty sessions viewing a channel draw each message identically,
    so its lines (and the strips Textual caches from them) exist once, not once per session."""
    services, ids = world
    drawn = []
    for member in ("ann", "bea"):
        app = make_app(services, ids[member])
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            drawn.append(list(app.screen.query_one(MessageLog)._lines))
    assert drawn[0] and len(drawn[0]) == len(drawn[1])
    assert all(a is b for a, b in zip(*drawn, strict=True))
    app = make_app(services, ids["sam"])
    async with app.run_test(size=(120, 30)) as pilot:  # another width: drawn for that width
        await settle(pilot)
        wider = app.screen.query_one(MessageLog)._lines
        assert wider and not any(line is drawn[0][0] for line in wider)


async def test_the_logs_kept_lines_paint_exactly_what_textual_would(world):
    """The log keeps its finished lines instead of letting Textual rebuild a screenful per
    message; what it paints must stay identical to Textual's own rendering: a full log, after
    live messages, scrolled back, focused, a partial crop, and after a style of the log and then
    of an ancestor changed (what it keeps of its styles must follow both)."""
    from textual.geometry import Region
    from textual.widget import Widget

    services, ids = world
    add_messages(services, "living-room", ids["bea"], [f"earlier {i} " + "word " * (i % 25) for i in range(60)])
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        log = app.screen.query_one(MessageLog)

        def same_as_textual(crop=None):
            crop = crop or Region(0, 0, log.region.width, log.region.height)
            ours = log.render_lines(crop)
            log._styles_cache.clear()
            theirs = Widget.render_lines(log, crop)
            assert [list(line) for line in ours] == [list(line) for line in theirs]

        same_as_textual()
        bea = await services.members.get(ids["bea"])
        channel = await services.channels.by_name("living-room")
        await services.channels.post(bea, channel.id, "live and long " * 8)
        await settle(pilot)
        same_as_textual()
        log.scroll_to(y=10, animate=False, immediate=True)
        await settle(pilot)
        same_as_textual()
        log.focus()
        await settle(pilot)
        same_as_textual()
        same_as_textual(Region(3, 2, 20, 5))
        # a style changed on the log, then on an ancestor only: what it keeps of its styles goes
        before = [list(line) for line in log.render_lines(Region(0, 0, log.region.width, 3))]
        log.styles.background = "darkred 50%"
        await settle(pilot)
        same_as_textual()
        app.screen.styles.color = "yellow"
        await settle(pilot)
        same_as_textual()
        assert [list(line) for line in log.render_lines(Region(0, 0, log.region.width, 3))] != before


async def test_a_message_at_the_bottom_leaves_the_log_as_textuals_reactives_would(world):
    """The fan-out path (``MessageLog._grow_at_bottom``) grows the log and keeps it at the bottom
    with ``set_reactive`` and one repaint, not Textual's reactives. Two sessions of ann take the
    same live messages, one by that path and one by Textual's reactives: the sizes, the scroll,
    the scrollbar's thumb, "new below", and the painted log and scrollbar must be the same after
    each. A message that grows the log by several lines is among them."""
    from textual.geometry import Region

    services, ids = world
    add_messages(services, "living-room", ids["bea"], [f"earlier {i}" for i in range(60)])
    lean, plain = make_app(services, ids["ann"]), make_app(services, ids["ann"])
    taken = []
    async with lean.run_test(size=(100, 30)) as lean_pilot, plain.run_test(size=(100, 30)) as plain_pilot:
        await settle(lean_pilot)
        await settle(plain_pilot)
        lean_log, plain_log = lean.screen.query_one(MessageLog), plain.screen.query_one(MessageLog)
        grow = lean_log._grow_at_bottom
        lean_log._grow_at_bottom = lambda: taken.append(grow()) or taken[-1]
        plain_log._grow_at_bottom = lambda: False

        def state(log):
            bar = log.vertical_scrollbar
            whole = Region(0, 0, log.region.width, log.region.height)
            return (
                (log.virtual_size, log.scroll_y, log.scroll_target_y, log.max_scroll_y, log.new_below),
                (bar.window_virtual_size, bar.window_size, bar.position),
                [list(line) for line in log.render_lines(whole)],
                [list(line) for line in bar.render_lines(Region(0, 0, 1, log.region.height))],
            )

        assert state(lean_log) == state(plain_log)
        bea = await services.members.get(ids["bea"])
        channel = await services.channels.by_name("living-room")
        for body in ["short one", "a long one" * 30, "and another"]:
            await services.channels.post(bea, channel.id, body)
            await wait_until(lambda body=body: lean_log.messages[-1].body == plain_log.messages[-1].body == body)
            await settle(lean_pilot)
            await settle(plain_pilot)
            assert state(lean_log) == state(plain_log), body
    assert taken == [True, True, True]  # the lean session took the fan-out path each time


async def test_own_message_is_handed_to_the_screen_before_anything_else_runs(world):
    """The sender's own line is painted with the emptied box, not after every receiving session's
    work (bench/fanout.py, 50 receivers: 373 -> 24 ms). White-box, because frame order between
    sessions is a timing matter: right after show_own_message, before the loop runs anything
    else, the log must already have handed its repaint to the screen (Textual's Update message)
    instead of waiting to be idle (or the log's dirty mark given to the screen directly)."""
    from textual import messages

    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        log = screen.query_one(MessageLog)
        ann = await services.members.get(ids["ann"])
        channel = await services.channels.by_name("living-room")
        message = await services.channels.post(ann, channel.id, "my own words")
        queued_before = list(screen._message_queue.values)
        screen.show_own_message(message)
        queued = [m for m in screen._message_queue.values if m not in queued_before]
        handed = log in screen._dirty_widgets  # the log's append hands its repaint over itself
        assert handed or any(isinstance(m, messages.Update) and m.widget is log for m in queued)
        assert not log._repaint_required
        await settle(pilot)
        assert log.messages[-1].body == "my own words"


@pytest.mark.parametrize("width", [40, 50, 80])
async def test_the_sos_key_is_first_in_the_footer_even_on_a_phone_width(world, width):
    """A member in crisis must find SOS on any screen: Textual's footer drops the keys that do not
    fit, in binding-chain order, and at 50 columns or fewer SOS used to be dropped. SOS and the
    crisis lines now come first (after the quick exit, Ctrl+X), on the main screen and on the
    screens opened from it."""
    from safespace_tui.tui.widgets.key_bar import KeyBar

    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)

        def shown_keys() -> list[str]:
            return app.screen.query_one(KeyBar).shown_descriptions

        assert shown_keys()[:3] == ["Quick exit", "SOS", "Crisis lines"]
        await pilot.press("f6")  # the check-in form
        await settle(pilot)
        assert shown_keys()[:3] == ["Quick exit", "SOS", "Crisis lines"]


async def test_clicking_a_key_on_the_bottom_line_runs_it(world):
    """The key line is one widget (not Textual's widget per key): a click runs the key under the
    pointer, as the Footer did: " ^x Quick exit  ^s SOS  f2 Crisis lines ..." """
    from safespace_tui.tui.screens.crisis import CrisisLinesScreen, SosConfirmScreen
    from safespace_tui.tui.widgets.key_bar import KeyBar

    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(KeyBar).shown_descriptions[:3] == ["Quick exit", "SOS", "Crisis lines"]
        await pilot.click(KeyBar, offset=(29, 0))  # on "Crisis lines"
        await settle(pilot)
        assert isinstance(app.screen, CrisisLinesScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.click(KeyBar, offset=(17, 0))  # on "^s"
        await settle(pilot)
        assert isinstance(app.screen, SosConfirmScreen)


async def test_a_hub_event_arriving_while_the_screen_is_taken_down_is_dropped_quietly(world):
    """Found by CI (a race, 1 run in many): an SOS message published 0.3 s after its alert reached
    a senior's screen whose widgets were already being removed at exit; the lookup raised and
    the session ended with an error. Late hub events for a screen that is going away are dropped."""
    from safespace_tui.services.channels import MessagePosted

    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        bea = await services.members.get(ids["bea"])
        channel = await services.channels.by_name("living-room")
        message = await services.channels.post(bea, channel.id, "late words")
        await settle(pilot)
        await screen.query_one(MessageLog).remove()  # as at exit: the widgets go first
        await app.session._channel_event(MessagePosted(message))  # must not raise
        app.session._member_event(bea)
        assert app.is_running


@pytest.mark.parametrize("width", [40, 60])
async def test_on_a_phone_width_the_conversation_gets_the_whole_width(world, width):
    """At 48 columns the side panes left the conversation 8 characters wide. Below 72 columns
    they are hidden; the channel title, the log and the box use the whole width, and Ctrl+N
    still moves between channels."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert not screen.query_one("#channels-pane").display and not screen.query_one("#members-pane").display
        assert screen.query_one(MessageLog).size.width >= width - 2
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current.name == "check-ins"
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:  # a terminal window: all three panes
        await settle(pilot)
        assert app.screen.query_one("#channels-pane").display and app.screen.query_one("#members-pane").display


async def test_here_shows_who_is_here_where_the_member_pane_is_hidden(world):
    """On a phone-width terminal the member pane is hidden; /here shows the same list (who is
    here, who is not, how they are) on a page, and Esc closes it."""
    from safespace_tui.tui.screens.text_page import TextPage

    services, ids = world
    services.presence.connected(ids["ann"], "member")  # as the SSH session does
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(50, 24)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#members-pane").display
        app.screen.query_one(MessageBox).load_text("/here")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextPage)
        page = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        here, not_here = page.split("Not here")
        assert "Here now" in here and "ann" in here
        assert "bea" in not_here and "sam" in not_here
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, TextPage)
        assert services.store.read_sync(lambda: Message.select().where(Message.body == "/here").count()) == 0


async def test_a_key_right_after_enter_is_kept_for_the_next_message(world):
    """Bad input (a fast typist): "/" arrives while Enter is still being handled. It used to go
    into the box before the send emptied the box, and was erased with it, so "/status low"
    typed next went out to everyone as the message "status low". The box now gives up its text
    at Enter, and what is typed after stays."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        box = app.screen.query_one(MessageBox)
        box.load_text("first note")
        # both queued before either is handled, as keys from one busy moment are
        box.post_message(events.Key("enter", "\r"))
        box.post_message(events.Key("slash", "/"))
        await settle(pilot)
        assert box.text == "/"
        bodies = services.store.read_sync(lambda: [m.body for m in Message.select().order_by(Message.id)])
        assert bodies[-1] == "first note"


async def test_ten_arrivals_and_ten_departures_at_once_cost_the_member_list_two_redraws_each(tmp_path):
    """Every session repaints its member list for every presence change anywhere: with 200
    connected, one arrival cost ~1.0 s of server CPU (~6.6 ms per session), and ten arrivals in a
    second ten repaints in every session. Changes heard together are drawn together, and every
    one of them is on the list."""
    services = build_services(tmp_path)
    others = [f"m{i}" for i in range(10)]
    ids = seed(services, tmp_path, {"ann": "member"} | dict.fromkeys(others, "member"))
    try:
        app = make_app(services, ids["ann"])
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            members = app.screen.query_one(MemberList)
            redraws = []
            draw = members._redraw
            members._redraw = lambda: (redraws.append(1), draw())[-1]  # the real redraw, counted

            def here_now() -> set[str]:
                lines = members.plain_lines()
                if "Here now" not in lines:
                    return set()
                here = lines[lines.index("Here now") + 1 :]
                here = here[: here.index("Not here")] if "Not here" in here else here
                return {line.split()[1] for line in here}

            for name in others:  # heard one after another, as members arriving in the same moment
                services.presence.connected(ids[name], "member")
            await wait_until(lambda: here_now() == set(others), what=lambda: f"here now: {here_now()}")
            assert len(redraws) <= 2, f"{len(redraws)} redraws for 10 arrivals"

            redraws.clear()
            for name in others:
                services.presence.disconnected(ids[name])
            await wait_until(lambda: not here_now(), what=lambda: f"still here: {here_now()}")
            assert len(redraws) <= 2, f"{len(redraws)} redraws for 10 departures"
    finally:
        services.store.close()


def test_with_many_online_each_session_draws_presence_changes_less_often_and_further_apart():
    """A round of member-list repaints costs ~2.5 ms per session: with 200 online, drawing every
    change within 0.3 s stalled everyone's typing for seconds while ten members left one a second
    (bench/departures.py at 200: keystroke p99 81 ms calm, 3,572 ms). With a small group a change
    is still drawn within 0.3 s of a quiet spell; with 200 online, within 4 s, each session at a
    moment of its own, and at most every 4 s (departures at 200: p99 2.0x calm)."""
    from safespace_tui.tui.widgets.member_list import redraw_wait

    assert redraw_wait(since_drawn=60, online=10, chance=1.0) == pytest.approx(0.3)
    assert redraw_wait(since_drawn=0.1, online=10, chance=0.0) == pytest.approx(0.4)
    assert redraw_wait(since_drawn=60, online=200, chance=0.0) == 0.0  # a lone change after a quiet spell
    assert redraw_wait(since_drawn=60, online=200, chance=1.0) == pytest.approx(4.0)
    assert redraw_wait(since_drawn=0.5, online=200, chance=0.5) == pytest.approx(3.5 + 2.0)


async def test_a_long_member_list_fits_beside_its_scrollbar_from_the_first_frame(tmp_path):
    """A list longer than its pane gets a scrollbar, which narrows it: its lines were drawn for the
    width without one (spoons bars cut, a sideways scrollbar) until the next change anywhere,
    which then laid out the whole screen in every session."""
    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {f"m{i:02d}": "member" for i in range(40)})
    try:
        app = make_app(services, ids["m00"])
        async with app.run_test(size=(100, 30)) as pilot:
            members = app.screen.query_one(MemberList)
            await wait_until(lambda: members.show_vertical_scrollbar and len(members.plain_lines()) > 40)
            await settle(pilot)
            width = members.scrollable_content_region.width
            assert {line.cell_length for line in members._lines} == {width}
            assert not members.show_horizontal_scrollbar
    finally:
        services.store.close()


async def test_the_first_to_leave_repaints_no_line_above_the_change(tmp_path):
    """The first member to leave adds the "Not here" title, the last to come removes it: the line
    count changes, and every session repainted every line of its pane (27 at 100x30). Only lines
    from the first changed one down are repainted: none when that is below the pane."""
    services = build_services(tmp_path)
    names = [f"m{i:02d}" for i in range(40)] + ["zed"]  # zed sorts last: below the pane
    ids = seed(services, tmp_path, dict.fromkeys(names, "member"))
    for name in names:
        services.presence.connected(ids[name], "member")
    try:
        app = make_app(services, ids["m00"])
        async with app.run_test(size=(100, 30)) as pilot:
            members = app.screen.query_one(MemberList)
            await wait_until(lambda: "Here now" in members.plain_lines())
            await settle(pilot)
            painted = []
            paint = members.render_line
            members.render_line = lambda y: (painted.append(y), paint(y))[-1]  # the real one, counted
            services.presence.disconnected(ids["zed"])
            await wait_until(lambda: "Not here" in members.plain_lines())
            await settle(pilot)
            services.presence.connected(ids["zed"], "member")
            await wait_until(lambda: "Not here" not in members.plain_lines())
            await settle(pilot)
            assert painted == []
    finally:
        services.store.close()


async def test_two_sessions_share_the_member_lines_they_both_show(world):
    """A member's line looks the same in every session at one width, so it is drawn once for all
    of them (with 200 connected, a change was drawn 200 times and every session kept its own copy
    of every line)."""
    services, ids = world
    drawn = []
    for viewer in ("ann", "bea"):
        app = make_app(services, ids[viewer])
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            members = app.screen.query_one(MemberList)
            sam = next(i for i, line in enumerate(members.plain_lines()) if "sam" in line)
            drawn.append(members._lines[sam])
    assert drawn[0] is drawn[1]


async def test_a_change_made_while_the_member_list_loads_is_not_lost(world):
    """Race: bea changes her status in the moment ann's screen has read the member list but not
    yet drawn it. The change is published on the hub then; ann's list must show it (it used to be
    subscribed only after the read, and kept the stale row until bea's next change)."""
    services, ids = world
    read_members = services.members.list

    async def read_then_bea_changes(*args, **kwargs):
        members = await read_members(*args, **kwargs)
        await services.members.set_status(
            next(m for m in members if m.id == ids["bea"]), "low"
        )  # the real service: saved, then published
        return members

    services.members.list = read_then_bea_changes
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(MemberList).member(ids["bea"]).status == "low"


async def test_a_long_open_session_keeps_a_bounded_log_and_scrolling_up_loads_the_rest(world, monkeypatch):
    """Issue 15: the log of a session that stays open kept every message that arrived, and its
    lines, forever. It keeps the newest MAX_MESSAGES (dropped TRIM_EVERY at a time; 1,000 and 100
    in the product, 30 and 10 here), and scrolling to the top loads older ones again, as history."""
    from safespace_tui.tui.widgets import message_log

    monkeypatch.setattr(message_log, "MAX_MESSAGES", 30)
    monkeypatch.setattr(message_log, "TRIM_EVERY", 10)
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        log = app.screen.query_one(MessageLog)
        bea = await services.members.get(ids["bea"])
        for i in range(60):
            await services.channels.post(bea, app.screen.current.id, f"live {i}")  # 60 at once: past flood control
            await settle(pilot)
        bodies = [m.body for m in log.messages]
        assert 30 <= len(bodies) <= 40 and bodies[-1] == "live 59" and "live 0" not in bodies
        assert log.has_older and len(log._lines) == sum(log._line_counts)
        oldest = log.messages[0].id
        log.scroll_home(animate=False, immediate=True)
        for _ in range(100):
            await settle(pilot)
            if log.messages[0].id < oldest:
                break
        assert log.messages[0].id < oldest and "live 0" in [m.body for m in log.messages]


async def test_a_message_saved_just_before_ones_own_is_shown_when_it_arrives_after_it(world):
    """The sender's own line is drawn the moment it is saved; the hub's copy of bea's message,
    saved just before, reaches this session after it. It is shown, in its place (it used to be
    dropped as "already shown": under load, bea's words never appeared on ann's screen)."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        log = app.screen.query_one(MessageLog)
        ann, bea = await services.members.get(ids["ann"]), await services.members.get(ids["bea"])
        channel = await services.channels.by_name("living-room")
        hers = await services.channels.post(bea, channel.id, "saved first")
        mine = await services.channels.post(ann, channel.id, "saved second")
        await settle(pilot)
        log.set_messages([m for m in log.messages if m.id < hers.id], has_older=False)  # as before either arrived
        log.append(mine)  # the own message, drawn at once
        log.append(hers)  # the hub's copy of bea's, after it
        log.append(hers)  # a copy shown already changes nothing
        await settle(pilot)
        assert [m.body for m in log.messages][-2:] == ["saved first", "saved second"]
        assert app.screen.query_one(MessageLog).messages.count(hers) == 1


async def test_a_message_arriving_while_the_channel_is_read_stays_on_screen(world):
    """Opening a channel reads its newest page, then shows it; a message saved after the read
    arrives live in between. The page must not wipe it. (A message that later leaves the channel,
    moved to #911 say, is not kept: only what arrived during the read is added.)"""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        session = app.session
        ann = await services.members.get(ids["ann"])
        channel = next(c for c in session.main.channels if c.name == "wins")
        page = await services.channels.history(ann, channel.id)
        # saved after the read; its one copy from the hub arrives while the page is being read
        late = dataclasses.replace(page[-1], id=page[-1].id + 100, body="said while it loaded")
        opening = asyncio.create_task(session._show(channel))
        await asyncio.sleep(0)  # the page is being read (in the store's reader thread)
        session._message_arrived(late)
        await opening
        await settle(pilot)
        assert [m.body for m in app.screen.query_one(MessageLog).messages] == [
            "I went for a walk.",
            "said while it loaded",
        ]


BREAKPOINTS = {"-narrow", "-normal", "-wide", "-short", "-tall"}


@pytest.mark.parametrize(
    ("size", "classes"),
    [((100, 30), {"-normal", "-tall"}), ((60, 12), {"-narrow", "-short"}), ((130, 40), {"-wide", "-tall"})],
)
async def test_the_screen_is_styled_as_its_widgets_mount_and_not_again_when_first_shown(
    world, monkeypatch, size, classes
):
    """Each widget is styled as it mounts, with the screen's breakpoint classes already set
    (``fit_breakpoints``): Textual restyled the whole screen again when it was first shown and
    again at its first resize, which set those classes. Neither happens now; a later resize across
    a breakpoint still restyles. Red without ``fit_breakpoints`` (one restyle at the resize) and
    red without ``on_screen_resume`` (one when shown)."""
    from safespace_tui.tui.screens.main import MainScreen

    services, ids = world
    restyles: list[str] = []
    restyle = MainScreen.update_node_styles
    monkeypatch.setattr(
        MainScreen, "update_node_styles", lambda self, *a, **k: (restyles.append("screen"), restyle(self, *a, **k))
    )
    app = make_app(services, ids["ann"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.session.main
        assert app.screen is screen and set(screen.classes) & BREAKPOINTS == classes
        assert restyles == []
        later, later_classes = (
            ((100, 30), {"-normal", "-tall"}) if size == (60, 12) else ((60, 12), {"-narrow", "-short"})
        )
        await pilot.resize_terminal(*later)  # a later resize across a breakpoint still restyles
        await pilot.pause()
        assert set(screen.classes) & BREAKPOINTS == later_classes and restyles == ["screen"]
