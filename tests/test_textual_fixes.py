"""Tests for safespace_tui.tui.textual_fixes.

Each behaviour test fails when ``apply()`` is not called (checked by running
this file with ``textual_fixes.apply`` replaced by a no-op). Each helper test
fails when the library internal it wraps is renamed or changes behaviour
(checked by breaking each one in turn), and the version tests fail on any
Textual or Rich other than the pinned ones.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import contextvars
import functools
import gc
import inspect
import io
import pkgutil
import re
import sys
import time
import tomllib
import weakref
from pathlib import Path

import pytest
from rich.color import Color, ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._context import active_message_pump
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.geometry import Region
from textual.strip import Strip

import safespace_tui
from safespace_tui.tui import textual_fixes

ROOT = Path(__file__).resolve().parent.parent

SYSTEMS = {
    "truecolor": ColorSystem.TRUECOLOR,
    "256": ColorSystem.EIGHT_BIT,
    "standard": ColorSystem.STANDARD,
}


@pytest.fixture(autouse=True)
def _apply_fixes() -> None:
    textual_fixes.apply()


def console(color_system: str) -> Console:
    return Console(color_system=color_system, force_terminal=True, file=io.StringIO())


def sgr(colour: str, system: str, foreground: bool = True) -> str:
    """The SGR sequence Rich itself gives ``colour`` in ``system``."""
    downgraded = Color.parse(colour).downgrade(SYSTEMS[system])
    return f"\x1b[{';'.join(downgraded.get_ansi_codes(foreground))}m"


def only(colour: str, system: str, rendered: str) -> bool:
    """True if ``rendered`` uses ``colour``'s SGR for ``system`` and no other's."""
    others = {sgr(colour, other) for other in SYSTEMS} - {sgr(colour, system)}
    return sgr(colour, system) in rendered and not any(o in rendered for o in others)


def test_expected_sgrs() -> None:
    """The SGRs the colour tests expect, spelled out once."""
    assert sgr("#ff8800", "truecolor") == "\x1b[38;2;255;136;0m"
    assert sgr("#ff8800", "256") == "\x1b[38;5;208m"
    assert sgr("#ff8800", "standard") == "\x1b[91m"  # bright red


# Each colour test uses its own colour: Rich and Textual cache styles by value,
# and a fresh colour makes every test see Textual's caches as a new app would.


# --- parser ----------------------------------------------------------------


class Pump:
    """Stands in for the App that is active while the driver parses input."""


def test_dead_parser_is_collected() -> None:
    pump = Pump()
    token = active_message_pump.set(pump)
    try:
        parser = XTermParser()
        events = list(parser.feed("\x1b[97;5u"))  # kitty protocol: ctrl+a
    finally:
        active_message_pump.reset(token)
    assert [event.key for event in events] == ["ctrl+a"]
    parser_ref, pump_ref = weakref.ref(parser), weakref.ref(pump)
    del parser, events, pump
    gc.collect()
    assert parser_ref() is None
    assert pump_ref() is None  # Key events remember their sender


# --- stdout / stderr --------------------------------------------------------


class Tiny(App[None]):
    pass


async def test_interleaved_apps_leave_stdout_alone() -> None:
    stdout, stderr = sys.stdout, sys.stderr
    app_a, app_b = Tiny(), Tiny()
    run_a, run_b = app_a.run_test(), app_b.run_test()
    try:
        await run_a.__aenter__()
        await run_b.__aenter__()
        # Exit in the order they started (not LIFO), as sessions do.
        await run_a.__aexit__(None, None, None)
        await run_b.__aexit__(None, None, None)
        left_stdout, left_stderr = sys.stdout, sys.stderr
    finally:
        sys.stdout, sys.stderr = stdout, stderr  # don't break pytest on failure
    assert left_stdout is stdout
    assert left_stderr is stderr


# --- colour -----------------------------------------------------------------

ORDERS = [
    ("truecolor", "256", "standard"),
    ("standard", "256", "truecolor"),
    ("256", "truecolor", "standard"),
]


@pytest.mark.parametrize("n, order", enumerate(ORDERS))
def test_same_strip_renders_per_colour_system(n: int, order: tuple[str, ...]) -> None:
    colour = f"#ff88{n:02x}"
    strip = Strip([Segment("hi", Style(color=colour))])
    for system in order:
        assert only(colour, system, strip.render(console(system))), system


@pytest.mark.parametrize("n, order", enumerate(ORDERS))
def test_shared_style_renders_per_colour_system(n: int, order: tuple[str, ...]) -> None:
    colour = f"#ff89{n:02x}"
    style = Style(color=colour)  # one Style object, as Rich/Textual share them
    for system in order:
        strip = Strip([Segment("hi", style)])
        assert only(colour, system, strip.render(console(system))), system


@pytest.mark.parametrize("n, order", enumerate(ORDERS))
def test_shared_blank_strip_renders_per_colour_system(n: int, order: tuple[str, ...]) -> None:
    colour = f"#ff8a{n:02x}"
    style = Style(bgcolor=colour)
    for system in order:
        rendered = Strip.blank(3, style).render(console(system))
        assert rendered == f"{sgr(colour, system, foreground=False)}   \x1b[0m", system
    assert Strip.blank(3, style) is Strip.blank(3, style)  # still shared


def test_joined_strip_renders_per_colour_system() -> None:
    colour = "#ff8b00"
    style = Style(color=colour)
    left, right = Strip([Segment("a", style)]), Strip([Segment("b", style)])
    for part in (left, right):
        part.render(console("256"))  # fills the 256-colour render caches
    joined = Strip.join([left, right])
    for system in ("truecolor", "standard", "256"):
        assert only(colour, system, joined.render(console(system))), system


def test_render_cache_only_holds_256_colour_renders() -> None:
    strip = Strip([Segment("hi", Style(color="#ff8c00"))])
    strip.render(console("truecolor"))
    assert strip._render_cache is None
    rendered = strip.render(console("256"))
    assert strip._render_cache == rendered
    assert strip.render(console("256")) is rendered  # the cache is still used


def test_style_ansi_is_left_alone() -> None:
    style = Style(color="#ff8d00", bold=True)
    Strip([Segment("hi", style)]).render(console("truecolor"))
    assert style._ansi is None
    assert Strip.render_ansi(style, ColorSystem.EIGHT_BIT) == "1;38;5;208"


def test_links_rendered_per_colour_system() -> None:
    colour = "#ff8e00"
    style = Style(color=colour, link="https://example.org")
    strip = Strip([Segment("hi", style)])
    for system in ("truecolor", "256"):
        rendered = strip.render(console(system))
        assert f"\x1b]8;id={style._link_id};https://example.org\x1b\\" in rendered
        assert only(colour, system, rendered), system


# --- apply() itself -----------------------------------------------------------


def test_apply_is_idempotent() -> None:
    textual_fixes.apply()
    render = Strip.render
    textual_fixes.apply()
    assert Strip.render is render
    assert not hasattr(XTermParser._parse_extended_key, "cache_info")
    strip = Strip([Segment("x", Style(color="#ff8f00"))])
    for system in ("truecolor", "256", "standard"):
        assert only("#ff8f00", system, strip.render(console(system))), system


def test_apply_fails_loudly_when_an_attribute_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(XTermParser, "_parse_extended_key")
    with pytest.raises(RuntimeError, match="_parse_extended_key"):
        textual_fixes.apply()


def test_apply_refuses_another_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """On other versions the patches may be silently wrong: refuse, naming what differs."""
    monkeypatch.setitem(textual_fixes.PINNED_VERSIONS, "rich", "0.0.1")
    with pytest.raises(RuntimeError, match=r"rich \S+ is installed, 0.0.1 is pinned"):
        textual_fixes.apply()


def test_installed_versions_are_the_pinned_ones() -> None:
    """An upgrade of Textual or Rich fails here first: re-check this module, then move the pins."""
    assert textual_fixes.version_mismatches() == []


def test_pyproject_pins_exactly_what_textual_fixes_was_written_for() -> None:
    with (ROOT / "pyproject.toml").open("rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    pins = dict(d.split("==", 1) for d in dependencies if "==" in d)
    for name, version in textual_fixes.PINNED_VERSIONS.items():
        assert pins.get(name) == version, name


def test_styles_cache_does_not_keep_widgets_alive():
    """StylesCache.get_inner_outer was an lru_cache keyed on the instance: closed sessions stayed alive."""
    import gc
    import weakref

    from textual._styles_cache import StylesCache
    from textual.color import Color

    textual_fixes.apply()
    cache = StylesCache()
    inner, outer = cache.get_inner_outer(Color(10, 20, 30), Color(1, 2, 3, 0.5))
    assert inner.background is not None and outer.background is not None
    ref = weakref.ref(cache)
    del cache
    gc.collect()
    assert ref() is None


# --- Fix 5: Strip caches made on first use ------------------------------------


def test_strips_make_their_caches_only_when_used() -> None:
    """Memory per session: every Strip made seven FIFOCaches (14 objects) up front, most never
    used. After apply() a new Strip holds only its segments; a cache appears on first use, with
    Textual's own size, and still returns the cached result."""
    import gc

    textual_fixes.apply()
    gc.collect()
    before = len(gc.get_objects())
    strips = [Strip([Segment(f"line {n}", Style(bold=True))]) for n in range(1000)]
    made = len(gc.get_objects()) - before
    assert made < 6 * len(strips), made  # Strip, list, Segment, Style: 4 each; was 18
    strip = strips[0]
    cropped = strip.crop(0, 4)
    assert cropped.text == "line" and strip.crop(0, 4) is cropped
    assert strip._crop_cache._maxsize == 16 and len(strip._crop_cache) == 1
    assert strip.apply_style(Style(italic=True)) is strip.apply_style(Style(italic=True))


