"""Issue 12, everyday chat at every width: nothing typed is lost, catching up, finding things,
getting around at phone width. Pilot tests with a real store and the real services."""

from __future__ import annotations

import pytest
from textual import events
from textual.geometry import Region

from appkit import add_messages, build_services, make_app, seed
from harness import wait_until
from safespace_tui.store.models import Message
from safespace_tui.tui.screens.crisis import ChoiceScreen
from safespace_tui.tui.screens.finding import ChannelSwitcher, FoundScreen
from safespace_tui.tui.widgets.channel_list import ChannelList
from safespace_tui.tui.widgets.key_bar import KeyBar
from safespace_tui.tui.widgets.member_list import MemberList
from safespace_tui.tui.widgets.message_box import MessageBox
from safespace_tui.tui.widgets.message_log import NEW_SINCE, MessageLog


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


def box(app) -> MessageBox:
    return app.screen.query_one(MessageBox)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def bodies(services) -> list[str]:
    return services.store.read_sync(lambda: [m.body for m in Message.select().order_by(Message.id)])


# -- typed text is never lost ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (48, 20)])
async def test_typing_while_the_conversation_has_the_focus_goes_into_the_box(world, size):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.screen.query_one(MessageLog).focus()
        await pilot.press(*"hello")
        assert box(app).text == "hello" and box(app).has_focus
        app.screen.query_one(MessageLog).focus()
        await pilot.pause()
        app.post_message(events.Paste("x" * 3000))  # as the driver does: to the focused widget
        await settle(pilot)
        assert box(app).text == "hello" + "x" * 3000
        app.screen.query_one(MessageLog).focus()
        await pilot.pause()
        app.post_message(events.Paste("y" * 6000))  # more than a message holds: said, never silent
        await settle(pilot)
        assert box(app).text == "hello" + "x" * 3000
        await wait_until(lambda: any("That paste is very long (6,000 characters)" in note for note in notes(app)))


