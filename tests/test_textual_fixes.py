"""Tests for safespace_tui.tui.textual_fixes.

Each behaviour test fails when ``apply()`` is not called (checked by running
this file with ``textual_fixes.apply`` replaced by a no-op).
"""

from __future__ import annotations

import gc
import io
import logging
import sys
import weakref

import pytest
from rich.color import Color, ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._context import active_message_pump
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.strip import Strip

from safespace_tui.tui import textual_fixes

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
def test_shared_style_renders_per_colour_system(
    n: int, order: tuple[str, ...]
) -> None:
    colour = f"#ff89{n:02x}"
    style = Style(color=colour)  # one Style object, as Rich/Textual share them
    for system in order:
        strip = Strip([Segment("hi", style)])
        assert only(colour, system, strip.render(console(system))), system


@pytest.mark.parametrize("n, order", enumerate(ORDERS))
def test_shared_blank_strip_renders_per_colour_system(
    n: int, order: tuple[str, ...]
) -> None:
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


def test_apply_warns_on_other_textual_version(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(textual_fixes, "PINNED_TEXTUAL_VERSION", "0.0.1")
    monkeypatch.setattr(textual_fixes, "_version_warned", False)
    with caplog.at_level(logging.WARNING, logger="safespace.textual_fixes"):
        textual_fixes.apply()
    assert "0.0.1" in caplog.text
    assert Strip.render is textual_fixes._render  # still applied


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