# --- Helpers around library internals used elsewhere ---------------------------
# Each test exercises the private name a helper wraps, so it fails when an upgrade renames it or
# changes what it does.


def test_input_parser_is_textuals_own() -> None:
    """The driver parses with the parser Textual's own terminal driver uses."""
    from textual import events
    from textual.drivers import linux_driver

    assert textual_fixes.XTermParser is linux_driver.XTermParser
    parsed = list(XTermParser().feed("a\x1b[200~two\nlines\x1b[201~"))
    assert [type(event) for event in parsed] == [events.Key, events.Paste]
    assert parsed[1].text == "two\nlines"


def test_escape_pending_follows_a_lone_escape() -> None:
    """A lone Esc waits in the parser until ``tick()`` after the escape delay; the driver
    schedules that tick only while ``escape_pending`` says so."""
    parser = XTermParser()
    assert not textual_fixes.escape_pending(parser)
    assert list(parser.feed("\x1b")) == []
    assert textual_fixes.escape_pending(parser)
    deadline = time.monotonic() + 5
    ticked: list = []
    while not ticked and time.monotonic() < deadline:  # wait for the escape delay to pass
        ticked = list(parser.tick())
        time.sleep(0.01)
    assert [event.key for event in ticked] == ["escape"]
    assert not textual_fixes.escape_pending(parser)
    assert [event.key for event in parser.feed("\x1b[A")] == ["up"]  # a whole sequence: no wait
    assert not textual_fixes.escape_pending(parser)