async def test_typing_while_the_channel_list_has_the_focus_goes_into_the_box(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one(ChannelList).focus()
        await pilot.press(*"hi ann")
        assert box(app).text == "hi ann"


async def test_typing_while_the_member_list_has_the_focus_goes_into_the_box(world):
    """The member list has Up, Down and Enter of its own; a letter or a slash is writing."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one(MemberList).focus()
        await pilot.press(*"/members")
        assert box(app).text == "/members"


async def test_a_refused_command_leaves_the_box_empty_and_up_brings_it_back(world):
    """It stayed in the box and the next words were glued to it ("/quiet-members 3/join …")."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"/quiet-members 3", "enter")
        await settle(pilot)
        assert box(app).text == ""
        assert any("for senior members" in note for note in notes(app))
        assert any("Press Up" in note for note in notes(app))
        await pilot.press(*"/stauts low", "enter")
        await settle(pilot)
        assert box(app).text == ""
        await pilot.press("up")
        assert box(app).text == "/stauts low"
        await pilot.press("up")
        assert box(app).text == "/quiet-members 3"
        await pilot.press("down")
        assert box(app).text == "/stauts low"
        await pilot.press("down")
        assert box(app).text == ""
        await pilot.press(*"hope the bath helps", "enter")
        await settle(pilot)
        assert bodies(services)[-1] == "hope the bath helps"


async def test_up_in_a_draft_moves_the_cursor_and_recalls_nothing(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"sent", "enter")
        await settle(pilot)
        await pilot.press(*"a draft", "up")
        assert box(app).text == "a draft"


async def test_ctrl_q_with_a_draft_asks_first_and_stay_keeps_it(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"half a thought", "ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen) and app.screen.id == "leave"
        assert app.is_running
        await pilot.press("2")
        await settle(pilot)
        assert app.is_running and box(app).text == "half a thought"
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("1")
        await wait_until(lambda: not app.is_running)


async def test_ctrl_q_without_a_draft_leaves_at_once(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await wait_until(lambda: not app.is_running)


async def test_ctrl_c_gives_safe_spaces_own_leave_prompt(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(48, 20)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen) and app.screen.id == "leave"
        assert not any("ctrl+q" in note.lower() for note in notes(app))
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and not isinstance(app.screen, ChoiceScreen)


# -- catching up -----------------------------------------------------------------------------------------


async def test_new_since_you_were_last_here_line_sits_after_what_was_read(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        log = app.screen.query_one(MessageLog)
        assert not any(NEW_SINCE in log.render_line(y).text for y in range(log.size.height))  # a first visit
        bea = await services.members.get(ids["bea"])
        channel = app.screen.current
        await pilot.press("ctrl+n")  # away to #check-ins
        await settle(pilot)
        await services.messages.send(bea, channel.id, "while you were away")
        await pilot.press("ctrl+b")
        await settle(pilot)
        lines = [log.render_line(y).text for y in range(log.size.height)]
        marked = next(i for i, line in enumerate(lines) if NEW_SINCE in line)
        assert "Tea helps." in lines[marked - 1] and "while you were away" in lines[marked + 1]


@pytest.mark.parametrize("size", [(80, 24), (48, 20)])
async def test_scrolled_up_new_messages_are_counted_and_one_key_jumps_to_them(world, size):
    services, ids = world
    add_messages(services, "living-room", ids["bea"], [f"earlier {i}" for i in range(40)])
    app = make_app(services, ids["ann"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        log = app.screen.query_one(MessageLog)
        assert box(app).has_focus
        before = log.scroll_y
        await pilot.press("pageup")  # scrolls the conversation, the focus stays in the box
        await settle(pilot)
        assert log.scroll_y < before and box(app).has_focus
        bea = await services.members.get(ids["bea"])
        for word in ("one", "two"):
            await services.messages.send(bea, app.screen.current.id, word)
        await wait_until(lambda: log.new_below == 2)
        marker = app.screen.query_one("#new-below")
        assert marker.display and "↓ 2 new messages" in str(marker.render())
        await pilot.press("ctrl+end")
        await settle(pilot)
        assert log.scroll_y == log.max_scroll_y and not marker.display and box(app).has_focus
        await pilot.press("pageup", "pagedown", "pagedown")
        await settle(pilot)
        assert log.scroll_y == log.max_scroll_y


async def test_after_a_resize_the_view_stays_at_the_bottom(world):
    services, ids = world
    add_messages(services, "living-room", ids["bea"], [f"earlier {i}" for i in range(40)])
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        log = app.screen.query_one(MessageLog)
        for size in ((80, 40), (48, 20), (80, 12), (120, 40)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            assert log.scroll_y == log.max_scroll_y, size


# -- mentions and search ---------------------------------------------------------------------------------


async def test_tab_completes_an_at_name(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"thanks @be", "tab")
        assert box(app).text == "thanks @bea "
        await pilot.press(*"and @s", "tab")
        assert box(app).text == "thanks @bea and @sam "


async def test_search_lists_where_who_and_when_and_enter_shows_it_in_context(world):
    services, ids = world
    add_messages(services, "wins", ids["bea"], ["The bath helped a lot."] + [f"filler {i}" for i in range(60)])
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"/search bath", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FoundScreen)
        shown = " ".join(str(option.prompt) for option in app.screen.query_one("OptionList")._options)
        assert "#wins" in shown and "bea" in shown and "09:30" in shown and "bath helped" in shown
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.current.name == "wins"
        log = app.screen.query_one(MessageLog)
        visible = [log.render_line(y).text for y in range(log.size.height)]
        assert any("The bath helped a lot." in line for line in visible)


async def test_search_never_finds_what_the_member_may_not_read(world):
    services, ids = world
    sam = await services.members.get(ids["sam"])
    channel = await services.channels.by_name("living-room")
    await services.channels.post(sam, channel.id, "seniors-only bath note", visibility="seniors")
    ann = await services.members.get(ids["ann"])
    assert [f.message.body for f in await services.search.search(sam, "bath")] == ["seniors-only bath note"]
    assert await services.search.search(ann, "bath") == []
    hidden = (await services.search.search(sam, "bath"))[0].message.id
    from safespace_tui.services.errors import NotFound

    with pytest.raises(NotFound):
        await services.search.context(ann, hidden)


async def test_search_words_are_words_not_query_syntax(world):
    services, ids = world
    ann = await services.members.get(ids["ann"])
    for typed in ('"tea', "tea*", "tea) (hel", "^tea", "tea:", "(tea"):
        assert [f.message.body for f in await services.search.search(ann, typed)] == ["Tea helps."], typed


async def test_mentions_lists_where_you_were_named_since_you_last_looked(world):
    services, ids = world
    bea = await services.members.get(ids["bea"])
    ann = await services.members.get(ids["ann"])
    channel = await services.channels.by_name("wins")
    await services.channels.post(bea, channel.id, "well done @ann!")
    await services.channels.post(bea, channel.id, "and @anna is someone else")
    await services.channels.post(bea, channel.id, "ann said the walk helped")  # named, not mentioned
    found, fresh = await services.search.mentions(ann)
    assert fresh and [f.message.body for f in found] == ["well done @ann!"]
    found, fresh = await services.search.mentions(ann)
    assert not fresh and [f.message.body for f in found] == ["well done @ann!"]  # nothing new: the last ones


# -- phone width ---------------------------------------------------------------------------------


async def test_at_phone_width_the_switcher_shows_unread_counts_and_goes_there(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(48, 20)) as pilot:
        await settle(pilot)
        title = app.screen.query_one("#channel-title")
        assert "1 unread: Ctrl+K" in str(title.render())
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert isinstance(app.screen, ChannelSwitcher)
        shown = [str(option.prompt) for option in app.screen.query_one("OptionList")._options]
        assert any("#wins" in line and "1 unread" in line for line in shown)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert app.screen.current.name == "wins"
        assert "unread" not in str(app.screen.query_one("#channel-title").render())


@pytest.mark.parametrize("screen_key", [None, "f3", "f6"])
async def test_the_key_line_at_48_columns_keeps_sos_crisis_help_and_the_main_keys(world, screen_key):
    """At 48 columns the alerts pane lost Close (r) and #911 (t), and labels were cut mid-word."""
    services, ids = world
    app = make_app(services, ids["sam"])
    async with app.run_test(size=(48, 20)) as pilot:
        await settle(pilot)
        if screen_key:
            await pilot.press(screen_key)
            await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        shown = bar.shown_descriptions
        assert shown[:4] == ["Quick exit", "SOS", "Crisis lines", "Help"], shown
        main = {None: ["Channels"], "f3": ["I'm with you", "#911", "Close…"], "f6": ["Save"]}[screen_key]
        assert all(key in shown for key in main), shown
        rendered = str(bar.render()).split("\n")
        assert all(len(line) <= 48 for line in rendered)
        assert all(label in "\n".join(rendered) for label in ("Exit", "SOS", "Crisis", "Help"))
        for row, start, end, (_key, key_shown, description, _enabled) in bar._spans:  # whole labels only
            assert end <= 48 and rendered[row][start:end].strip().startswith(key_shown), description


# -- who is here ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (48, 20)])
async def test_the_symbols_are_explained_and_a_status_note_is_seen_by_others(world, size):
    from safespace_tui.tui.screens.text_page import TextPage
    from safespace_tui.tui.widgets.member_list import MemberList

    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        bea = await services.members.get(ids["bea"])
        await services.members.set_status(bea, "low", "taking a bath, back later")
        members = app.screen.query_one(MemberList)
        await wait_until(lambda: any("taking a bath" in line for line in members.plain_lines()))
        lines = members.plain_lines()
        assert "● available" in lines[0] and "◐ low" in "\n".join(lines[:4])
        bea_line = next(line for line in lines if "bea" in line)
        assert bea_line.lstrip().startswith("◐")  # the symbol first: a cut name never hides it
        await pilot.press(*"/here", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TextPage)
        page = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "☾ recharging" in page and "○ offline" in page and "taking a bath, back later" in page


@pytest.mark.parametrize("size", [(80, 24), (48, 20)])
async def test_a_check_in_error_scrolls_into_view_at_every_width(world, size):
    """A check-in without a mood "did nothing" at 48 columns: its error was below the screen."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("ctrl+o")
        error = app.screen.query_one("#checkin-error")
        form = app.screen.query_one("#checkin-form")

        def in_view() -> bool:
            text = str(error.render())
            return bool(text.strip()) and form.region.contains(error.region.x, error.region.y)

        await wait_until(in_view, what=lambda: f"error at {error.region}, form shows {form.region}")


async def test_the_times_zone_is_named_once_and_follows_timezone(world):
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        title = app.screen.query_one("#channel-title")
        assert "times: UTC" in str(title.render())
        await pilot.press(*"/timezone Asia/Tokyo", "enter")
        await settle(pilot)
        assert "times: JST" in str(title.render())
        assert "18:30" in app.screen.query_one(MessageLog).render_line(0).text


async def test_mentions_opens_the_list_and_enter_goes_there(world):
    services, ids = world
    bea = await services.members.get(ids["bea"])
    wins = await services.channels.by_name("wins")
    await services.channels.post(bea, wins.id, "thank you @ann, that helped")
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(48, 20)) as pilot:
        await settle(pilot)
        await pilot.press(*"/mentions", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FoundScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.current.name == "wins"
        log = app.screen.query_one(MessageLog)
        assert any("thank you @ann" in log.render_line(y).text for y in range(log.size.height))


def test_a_schema_3_file_is_moved_to_7_and_its_messages_can_be_found(tmp_path):
    """The search index is built for what was said before the upgrade; the step runs once."""
    import sqlite3

    from safespace_tui.store.db import Store
    from safespace_tui.store.migrations import SCHEMA_VERSION

    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member"})
    add_messages(services, "living-room", ids["ann"], ["an old note about lavender"])
    path = services.config.db_path
    services.store.close()
    with sqlite3.connect(path) as db:  # as a version-3 file was: no index, no marker table, no archive
        for trigger in ("ai", "ad", "au"):
            db.execute(f"DROP TRIGGER message_search_{trigger}")
        db.execute("DROP TABLE message_search")
        db.execute("DROP TABLE mentions_seen")
        db.execute("ALTER TABLE channel DROP COLUMN archived_at")
        db.execute("UPDATE schema_version SET version = 3")
    store = Store(path)
    try:
        assert store.schema_version == SCHEMA_VERSION
        from safespace_tui.services.search import SearchService
        from safespace_tui.services.views import MemberView

        ann = MemberView(ids["ann"], "ann", "ann", "member")
        found = store.read_sync(lambda: SearchService(store)._matching(ann, '"lavender"', 10))
        assert [f.message.body for f in found] == ["an old note about lavender"]
    finally:
        store.close()


@pytest.mark.parametrize("size", [(80, 24), (48, 20)])
async def test_a_link_starts_its_own_line_and_is_never_cut_by_other_words(world, size):
    """Lines wrap at spaces, so a link that fits is never split; one longer than the line starts a
    line of its own and runs on, unbroken, over the next ones (read back whole from the lines)."""
    services, ids = world
    link = "https://example.org/" + "a-long-path/" * 6
    add_messages(services, "living-room", ids["bea"], [f"look at {link} when you can"])
    app = make_app(services, ids["ann"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        log = app.screen.query_one(MessageLog)
        lines = [log.render_line(y).text[6:].rstrip() for y in range(log.size.height)]
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("https://"))
        joined = ""
        for line in lines[start:]:
            joined += line.strip()
            if len(joined) >= len(link):
                break
        assert joined.startswith(link), (joined, lines)


# -- text from every script --------------------------------------------------------------------------


def test_right_to_left_runs_are_isolated_for_display_and_typed_isolates_never_kept():
    from safespace_tui.text import clean_text, isolate_rtl

    assert isolate_rtl("hi שלום עולם ok") == "hi \u2068שלום עולם\u2069 ok"  # noqa: RUF001 - Hebrew on purpose
    assert isolate_rtl("مرحبا 12 يا, hi") == "\u2068مرحبا 12 يا\u2069, hi"  # noqa: RUF001 - Arabic on purpose
    assert isolate_rtl("plain words, café") == "plain words, café"
    assert clean_text("a \u2068\u202eevil\u2069 b") == "a evil b"  # a member's own isolates and overrides go


async def test_emoji_sequences_and_hebrew_keep_the_pane_borders_in_place(world):
    """❤️‍🩹, 🏳️‍🌈, a family, a flag and a skin tone, measured as Rich (and wcwidth) measure them:
    every conversation line is exactly the pane's width, so the border beside it stays put."""
    from rich.cells import cell_len

    services, ids = world
    add_messages(services, "living-room", ids["bea"], ["mending ❤️‍🩹 🏳️‍🌈 👨‍👩‍👧 🇬🇧 👍🏽 שלום עולם " * 3])
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        log = app.screen.query_one(MessageLog)
        widths = {log.render_line(y).cell_length for y in range(log.size.height)}
        assert len(widths) == 1  # every line the same width, emoji or not
        rows = [strip.text for strip in app.screen._compositor.render_strips()]
        border_columns = {cell_len(row[: row.index("▏")]) for row in rows[:18] if "▏" in row}
        assert len(border_columns) == 1, rows
        stored = services.store.read_sync(lambda: Message.select().order_by(Message.id.desc()).first().body)
        assert "❤️\u200d🩹" in stored


async def test_notices_stand_above_the_key_line_and_wait_while_the_crisis_lines_are_open(world):
    from safespace_tui.tui.screens.crisis import CrisisLinesScreen

    Toast = "Toast"  # Textual's toast widget, found by its type name (its module is private)

    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(48, 20), notifications=True) as pilot:
        await settle(pilot)
        app.session.tell("An everyday notice, long enough to wrap on a phone.", timeout=60)
        bar = app.screen.query_one(KeyBar)

        def toasts_clear_of_the_keys() -> bool:
            toasts = list(app.screen.query(Toast))
            return bool(toasts) and all(t.region.height and t.region.bottom <= bar.region.y for t in toasts)

        await wait_until(toasts_clear_of_the_keys, what=lambda: f"{[t.region for t in app.screen.query(Toast)]}")
        assert all(t.region.width <= 48 for t in app.screen.query(Toast))
        await pilot.press("f2")
        await wait_until(lambda: isinstance(app.screen, CrisisLinesScreen))
        app.session.tell("Another everyday notice.", timeout=60)
        await wait_until(lambda: len(app.screen.query(Toast)), what="the second notice (in the DOM, hidden)")
        assert all(t.styles.visibility == "hidden" for t in app.screen.query(Toast) if "-information" in t.classes)


async def test_sessions_that_show_a_channel_alike_share_its_finished_lines(world):
    """The message log's finished lines (``KeptLines.share_finished_lines``) are made once for every
    session showing a channel at one width: the very same objects, drawn as an unshared log draws
    them. A message one member selects is reversed on her screen only, and another width draws
    its own lines."""
    services, ids = world
    add_messages(services, "living-room", ids["bea"], [f"earlier {i}" for i in range(30)])
    ann, bea = make_app(services, ids["ann"]), make_app(services, ids["bea"])

    def drawn(log: MessageLog) -> list:
        return log.render_lines(Region(0, 0, log.size.width, log.size.height))

    def looks(lines) -> list:
        return [[(segment.text, segment.style) for segment in line] for line in lines]

    def reversed_lines(lines) -> list[str]:
        return [line.text for line in lines if any(s.style and s.style.reverse for s in line)]

    async with ann.run_test(size=(100, 30)) as ann_pilot:
        await settle(ann_pilot)
        async with bea.run_test(size=(100, 30)) as bea_pilot:
            await settle(bea_pilot)
            ann_log, bea_log = ann.screen.query_one(MessageLog), bea.screen.query_one(MessageLog)
            ann_lines, bea_lines = drawn(ann_log), drawn(bea_log)
            assert [id(line) for line in ann_lines] == [id(line) for line in bea_lines]
            assert "earlier 29" in " ".join(line.text for line in ann_lines)
            bea_log.share_finished_lines = False
            bea_log._forget_lines()
            assert looks(drawn(bea_log)) == looks(ann_lines)  # what a log of its own draws
            del bea_log.share_finished_lines

            ann_log.focus()  # selection mode: the newest message is highlighted
            await ann_pilot.pause()
            assert reversed_lines(drawn(ann_log)) and not reversed_lines(drawn(bea_log))

            await bea_pilot.resize_terminal(80, 30)
            await settle(bea_pilot)
            assert not {id(line) for line in drawn(bea_log)} & {id(line) for line in drawn(ann_log)}


async def test_the_member_list_highlight_follows_the_cursor_and_goes_with_the_focus(world):
    """The member list keeps its painted lines (``KeptLines``) between repaints: the highlighted
    line must still move with Down and go when the focus leaves, not stay as it was kept."""
    services, ids = world
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        members = app.screen.query_one(MemberList)

        def highlighted() -> list[str]:
            lines = members.render_lines(Region(0, 0, members.size.width, members.size.height))
            return [line.text.strip() for line in lines if any(s.style and s.style.reverse for s in line)]

        assert highlighted() == []
        members.focus()
        await pilot.pause()
        first = highlighted()
        assert len(first) == 1, first
        await pilot.press("down")
        await pilot.pause()
        second = highlighted()
        assert len(second) == 1 and second != first, (first, second)
        box(app).focus()
        await pilot.pause()
        assert highlighted() == []
