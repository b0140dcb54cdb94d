"""A Textual driver that talks to one SSH channel instead of a local terminal.

Textual builds drivers as ``driver_class(app, debug=, mouse=, size=)``, so each
session gives its app its own channel (``attach_terminal``) before the app runs;
the driver tells that channel it is ready (``Terminal.attach``) and is fed from
there. Input arrives from asyncssh on the same event loop, so events are posted
directly; no threads are involved.

Keys are handed to the app one at a time. Textual runs a key's *binding*
(Backspace, arrows, Tab) only after the key has bubbled back up to the app,
while plain characters go straight to the focused widget; a burst such as
"x, Backspace, 5" (a laggy link delivers keys in bunches) would otherwise come
out as "x5" with the wrong character deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from textual import constants, events
from textual.app import ScreenStackError, UnknownModeError
from textual.driver import Driver
from textual.geometry import Size
from textual.message_pump import MessagePump
from textual.widgets import Input, TextArea

from ..tui.textual_fixes import TrackedKey, XTermParser, escape_pending, resolve_escape_now
from .input_budget import INBOX_HIGH, INBOX_LOW, KeyBudget, keep_early
from .paste_guard import PasteGuard

if TYPE_CHECKING:
    from textual.app import App


log = logging.getLogger("safespace.driver")

TAKES_KEYS_LIMIT = 10.0
"""Seconds keys wait for the app's first screen to take the focus (a backstop: it takes ~0.1 s)."""

KEY_DONE_LIMIT = 3.0
"""Seconds a key may take before the next one goes anyway (only a key dropped by a closing
screen is never finished; a DB write held by another process's lock can take this long)."""


PARSE_SLICE = 256
"""Characters parsed in one turn of the loop: 3-6 ms (a typed key is one; a paste one event)."""
RAW_HIGH = 65_536
"""Characters arrived and not yet parsed: above this the channel is not read (back-pressure)."""
_SEQUENCE_STEP = 8  # characters fed at a time to finish an escape sequence a slice cut in two
_SEQUENCE_LIMIT = 64  # longer than any sequence a terminal sends (mouse reports are ~20)


class Terminal(Protocol):
    """The SSH side as the driver sees it."""

    size: tuple[int, int]
    key_budget: KeyBudget

    def write_output(self, data: str) -> None: ...
    def attach(self, driver: SSHDriver) -> None: ...
    def pause_input(self) -> None: ...
    def resume_input(self) -> None: ...


_TERMINALS: dict[int, Terminal] = {}  # id(app) -> its session, until the app makes its driver


def attach_terminal(app: App[Any], terminal: Terminal) -> None:
    """Give ``app`` its session's channel: Textual constructs the driver itself, from the app.

    (A driver class made per session, with the channel on it, was simpler; but a class is a
    reference cycle, and it kept each closed session for the cycle collector.)
    """
    _TERMINALS[id(app)] = terminal


def detach_terminal(app: App[Any]) -> None:
    """The app ended (perhaps before it made its driver): forget its channel."""
    _TERMINALS.pop(id(app), None)


# Sequences written when the app takes over / gives back the member's terminal. Focus in/out
# reports (1004) are not asked for: while a terminal is reported unfocused, Textual's AUTO_FOCUS
# (how every screen here takes its focus) gives a new screen none, so a dialog that opened then,
# an SOS alert on a senior's screen, would take no keys when they came back to the window.
_ENTER = (
    "\x1b[?1049h"  # alternate screen
    "\x1b[?25l"  # hide cursor
    "\x1b[?2004h"  # bracketed paste: a paste arrives as one Paste event
    "\x1b[?7l"  # no line wrap
    "\x1b[?2026$p"  # ask whether synchronized output is supported
)
_MOUSE_ON = "\x1b[?1000h\x1b[?1003h\x1b[?1015h\x1b[?1006h"
_MOUSE_OFF = "\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l"
_LEAVE = "\x1b[?2004l\x1b[?7h\x1b[?1049l\x1b[?25h"