async def test_driver_base_keeps_app_loop_and_mouse() -> None:
    """``SSHDriver`` reads what ``Driver.__init__`` stores, as Textual's own drivers do."""
    from textual.driver import Driver

    class Probe(Driver):
        def write(self, data: str) -> None: ...
        def start_application_mode(self) -> None: ...
        def stop_application_mode(self) -> None: ...
        def disable_input(self) -> None: ...

    app = Tiny()
    probe = Probe(app, mouse=False)
    assert probe._app is app
    assert probe._loop is asyncio.get_running_loop()
    assert probe._mouse is False


HELD: contextvars.ContextVar[object] = contextvars.ContextVar("held")


async def test_forget_cancelled_timers_frees_the_heap() -> None:
    """A cancelled timer's context (which holds the App, as Textual's timers do) is let go at
    once, not when the timer would have fired; timers still running are kept and still fire."""
    loop = asyncio.get_running_loop()

    class Holder:
        pass

    holder = Holder()
    token = HELD.set(holder)
    cancelled = loop.call_later(3600, lambda: None, context=contextvars.copy_context())
    HELD.reset(token)
    fired = asyncio.Event()
    kept = loop.call_later(0, fired.set)
    cancelled.cancel()
    assert cancelled in loop._scheduled  # asyncio keeps it: what the helper is for
    holder_ref = weakref.ref(holder)
    del holder, cancelled
    textual_fixes.forget_cancelled_timers(loop)
    gc.collect()
    assert holder_ref() is None
    assert kept in loop._scheduled or kept in loop._ready
    await asyncio.wait_for(fired.wait(), 10)


def test_set_color_system_changes_the_depth() -> None:
    """Textual makes the App's console; each session then gets its own colour depth."""
    colour = "#ff9000"
    rich_console = console("truecolor")
    textual_fixes.set_color_system(rich_console, "256")
    assert rich_console.color_system == "256"
    assert only(colour, "256", Strip([Segment("hi", Style(color=colour))]).render(rich_console))


class Failing(textual_fixes.ReportingApp[None]):
    def __init__(self) -> None:
        super().__init__()
        self.reported: list[Exception] = []

    def report_exception(self, error: Exception) -> None:
        self.reported.append(error)

    def on_mount(self) -> None:
        raise LookupError("from a handler")


async def test_reporting_app_sees_a_failing_handler() -> None:
    """Every exception that ends the app passes through ``report_exception`` first."""
    app = Failing()
    stdout, stderr = sys.stdout, sys.stderr
    try:
        await app.run_async(headless=True)
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    assert [str(error) for error in app.reported] == ["from a handler"]
    assert app.return_code == 1


class OneStatic(App[None]):
    def compose(self):
        from textual.widgets import Static

        yield Static("hello", id="hello")


async def test_repaint_now_hands_the_update_over() -> None:
    """After ``refresh()`` the repaint waits for the widget to be idle; ``repaint_now`` posts
    Textual's own ``Update`` to the screen at once."""
    from textual import messages

    app = OneStatic()
    async with app.run_test() as pilot:
        await pilot.pause()
        widget = app.screen.query_one("#hello")
        widget.refresh()
        assert widget._repaint_required
        before = list(app.screen._message_queue.values)
        textual_fixes.repaint_now(widget)
        queued = [m for m in app.screen._message_queue.values if m not in before]
        assert not widget._repaint_required
        assert any(isinstance(m, messages.Update) and m.widget is widget for m in queued)


