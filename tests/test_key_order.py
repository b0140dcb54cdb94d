"""A key's whole journey through the app ends before the next key is handed over (textual_fixes
fix 9, ssh/driver.py).

Tab travels from the focused box up through each container to the app, where its binding moves
the focus. On a busy machine one hop of that took longer than the driver's old fixed wait (0.25 s)
and the next key overtook it: a "1" meant for the mood went into the spoons box (CI, the seniors'
pane story). Here one hop is slow on purpose, a container whose key handler takes 0.4 s, so the
old wait loses the race every time (checked: both tests fail on the driver before the fix).
The last test keeps a lone Esc apart from the letter after it when the loop was too busy to run
the timer that resolves it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import pytest
from textual.app import App, ComposeResult
from textual.constants import ESCAPE_DELAY
from textual.containers import Vertical
from textual.widgets import Button, Input

from harness import wait_until
from safespace_tui.ssh.driver import SSHDriver, attach_terminal
from safespace_tui.ssh.input_budget import KeyBudget
from safespace_tui.tui import textual_fixes
from safespace_tui.tui.textual_fixes import TrackedKey

SLOW_HOP = 0.4  # seconds; longer than the old fixed wait, short enough for a quick test


@pytest.fixture(autouse=True)
def _apply_fixes() -> None:
    textual_fixes.apply()


class SlowHop(Vertical):
    """Every key bubbles through here on its way to the app's bindings: a slow step."""

    async def on_key(self) -> None:
        await asyncio.sleep(SLOW_HOP)


class TwoBoxes(App[None]):
    def compose(self) -> ComposeResult:
        with SlowHop():
            yield Input(id="first")
            yield Input(id="second")


class Channel:
    """The driver's other end (ssh/driver.py ``Terminal``), kept in memory: what the SSH session
    gives the driver, without the network (the key order is decided after it)."""

    size = (80, 24)

    def __init__(self) -> None:
        self.key_budget = KeyBudget()
        self.driver: SSHDriver | None = None

    def write_output(self, data: str) -> None:
        pass

    def attach(self, driver: SSHDriver) -> None:
        self.driver = driver

    def pause_input(self) -> None:
        pass

    def resume_input(self) -> None:
        pass


@contextlib.asynccontextmanager
async def driven(app: App[None], channel: Channel | None = None, *, focused: bool = False):
    """``app`` run by the real SSH driver on an in-memory channel, until the block ends; yields the
    driver once the app has started (and, if ``focused``, once a widget has the focus)."""
    channel = channel or Channel()
    app.driver_class = SSHDriver
    attach_terminal(app, channel)
    running = asyncio.create_task(app.run_async(size=channel.size, mouse=False))
    try:
        await wait_until(lambda: channel.driver and (app.focused or not focused), 10, "the app never started")
        assert channel.driver is not None
        yield channel.driver
    finally:
        app.exit()
        await running


async def test_a_tracked_key_is_done_only_after_its_binding_ran() -> None:
    """``done`` is set when the key has left the last queue: by then Tab's binding has moved the
    focus, however slow a hop was. The key also reaches ``on_key`` handlers as a plain key would."""
    app = TwoBoxes()
    async with app.run_test():
        assert app.focused is not None and app.focused.id == "first"
        key = TrackedKey("tab")
        app.post_message(key)
        await asyncio.wait_for(key.done.wait(), 10)
        assert app.focused.id == "second"
        assert key.hops == 0


async def test_the_key_after_tab_waits_for_tab_to_move_the_focus(caplog: pytest.LogCaptureFixture) -> None:
    """Tab and "1" in one packet over the driver: the "1" lands in the second box, because Tab was
    seen to finish (not because the driver's upper bound on a key ran out)."""
    caplog.set_level(logging.DEBUG, logger="safespace.driver")
    app = TwoBoxes(driver_class=SSHDriver)
    channel = Channel()
    attach_terminal(app, channel)
    running = asyncio.create_task(app.run_async(size=channel.size, mouse=False))
    try:
        await wait_until(lambda: channel.driver is not None and app.focused is not None, 10, "the app never started")
        assert channel.driver is not None
        channel.driver.feed("\t1")
        first, second = app.query_one("#first", Input), app.query_one("#second", Input)
        await wait_until(lambda: first.value or second.value, 10, "the 1 went nowhere")
        assert (first.value, second.value) == ("", "1")
        assert "not finished" not in caplog.text
    finally:
        app.exit()
        await running