class SSHDriver(Driver):
    """Textual's end of one SSH channel.

    ``self._app``, ``self._loop`` and ``self._mouse`` are set by ``Driver.__init__`` and read by
    every Textual driver; a driver cannot be written without them (see textual_fixes).
    """

    def __init__(
        self, app: App[Any], *, debug: bool = False, mouse: bool = True, size: tuple[int, int] | None = None
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        self._terminal: Terminal = _TERMINALS.pop(id(app))
        self._parser = XTermParser()
        self._paste_guard = PasteGuard()  # a paste that never ends must not grow in the parser
        self._buffer: list[str] = []
        self._flush_scheduled = False
        self._tick_handle: asyncio.TimerHandle | None = None
        self._input_enabled = False
        self._started = False  # input is taken from start_application_mode on
        self._early: list[str] = []  # typed before that: a member may type the moment they connect
        self._inbox: deque = deque()
        self._raw: deque[str] = deque()  # arrived, not yet parsed
        self._raw_size = 0
        self._escape_alone = False  # the parser's pending Esc came in a packet of its own
        self._budget = self._terminal.key_budget  # this member's fair share of the loop
        self._paused = False  # the channel is not read while too many events wait
        self._inbox_ready = asyncio.Event()
        self._delivery: asyncio.Task | None = None
        self._terminal.attach(self)

    # -- output: coalesce a frame's many writes into one SSH packet
    def write(self, data: str) -> None:
        self._buffer.append(data)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        if self._buffer:
            data = "".join(self._buffer)
            self._buffer.clear()
            self._terminal.write_output(data)

    # -- lifecycle
    def start_application_mode(self) -> None:
        self.write(_ENTER)
        if self._mouse:
            self.write(_MOUSE_ON)
        self.flush()
        self._input_enabled = True
        self._started = True
        # No Resize here, unlike Textual's own drivers: the app was started at this very size
        # (run_async(size=...)), and a second layout of the whole screen was a tenth of each
        # connect's server CPU (12 connects, median 130/150 -> 120/110 ms).
        self._delivery = self._loop.create_task(self._deliver(), name="ssh-input")
        early, self._early = self._early, []
        for data in early:
            self.feed(data)

    def disable_input(self) -> None:
        self._input_enabled = False
        if self._tick_handle is not None:
            self._tick_handle.cancel()
            self._tick_handle = None
        if self._delivery is not None:
            self._delivery.cancel()
            self._delivery = None
        self._inbox.clear()
        self._raw.clear()
        self._raw_size = 0

    def stop_application_mode(self) -> None:
        self.disable_input()
        if self._mouse:
            self.write(_MOUSE_OFF)
        self.write(_LEAVE)
        self.flush()

    # -- input, called by the SSH session
    def send_message(self, message) -> None:
        self._app.post_message(message)

    def feed(self, data: str) -> None:
        """Keep what the member's terminal sent; it is parsed a slice at a time as keys are needed.

        Parsing is not cheap (XTermParser: 10-22 us a character), and asyncssh hands over up to
        32 KiB at once: parsing a flood's chunk in one go held the loop for 735 ms, and every
        other member's keystroke waited that long (bench/hostile.py, key flood: p99 695 ms).
        """
        if not self._input_enabled:
            if not self._started:
                keep_early(self._early, data)  # parsed once the app takes input
            return
        data = self._paste_guard.filter(data)
        if not data:
            return  # (an empty feed would tell the parser the input has ended)
        if not self._raw and escape_pending(self._parser):
            # An Esc whose delay has already passed is a lone Esc, whatever comes now. The timer
            # that says so can be late on a busy loop (asyncio runs input callbacks before due
            # timers), and the Esc was then merged with the next letter into Alt+letter: the help
            # stayed open and the "t" of "typed after escape" was lost (test_ssh_driver, CI).
            self._inbox.extend(self._parser.tick())
        waiting = bool(self._raw)
        self._raw.append(data)
        self._raw_size += len(data)
        if not waiting:
            self._parse_some()  # typing: parsed as it comes, so an Esc keeps its own moment
        self._inbox_ready.set()
        if (self._raw_size > RAW_HIGH or len(self._inbox) > INBOX_HIGH) and not self._paused:
            self._paused = True
            self._terminal.pause_input()

    def _parse_some(self) -> None:
        """Parse about ``PARSE_SLICE`` characters of what arrived (a few milliseconds), and finish
        an escape sequence a slice has cut in two, so that a slice's end never looks like a lone Esc."""
        parsed = 0
        while self._raw and (parsed < PARSE_SLICE or escape_pending(self._parser)):
            self._resolve_lone_escape()
            take = PARSE_SLICE - parsed if parsed < PARSE_SLICE else _SEQUENCE_STEP
            chunk = self._raw[0]
            piece = chunk[:take]
            if len(chunk) > take:
                self._raw[0] = chunk[take:]
            else:
                self._raw.popleft()
            self._raw_size -= len(piece)
            parsed += len(piece)
            self._inbox.extend(self._parser.feed(piece))
            self._escape_alone = chunk == "\x1b" and escape_pending(self._parser)
            if parsed > PARSE_SLICE + _SEQUENCE_LIMIT:
                break  # not a sequence any terminal sends: the parser decides what it was
        self._schedule_tick()

    def _resolve_lone_escape(self) -> None:
        """More has come after an Esc that came alone, in a packet of its own: it was the Esc key.

        A terminal writes a key's escape sequence (an arrow, Alt+letter) at once, so its packet
        holds all of it; an Esc alone in one is the key. On a loaded server the Esc's packet and
        the next were read in the same turn, no time passed on the server's clock, and the two
        became Alt+letter (test_ssh_driver::test_escape_key_closes_help, with 5 test workers).
        """
        if self._escape_alone:
            self._escape_alone = False
            self._inbox.extend(resolve_escape_now(self._parser))

    def resize(self, width: int, height: int) -> None:
        size = Size(max(width, 1), max(height, 1))
        self._app.post_message(events.Resize(size, size))

    def _schedule_tick(self) -> None:
        # A lone Esc is only known to be Esc (not the start of a sequence) after a pause; while
        # more of what arrived waits to be parsed, the parser's state is not the last word.
        if escape_pending(self._parser) and self._tick_handle is None and not self._raw:
            self._tick_handle = self._loop.call_later(constants.ESCAPE_DELAY + 0.01, self._tick)

    def _tick(self) -> None:
        self._tick_handle = None
        if not self._input_enabled or self._raw:
            return
        self._inbox.extend(self._parser.tick())
        self._inbox_ready.set()
        self._schedule_tick()

    async def _deliver(self) -> None:
        """Post input in order; after a key, wait until the app has finished with it."""
        try:
            await self._until_the_app_takes_keys()
            await self._deliver_forever()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("input delivery failed")
            raise

    async def _until_the_app_takes_keys(self) -> None:
        """An app that says when its first screen has the focus (``takes_keys``) gets no key
        before: until then a key goes to Textual's empty default screen and is lost."""
        ready = getattr(self._app, "takes_keys", None)
        if isinstance(ready, asyncio.Event) and not ready.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), TAKES_KEYS_LIMIT)

    async def _deliver_forever(self) -> None:
        while True:
            await self._inbox_ready.wait()
            self._inbox_ready.clear()
            while self._inbox or self._raw:
                if not self._inbox:
                    self._parse_some()
                    await asyncio.sleep(0)  # one slice a turn: the loop stays everyone's
                    continue
                event = self._inbox.popleft()
                if self._paused and not self._raw and len(self._inbox) < INBOX_LOW:
                    self._paused = False
                    self._terminal.resume_input()
                if isinstance(event, (events.Key, events.Paste)):
                    await self._budget.take()  # a paste is one event: it counts once
                typed = False
                if isinstance(event, events.Key):
                    event = TrackedKey(event.key, event.character)
                    typed = self._typed_into_a_box(event)
                self.process_message(event)
                if isinstance(event, TrackedKey):
                    await self._until_handled(event, then_quiet=not typed)

    def _typed_into_a_box(self, key: TrackedKey) -> bool:
        """A printable character for the focused text box: the box takes it and stops it (no
        binding runs; no binding here is a printable key with priority), so it sets nothing off
        that the next key must wait for. Waiting for quiet turns after each character made a
        five-letter word take 40 turns of the loop, which is most of its time to the screen when
        the loop is busy (bench/hostile.py)."""
        if not key.is_printable or key.key in ("tab", "enter", "escape"):
            return False
        try:
            focused = self._app.screen.focused
        except (ScreenStackError, UnknownModeError):
            return False
        if isinstance(focused, TextArea):
            return not focused.read_only
        return isinstance(focused, Input)

    async def _until_handled(self, key: TrackedKey, *, then_quiet: bool = True) -> None:
        """Wait until the app has finished with ``key``, and with what it set off at once.

        The key's own journey is counted (``TrackedKey``), however slow the loop: this is what
        keeps Tab then "1" in order on a busy machine. What the key set off is not: Enter in a
        form posts ``Input.Submitted``, whose handler moves the focus; a widget's ``focus()`` is
        a callback on the app's queue. For those, the app and the focus chain must then have
        had no messages waiting for a few turns of the loop in a row. Both waits are bounded, so
        a key dropped by a screen closing under it (never done) or a pane that keeps posting
        (never quiet) costs a moment, not the keyboard.
        """
        if not key.done.is_set():
            try:
                await asyncio.wait_for(key.done.wait(), KEY_DONE_LIMIT)
            except TimeoutError:
                log.warning("a key was not finished within %s s; the next goes anyway", KEY_DONE_LIMIT)
        if then_quiet:
            await self._until_quiet()

    async def _until_quiet(self, limit: float = 1.0, quiet_turns: int = 3) -> None:
        """No messages waiting in the app or the focus chain for ``quiet_turns`` turns in a row
        (one quiet look is not enough: a message bubbling to the parent is posted only after
        its handler has run)."""
        deadline = self._loop.time() + limit
        delay = 0.0
        quiet = 0
        while self._loop.time() < deadline:
            await asyncio.sleep(delay)
            if any(_busy(node) for node in self._focus_chain()):
                quiet, delay = 0, 0.001
                continue
            quiet += 1
            if quiet >= quiet_turns:
                return
            delay = 0.0

    def _focus_chain(self) -> list[MessagePump]:
        app = self._app
        chain: list[MessagePump] = [app]
        try:
            screen = app.screen
        except (ScreenStackError, UnknownModeError):  # what App.screen raises before the first screen or mode
            return chain
        chain.append(screen)
        focused = screen.focused
        if focused is not None:
            chain.extend(focused.ancestors_with_self)
        return chain


def _busy(node: MessagePump) -> bool:
    """Does this message pump still hold messages waiting to be handled?"""
    return node.message_queue_size > 0