class Scroller(App[None]):
    def compose(self):
        from textual.scroll_view import ScrollView

        yield ScrollView(id="view")


async def test_update_scrollbars_moves_the_thumb() -> None:
    """The scrollbar learns the new virtual size and the offset is clamped to it, without
    going through the ``virtual_size`` reactive."""
    from textual.geometry import Size
    from textual.scroll_view import ScrollView

    app = Scroller()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(ScrollView)
        view.virtual_size = Size(30, 100)
        await pilot.pause()
        view.scroll_to(y=80, animate=False, immediate=True)
        await pilot.pause()
        assert view.scroll_y == 80
        view.set_reactive(ScrollView.virtual_size, Size(30, 50))
        textual_fixes.update_scrollbars(view, Size(30, 50))
        assert view.vertical_scrollbar.window_virtual_size == 50
        assert view.scroll_y == view.max_scroll_y == 50 - view.container_size.height


async def test_hand_repaint_to_screen_gives_the_screen_its_dirty_widgets_at_once() -> None:
    """A repaint (of the widget and its scrollbar) goes straight into the screen's dirty widgets
    and starts its update timer, with nothing posted to the screen; a widget with a layout
    pending is left to Textual's own way; the frame then comes as usual."""
    from textual import messages
    from textual.geometry import Size
    from textual.scroll_view import ScrollView

    app = Scroller()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(ScrollView)
        view.virtual_size = Size(30, 100)
        await pilot.pause()
        screen = app.screen
        bar = view.vertical_scrollbar
        assert view.show_vertical_scrollbar and not screen._dirty_widgets
        screen._update_timer.pause()
        before = list(screen._message_queue.values)
        view.refresh()
        bar.refresh()
        textual_fixes.hand_repaint_to_screen(view)
        assert screen._dirty_widgets == {view, bar}
        assert not (view._repaint_required or bar._repaint_required)
        assert screen._update_timer._active.is_set()
        assert not [m for m in screen._message_queue.values if m not in before and isinstance(m, messages.Update)]
        await pilot.pause()
        assert not screen._dirty_widgets  # drawn

        view.refresh(layout=True)
        textual_fixes.hand_repaint_to_screen(view)
        assert view._repaint_required and view not in screen._dirty_widgets  # Textual's way


async def test_repaint_at_once_marks_what_refresh_marks_and_prompts_no_one() -> None:
    """The widget and its scrollbar are marked dirty as ``refresh()`` marks them and go straight
    to the screen, with no ``Prompt`` left in their queues; in a batch update no frame is started,
    and the repaint is drawn once the batch ends, as Textual would."""
    from textual import messages
    from textual.geometry import Size
    from textual.scroll_view import ScrollView

    app = Scroller()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(ScrollView)
        view.virtual_size = Size(30, 100)
        await pilot.pause()
        screen, bar = app.screen, view.vertical_scrollbar
        screen._update_timer.pause()
        textual_fixes.repaint_at_once(view)
        assert screen._dirty_widgets == {view, bar}
        assert view._dirty_regions and bar._dirty_regions  # what refresh() marks for the compositor
        assert screen._update_timer._active.is_set()
        for part in (view, bar):
            assert not any(isinstance(m, messages.Prompt) for m in part._message_queue.values)
        await pilot.pause()
        assert not screen._dirty_widgets

        screen._update_timer.pause()
        with app.batch_update():
            textual_fixes.repaint_at_once(view)
            assert view in screen._dirty_widgets  # as the screen's Update handler would leave it
            assert not screen._update_timer._active.is_set()  # no frame inside a batch
        await pilot.pause()
        assert not screen._dirty_widgets  # drawn once the batch ended, Textual's own way


def test_inner_background_style_is_textuals() -> None:
    """The helper paints what Textual's own (replaced) ``StylesCache.get_inner_outer`` would."""
    from textual.color import Color

    textuals = textual_fixes._textual_get_inner_outer
    assert textuals is not None
    for base, background in [
        (Color(10, 20, 30), Color(1, 2, 3, 0.5)),
        (Color(0, 0, 0), Color(200, 100, 50)),
        (Color(255, 255, 255), Color(0, 0, 0, 0)),
    ]:
        theirs = getattr(textuals, "__wrapped__", textuals)(None, base, background)[0].rich_style
        assert textual_fixes.inner_background_style(base, background) == theirs


class Box(App[None]):
    def __init__(self, prevent_default: bool) -> None:
        super().__init__()
        self.prevent_default = prevent_default
        self.keys: list[str] = []

    def compose(self):
        from textual.widgets import TextArea

        app = self

        class Recording(TextArea):
            async def _on_key(self, event) -> None:
                app.keys.append(event.key)
                await super()._on_key(event)

            async def _on_paste(self, event) -> None:
                await super()._on_paste(event)
                if app.prevent_default:
                    event.prevent_default()

        yield Recording(id="box")