class Keys(App[None]):
    """Records every key that reaches the app."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []

    def on_key(self, event) -> None:
        self.keys.append(event.key)


async def test_an_esc_whose_delay_passed_on_a_busy_loop_is_still_esc_then_the_letter() -> None:
    """Esc, then a letter after the escape delay, but handled while the loop was busy (the timer
    that resolves a lone Esc had not run yet: asyncio runs input before due timers). The Esc is
    still Esc and the letter still the letter; it used to come out as one Alt+t (CI:
    test_escape_key_closes_help lost the "t" of "typed after escape")."""
    app = Keys()
    async with driven(app) as driver:
        driver.feed("\x1b")
        time.sleep(ESCAPE_DELAY * 2)  # the loop is busy: no timer can run; this is the stimulus
        driver.feed("t")
        await wait_until(lambda: len(app.keys) >= 2 or "alt+t" in app.keys, 10, "no keys arrived")
        assert app.keys == ["escape", "t"]


async def test_an_esc_in_a_packet_of_its_own_is_esc_though_the_next_is_read_in_the_same_turn() -> None:
    """Esc, then "t" a moment later: a loaded server read both packets in one turn, so no time
    passed on its clock, and the two became Alt+t (test_ssh_driver::test_escape_key_closes_help
    with 5 test workers: the help stayed open, the "t" was lost). An Esc alone in its packet is
    the Esc key; what a terminal sends at once (Alt+t, an arrow) stays one key."""
    app = Keys()
    async with driven(app) as driver:
        driver.feed("\x1b")
        driver.feed("t")  # no await between: the same turn of the loop
        await wait_until(lambda: len(app.keys) >= 2 or "alt+t" in app.keys, 10, "no keys arrived")
        assert app.keys == ["escape", "t"]
        for sent, key in (("\x1bt", "alt+t"), ("\x1b[A", "up")):  # one packet each
            app.keys.clear()
            driver.feed(sent)
            await wait_until(lambda: app.keys, 10, f"{sent!r} did not arrive")
            assert app.keys == [key]
        app.keys.clear()
        driver.feed("\x1b")  # alone, with nothing after it: Esc once the escape delay has passed
        await wait_until(lambda: app.keys, 10, "the lone Esc did not arrive")
        assert app.keys == ["escape"]


class CountingParser(textual_fixes.XTermParser):
    """The driver's parser, counting the characters it has been given."""

    def __init__(self) -> None:
        super().__init__()
        self.fed = 0

    def feed(self, data: str):
        self.fed += len(data)
        return super().feed(data)


async def test_a_flood_read_at_once_is_parsed_a_slice_per_turn_and_nothing_is_lost() -> None:
    """Attack: keys without paste markers, many in one SSH read (asyncssh hands over up to 32 KiB
    at once). Parsing a read in one go held the loop for 735 ms at 32 KiB, and every other
    member's keystroke waited as long (bench/hostile.py, key flood alone: p99 695 ms). Now other
    work gets the loop before the read is parsed, and every key still arrives, in order, with an
    Esc sequence cut by a slice still one key."""
    app = Keys()
    channel = Channel()
    channel.key_budget = KeyBudget(rate=1e6, burst=10**6)  # the pace is not what is tested here
    async with driven(app, channel) as driver:
        parser = driver._parser = CountingParser()
        flood = "x" * 255 + "\x1b[A" + "y" * 1500  # the Up arrow straddles the first slice's end
        parsed_when_others_ran: list[int] = []
        driver.feed(flood)
        asyncio.get_running_loop().call_soon(lambda: parsed_when_others_ran.append(parser.fed))
        await wait_until(lambda: len(app.keys) >= 1756, 60, "the keys did not all arrive")
        assert parsed_when_others_ran[0] < len(flood)
        assert app.keys == ["x"] * 255 + ["up"] + ["y"] * 1500


class BoxAndButton(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(id="box")
        yield Button("Send", id="send")


async def test_only_a_printable_character_typed_into_a_box_goes_without_waiting_for_quiet() -> None:
    """A letter for the focused box sets nothing off: the next key need not wait for quiet turns
    of the loop (five of them per letter made a word slow to appear on a busy server). Tab, Enter,
    Esc, and any key while something else has the focus still wait."""
    app = BoxAndButton()
    async with driven(app, focused=True) as driver:
        goes_at_once = driver._typed_into_a_box
        assert goes_at_once(TrackedKey("a", "a")) and goes_at_once(TrackedKey("space", " "))
        assert not any(
            goes_at_once(TrackedKey(key, c)) for key, c in [("tab", "\t"), ("enter", "\r"), ("escape", "\x1b")]
        )
        assert not goes_at_once(TrackedKey("up"))
        app.query_one("#send", Button).focus()
        await wait_until(lambda: isinstance(app.focused, Button), 10, "the button never took the focus")
        assert not goes_at_once(TrackedKey("a", "a"))