@pytest.mark.parametrize("prevent_default, pasted", [(False, "!!"), (True, "!")])
async def test_text_area_key_and_paste_hooks(prevent_default: bool, pasted: str) -> None:
    """MessageBox overrides TextArea's ``_on_key`` and ``_on_paste``. Keys reach the override
    before TextArea inserts them; and Textual calls every class's ``_on_paste`` along the MRO,
    so an override that calls ``super()`` must ``prevent_default()`` or the paste lands twice."""
    from textual import events

    app = Box(prevent_default)
    async with app.run_test() as pilot:
        box = app.query_one("#box")
        box.focus()
        await pilot.press("h", "i")
        assert app.keys == ["h", "i"] and box.text == "hi"
        app.post_message(events.Paste("!"))  # as the driver does: the app hands it to the focus
        await pilot.pause()
        assert box.text == "hi" + pasted


class TwoAreas(App[None]):
    """A TextArea with the theme applied once beside Textual's own, and a button to move the focus to."""

    CSS = "TextArea { height: 5; } TextArea:focus { background: $primary 30%; }"

    def compose(self):
        from textual.widgets import Button, TextArea

        from safespace_tui.tui.textual_fixes import ThemeAppliedOnce

        class Once(ThemeAppliedOnce, TextArea):
            pass

        yield Once(id="once")
        yield TextArea(id="plain")
        yield Button("elsewhere", id="elsewhere")


async def test_theme_applied_once_per_style_change(monkeypatch) -> None:
    """Typing into the box applies the theme's CSS once, not once a frame; a focus change (a style
    update) applies it again; and the box draws exactly as Textual's own TextArea does."""
    from textual._text_area_theme import TextAreaTheme
    from textual.widgets import TextArea

    applied: list[str] = []
    original = TextAreaTheme.apply_css

    def counted(self, text_area) -> None:
        applied.append(text_area.id)
        original(self, text_area)

    monkeypatch.setattr(TextAreaTheme, "apply_css", counted)
    app = TwoAreas()
    async with app.run_test(size=(40, 14)) as pilot:
        once, plain = app.query_one("#once", TextArea), app.query_one("#plain", TextArea)
        once.focus()
        await pilot.pause()
        applied.clear()
        for letter in "hello":
            await pilot.press(letter)
            await pilot.pause()
        assert once.text == "hello"
        assert applied.count("once") <= 1, applied
        plain.text = once.text
        plain.focus()
        await pilot.pause()
        once.focus()
        await pilot.pause()
        assert "once" in applied  # the focus change was a style update: applied again
        plain.focus()
        await pilot.pause()
        app.query_one("#elsewhere").focus()
        await pilot.pause()
        width = once.size.width
        assert [s.text for s in once.render_lines(Region(0, 0, width, 3))] == [
            s.text for s in plain.render_lines(Region(0, 0, width, 3))
        ]
        assert [s._segments for s in once.render_lines(Region(0, 0, width, 3))] == [
            s._segments for s in plain.render_lines(Region(0, 0, width, 3))
        ]


# --- No library internals elsewhere ------------------------------------------------

LIBRARIES = ("textual", "rich", "asyncio", "asyncssh")

KEEPALIVE_FIELDS = (
    "_set_keepalive_timer",
    "_keepalive_timer",
    "_keepalive_timer_callback",
    "_keepalive_interval",
    "_loop",
)

# (module, name) -> why it may stay. Keep in step with the table in textual_fixes' docstring.
ALLOWED = {
    ("ssh/driver.py", "_app"): "Driver.__init__ sets it; every Textual driver reads it",
    ("ssh/driver.py", "_loop"): "Driver.__init__ sets it; every Textual driver reads it",
    ("ssh/driver.py", "_mouse"): "Driver.__init__ sets it; every Textual driver reads it",
    ("tui/widgets/message_box.py", "_on_key"): "TextArea's documented way to extend it",
    ("tui/widgets/message_box.py", "_on_paste"): "TextArea's documented way to extend it",
    ("ssh/asyncssh_fixes.py", "_env"): "asyncssh has no hook to refuse an env request (issue 15)",
    ("ssh/asyncssh_fixes.py", "_process_env_request"): "asyncssh has no hook to refuse an env request",
    **dict.fromkeys(
        [("ssh/asyncssh_fixes.py", name) for name in KEEPALIVE_FIELDS],
        "asyncssh has no hook to time keepalives together (idle CPU, issue 13)",
    ),
    # Not a library's: peewee's documented Model._meta.
    ("store/migrations.py", "_meta"): "peewee's documented API",
    ("store/backup.py", "_meta"): "peewee's documented API",
    ("store/db.py", "_meta"): "peewee's documented API",
    ("services/channels.py", "_meta"): "peewee's documented API (the read markers' one prepared statement)",
    # The standard library's: FileHandler._open is the one place every (re)opened log file is
    # created, so overriding it is how a rotated log stays 0600 whatever the umask (issue 13).
    ("logs.py", "_open"): "logging.FileHandler's single opening point; pinned by test_rotated_logs_stay_private",
}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _other_objects_privates(tree: ast.AST) -> set[str]:
    """Private names read on anything but ``self``/``cls``, and private library modules."""
    found = set()
    for node in ast.walk(tree):
        on_self = (
            isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
        )
        if isinstance(node, ast.Attribute) and _private(node.attr) and not on_self:
            found.add(node.attr)
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] in LIBRARIES and any(_private(part) for part in parts):
                found.add(node.module)
    return found


def _inherited_privates(module) -> set[str]:
    """Private names our classes use on ``self`` (or override) that a library base class has."""
    found = set()
    for cls in vars(module).values():
        if not inspect.isclass(cls) or cls.__module__ != module.__name__:
            continue
        bases = [b for b in cls.__mro__[1:] if b.__module__.split(".")[0] in LIBRARIES]
        source = inspect.getsource(cls)
        names = set(re.findall(r"(?:self\.|def |super\(\)\.)(_[a-z]\w*)", source))
        for name in names:
            for base in bases:
                if name in vars(base) or name in _self_names(base):
                    found.add(name)
    return found


@functools.cache
def _self_names(cls: type) -> frozenset[str]:
    """The private names a library class's source reads or sets on ``self``, found once per class
    (App's source is thousands of lines: searched per name it took 23 s, then 8 s read once)."""
    source = inspect.getsource(cls) if cls.__module__ != "builtins" else ""
    return frozenset(re.findall(r"self\.(_[a-z]\w*)", source))


def test_no_library_internals_outside_textual_fixes() -> None:
    import importlib

    package = Path(safespace_tui.__file__).parent
    used = set()
    for info in pkgutil.walk_packages(safespace_tui.__path__, "safespace_tui."):
        if info.name in ("safespace_tui.__main__", "safespace_tui.tui.textual_fixes"):
            continue
        module = importlib.import_module(info.name)
        where = Path(module.__file__).relative_to(package).as_posix()
        tree = ast.parse(Path(module.__file__).read_text())
        used |= {(where, name) for name in _other_objects_privates(tree) | _inherited_privates(module)}
    assert used - ALLOWED.keys() == set(), "move these into textual_fixes, or justify them there"


def counted_static(text: str, id: str):
    from textual.widgets import Static

    class Counted(Static):
        renders = 0

        def render_lines(self, crop):
            self.renders += 1
            return super().render_lines(crop)

    return Counted(text, id=id)


class Panes(App[None]):
    """Three panes side by side over a bottom line, as the main screen has (bordered, so the
    chops are cut at several edges)."""

    CSS = "Horizontal { height: 1fr; } .pane { width: 1fr; border: round $accent; } #bottom { height: 1; }"

    def compose(self):
        from textual.containers import Horizontal

        class CountedRow(Horizontal):
            renders = 0

            def render_lines(self, crop):
                self.renders += 1
                return super().render_lines(crop)

        with CountedRow(id="row"):
            for name in ("left", "middle", "right"):
                yield counted_static(name, name).set_classes("pane")
        yield counted_static("bottom line", "bottom")


@contextlib.asynccontextmanager
async def panes_with_the_middle_changed():
    """``Panes`` running at 60x12, its middle pane's text changed and drawn: (app, middle pane)."""
    app = Panes()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        middle = app.query_one("#middle")
        middle.update("middle, changed")
        await pilot.pause()
        yield app, middle


async def test_a_partial_update_renders_only_the_widgets_it_repaints() -> None:
    """Fix 10: an update of the middle pane renders neither the side panes nor the bottom line, nor
    the row behind the panes, whose part of the update the middle pane covers (before the fix
    every widget on the screen was rendered for every update: a new message drew the key line,
    the status bar, both side panes and the message box again in every session), and what goes
    to the terminal is the same as Textual's own partial update sends."""
    from textual._compositor import Compositor

    async with panes_with_the_middle_changed() as (app, middle):
        others = [app.query_one(f"#{name}") for name in ("left", "right", "bottom")]
        compositor = app.screen._compositor
        terminal = console("truecolor")

        def partial_update() -> list[tuple[str, Style | None]]:
            compositor._dirty_regions.clear()
            compositor._dirty_regions.add(middle.region.shrink((1, 2, 1, 2)))  # inside the border
            update = compositor.render_partial_update()
            assert update is not None
            return [(s.text, s.style) for s in update.__rich_console__(terminal, terminal.options)]

        # the row is behind the panes: what it would draw in the update is all covered by the middle one
        others.append(app.query_one("#row"))
        before = [w.renders for w in others]
        ours = partial_update()
        assert [w.renders for w in others] == before
        ours_again = partial_update()
        Compositor._get_renders = textual_fixes._textual_get_renders
        try:
            textuals = partial_update()
        finally:
            Compositor._get_renders = textual_fixes._get_renders
        assert [w.renders for w in others] != before  # Textual's own renders them all
        assert ours == ours_again == textuals
        assert any("changed" in text for text, _ in ours)


async def test_apps_share_their_parsed_css() -> None:
    """Fix 11: a second app (a second session) reuses the rule sets the first parsed, and its
    widgets are styled the same; another theme's variables are parsed apart."""
    first, second = Panes(), Panes()
    async with first.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        first_rules = list(first.stylesheet.rules)
        first_border = first.query_one("#left").styles.border
    async with second.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        assert [id(rule) for rule in second.stylesheet.rules] == [id(rule) for rule in first_rules]
        assert second.query_one("#left").styles.border == first_border
        other = second.stylesheet.copy()
        other.set_variables({**second.stylesheet._variables, "accent": "#123456"})
        other.parse()
        assert [id(rule) for rule in other.rules] != [id(rule) for rule in first_rules]


class LongList(App[None]):
    """Forty lines in a ten-row scrolling pane: a vertical scrollbar with a thumb to move."""

    def compose(self):
        from textual.containers import VerticalScroll
        from textual.widgets import Label

        with VerticalScroll():
            for n in range(40):
                yield Label(f"line {n}")


def cells(lines: list[Strip]) -> list[list[tuple[str, Style | None]]]:
    return [[(segment.text, segment.style) for segment in line] for line in lines]


async def test_sessions_share_the_lines_of_a_scrollbar_that_looks_the_same() -> None:
    """Fix 12: a second app (a second session) showing the same scrollbar gets the very lines the
    first drew, and they are what Textual draws; a moved thumb, another size or the hover colours
    are drawn anew, as Textual draws them, and so is a bar whose parent's style changed (a key
    missing any of these would show a stale bar)."""
    first, second = LongList(), LongList()
    crop = Region(0, 0, 1, 10)
    async with first.run_test(size=(30, 10)) as pilot:
        await pilot.pause()
        bar = first.query_one("VerticalScroll").vertical_scrollbar
        drawn = bar.render_lines(crop)
        assert cells(drawn) == cells(textual_fixes._textual_scrollbar_render_lines(bar, crop))
        async with second.run_test(size=(30, 10)) as second_pilot:
            await second_pilot.pause()
            other = second.query_one("VerticalScroll").vertical_scrollbar
            assert [id(line) for line in other.render_lines(crop)] == [id(line) for line in drawn]

            second.query_one("VerticalScroll").scroll_end(animate=False, immediate=True)
            await second_pilot.pause()
            moved = other.render_lines(crop)
            assert cells(moved) != cells(drawn)
            assert cells(moved) == cells(textual_fixes._textual_scrollbar_render_lines(other, crop))

            other.mouse_over = True
            await second_pilot.pause()
            hovered = other.render_lines(crop)
            assert cells(hovered) != cells(moved)
            assert cells(hovered) == cells(textual_fixes._textual_scrollbar_render_lines(other, crop))

            await second_pilot.resize_terminal(30, 8)
            await second_pilot.pause()
            smaller = other.render_lines(Region(0, 0, 1, 8))
            assert cells(smaller) == cells(textual_fixes._textual_scrollbar_render_lines(other, Region(0, 0, 1, 8)))

            second.query_one("VerticalScroll").styles.scrollbar_color_hover = "red"  # the bar's parent
            await second_pilot.pause()
            recoloured = other.render_lines(Region(0, 0, 1, 8))
            assert cells(recoloured) != cells(smaller)
            assert cells(recoloured) == cells(textual_fixes._textual_scrollbar_render_lines(other, Region(0, 0, 1, 8)))


async def test_an_update_sends_the_same_bytes_as_textuals_own() -> None:
    """Fix 13: the cursor moves are made once per position, and what goes to the terminal is what
    Textual's own ``render_segments`` sends, for a whole pane, a span that cuts through a pane
    (its strip is cropped) and spans on several rows."""
    async with panes_with_the_middle_changed() as (app, middle):
        compositor = app.screen._compositor
        terminal = console("truecolor")
        cases = [
            [middle.region],
            [middle.region.shrink((1, 2, 1, 2))],
            [Region(0, 1, 7, 1), Region(30, 3, 25, 2)],  # spans that end inside a pane
            [app.screen.region],
        ]
        for regions in cases:
            compositor._dirty_regions.clear()
            compositor._dirty_regions.update(regions)
            update = compositor.render_partial_update()
            assert update is not None
            ours = update.render_segments(terminal)
            assert ours == textual_fixes._textual_render_segments(update, terminal), regions
            assert ours.count("\x1b[") > 1


def test_parameter_counts_are_textuals_and_kept_for_call_next_partials(monkeypatch) -> None:
    """Fix 14: ``call_next`` wraps each callback in a new partial, so Textual counted the
    callback's parameters with ``inspect.signature`` at every call. The count is Textual's own for
    every kind of callable (a method taking only ``*args`` included), and a partial of a bound
    method, as ``call_next`` makes them, is counted once per function, not once per call."""
    from textual import _callback

    class Handler:
        def one(self, event): ...

        async def two(self, event, more=None): ...

        def star(*args): ...

        @staticmethod
        def static(a, b): ...

        def __call__(self, a): ...

    def plain(a, b, c=1): ...

    handler = Handler()
    callables = [
        plain,
        handler.one,
        handler.two,
        handler.star,
        Handler.static,
        handler,
        lambda: None,
        print,
        functools.partial(handler.one, "event"),
        functools.partial(plain, 1),
        functools.partial(handler.two, "event", more=2),
    ]
    for callable_ in callables:  # what the patch replaces: Textual's len(signature(func).parameters)
        ours = textual_fixes._count_parameters(callable_)
        assert ours == textual_fixes._textual_count_parameters(callable_), callable_

    counted = []
    real_signature = inspect.signature
    monkeypatch.setattr(inspect, "signature", lambda f, *a, **k: counted.append(f) or real_signature(f, *a, **k))
    for _ in range(3):
        assert _callback.count_parameters(functools.partial(handler.one, "event")) == 0
        assert _callback.count_parameters(functools.partial(handler.two, "event")) == 1
    assert counted == []  # known from the first time


SHARED_WORDS: dict[tuple[str, int], Strip] = {}


class SharedWords(App[None]):
    """A pane whose lines are shared objects (as the message log's are), beside a pane of its own
    and over a bottom line: two of these are two sessions showing a channel alike."""

    CSS = "Horizontal { height: 1fr; } #words { width: 1fr; } #side { width: 12; border: round $accent; }"

    def __init__(self, word: str = "hello") -> None:
        super().__init__()
        self.word = word

    def compose(self):
        from textual.containers import Horizontal
        from textual.widget import Widget

        app = self

        class Words(Widget):
            def render_lines(self, crop):
                width = self.size.width
                key = (app.word, width)
                if key not in SHARED_WORDS:
                    SHARED_WORDS[key] = Strip([Segment(app.word.ljust(width), Style(color="#ff8800"))], width)
                return [SHARED_WORDS[key].crop(*crop.column_span) for _ in crop.line_range]

        with Horizontal():
            yield Words(id="words")
            yield counted_static("side", "side")
        yield counted_static("bottom line", "bottom")


def partial_update_of(app: App, regions: list[Region]):
    compositor = app.screen._compositor
    compositor._dirty_regions.clear()
    compositor._dirty_regions.update(regions)
    return compositor.render_partial_update()


async def test_sessions_making_the_same_update_share_it_and_send_textuals_bytes() -> None:
    """Fix 15: two apps (sessions) whose update is made of the very same lines get the one update,
    whose bytes are what Textual's own partial update sends; other words, another colour system
    or a widget in front (an overlay over the pane) make an update of their own."""
    from textual._compositor import Compositor

    terminal, plain = console("256"), console("standard")
    first, second, other = SharedWords(), SharedWords(), SharedWords("goodbye")
    async with (
        first.run_test(size=(40, 8)) as pilot,
        second.run_test(size=(40, 8)) as pilot2,
        other.run_test(size=(40, 8)) as pilot3,
    ):
        for each in (pilot, pilot2, pilot3):
            await each.pause()
        words = first.query_one("#words").region
        regions = [words, Region(0, 2, 10, 3)]  # a pane, and a part of it
        update = partial_update_of(first, regions)
        assert partial_update_of(second, regions) is update
        sent = update.render_segments(terminal)
        assert "hello" in sent and update.render_segments(terminal) is sent
        assert update.render_segments(plain) != sent  # kept per colour system

        Compositor.render_partial_update = textual_fixes._textual_render_partial_update
        try:
            assert partial_update_of(second, regions).render_segments(terminal) == sent
            assert partial_update_of(second, regions).render_segments(plain) == update.render_segments(plain)
            textuals_other = partial_update_of(other, regions).render_segments(terminal)
        finally:
            Compositor.render_partial_update = textual_fixes._render_partial_update
        others = partial_update_of(other, regions)
        assert others is not update and others.render_segments(terminal) == textuals_other

        from textual.widgets import Static

        front = Static("in front", id="front")
        front.styles.overlay = "screen"
        front.styles.offset = (2, -6)  # laid out below the bottom line: moved up over the pane
        await second.screen.mount(front)
        await pilot2.pause()
        assert front.region.overlaps(words)
        covered = partial_update_of(second, regions)
        assert covered is not update and "in front" in covered.render_segments(terminal)
        Compositor.render_partial_update = textual_fixes._textual_render_partial_update
        try:
            assert covered.render_segments(terminal) == partial_update_of(second, regions).render_segments(terminal)
        finally:
            Compositor.render_partial_update = textual_fixes._render_partial_update
