"""Neutralise Textual behaviours that break many apps in one process.

Safe Space serves every SSH session from one process: each session is its own
``textual.App`` on the same asyncio loop. Textual assumes one app per process,
and some of its shortcuts go wrong when that is not true (fixes 1-4); and what
one session costs is multiplied by every session (fix 5). ``apply()`` patches
them; call it once at start-up, before the first App is created (calling it
again is harmless).

The patches are written against the pinned Textual version (see
``PINNED_TEXTUAL_VERSION``). If an attribute they replace has gone, ``apply()``
raises ``RuntimeError`` so an upgrade fails loudly in the tests.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from functools import lru_cache
from importlib.metadata import version
from typing import Any

from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style

import textual.app
from textual._xterm_parser import XTermParser
from textual.strip import SGR_STYLES, Strip

log = logging.getLogger("safespace.textual_fixes")

PINNED_TEXTUAL_VERSION = "8.2.8"

CACHED_COLOR_SYSTEM = ColorSystem.EIGHT_BIT
"""The one colour system whose renders may use ``Strip._render_cache``.

256 colours is what most sessions get: OpenSSH forwards no COLORTERM.
"""

_version_warned = False


def _require(owner: Any, *names: str) -> None:
    for name in names:
        if not hasattr(owner, name):
            raise RuntimeError(
                f"textual_fixes: {owner.__name__}.{name} no longer exists; "
                "re-check these patches against the installed Textual"
            )


# --- Fix 1: XTermParser._parse_extended_key -------------------------------


def _fix_parser_cache() -> None:
    """Drop the ``lru_cache`` from ``XTermParser._parse_extended_key``.

    The cache is on the class and keyed on ``self``, so it keeps up to 1,024
    dead parsers alive, and the cached ``Key`` events hold the App that was
    active when they were parsed (``Message._sender``): about 1 MiB leaked per
    disconnected session. The parsing it saves is trivial.
    """
    _require(XTermParser, "_parse_extended_key")
    cached = XTermParser.__dict__["_parse_extended_key"]
    if hasattr(cached, "__wrapped__"):
        XTermParser._parse_extended_key = cached.__wrapped__
        cached.cache_clear()  # let go of parsers cached before the patch


# --- Fix 2: App._process_messages redirects stdout/stderr -----------------


def _no_redirect(_target: object) -> nullcontext[None]:
    """Stand-in for ``redirect_stdout``/``redirect_stderr`` that changes nothing."""
    return nullcontext()


def _fix_stdout_redirect() -> None:
    """Stop each App from swapping the process-wide ``sys.stdout``/``sys.stderr``.

    ``App._process_messages`` wraps the app's whole run in
    ``redirect_stdout``/``redirect_stderr``. With several apps interleaved on
    one loop, those are restored in the wrong order (A enters, B enters, A
    exits, B exits and "restores" A's capture object), leaving ``sys.stdout``
    pointing at a dead app: the app leaks and later prints are swallowed. The
    server logs to a file; nothing should go to stdout, so no redirect is
    needed. (This also disables the redirect in ``App.suspend``, which a
    server-side app cannot use.)
    """
    _require(textual.app, "redirect_stdout", "redirect_stderr")
    textual.app.redirect_stdout = _no_redirect
    textual.app.redirect_stderr = _no_redirect


# --- Fix 3: ANSI codes cached for the first app's colour system -----------


@lru_cache(maxsize=16384)
def _sgr(style: Style, color_system: ColorSystem) -> str:
    """SGR parameters for ``style`` in ``color_system``.

    Same as ``Strip.render_ansi`` but keyed on the colour system and without
    its side effect of writing ``style._ansi``.
    """
    sgr: list[str] = []
    if attributes := style._attributes & style._set_attributes:
        sgr = [
            SGR_STYLES[bit]
            for bit in range(attributes.bit_length())
            if attributes & (1 << bit)
        ]
    if (color := style._color) is not None:
        sgr.extend(color.downgrade(color_system).get_ansi_codes())
    if (bgcolor := style._bgcolor) is not None:
        sgr.extend(bgcolor.downgrade(color_system).get_ansi_codes(False))
    return ";".join(sgr)


def _render_style(style: Style, text: str, color_system: ColorSystem) -> str:
    ansi = _sgr(style, color_system)
    output = f"\x1b[{ansi}m{text}\x1b[0m" if ansi else text
    if style._link:
        output = (
            f"\x1b]8;id={style._link_id};{style._link}\x1b\\{output}\x1b]8;;\x1b\\"
        )
    return output


def _render_ansi(cls: type[Strip], style: Style, color_system: ColorSystem) -> str:
    return _sgr(style, color_system)


def _render(self: Strip, console: Console) -> str:
    """``Strip.render`` that only caches for ``CACHED_COLOR_SYSTEM``."""
    color_system = console._color_system or ColorSystem.TRUECOLOR
    cacheable = color_system == CACHED_COLOR_SYSTEM
    if cacheable and self._render_cache is not None:
        return self._render_cache
    rendered = "".join(
        [
            text if style is None else _render_style(style, text, color_system)
            for text, style, _ in self._segments
        ]
    )
    if cacheable:
        self._render_cache = rendered
    return rendered


def _fix_strip_colour_caches() -> None:
    """Make strip rendering correct when sessions use different colour systems.

    Textual caches rendered escape codes in two places that ignore the
    colour system:

    * ``Strip.render_style`` reads ``style._ansi``, which ``render_ansi``
      stores on the Rich ``Style`` object. Styles are shared between apps
      (Rich and Textual intern them in lru_caches), so the first session's
      colour depth leaks into everyone's. We compute codes with ``_sgr``,
      keyed on (style, colour system), and never read or write ``_ansi``.
    * ``Strip.render`` stores its output in ``strip._render_cache``, which
      ``Strip.join`` and ``Strip.apply_offsets`` copy to new strips, and
      strips are shared between apps (``Strip.blank`` is an lru_cache, and
      strips derived from a shared strip are cached on it). We keep that cache
      only for ``CACHED_COLOR_SYSTEM``, so any ``_render_cache`` is always a
      256-colour render; other colour systems render without reading or
      writing it.
    """
    _require(Strip, "render", "render_style", "render_ansi", "blank")
    if "_render_cache" not in Strip.__slots__:
        raise RuntimeError("textual_fixes: Strip._render_cache no longer exists")
    Strip.render = _render
    Strip.render_style = staticmethod(_render_style)
    Strip.render_ansi = classmethod(_render_ansi)
    if hasattr(Strip.blank, "cache_clear"):
        Strip.blank.cache_clear()  # drop blanks rendered before the patch


def _check_version() -> None:
    global _version_warned
    installed = version("textual")
    if installed != PINNED_TEXTUAL_VERSION and not _version_warned:
        _version_warned = True
        log.warning(
            "Textual %s is installed but textual_fixes was written for %s; "
            "check the patches still apply",
            installed,
            PINNED_TEXTUAL_VERSION,
        )


# --- Fix 4: StylesCache.get_inner_outer ------------------------------------


@lru_cache(maxsize=1024)
def _inner_outer(base_background: Any, background: Any) -> tuple[Any, Any]:
    from textual.style import Style

    return Style(background=base_background + background), Style(background=base_background)


def _get_inner_outer(self: Any, base_background: Any, background: Any) -> tuple[Any, Any]:
    return _inner_outer(base_background, background)


def _fix_styles_cache() -> None:
    """Key ``StylesCache.get_inner_outer``'s cache on the colours only.

    It is an ``lru_cache`` on an instance method, so its key holds each widget's
    StylesCache (and what it rendered): the last ~12 closed sessions stayed in
    memory, +34-39 MiB over the first 100 connect/disconnect cycles (bench/).
    The method never uses ``self``, so caching on the colours alone is the same.
    """
    from textual._styles_cache import StylesCache

    _require(StylesCache, "get_inner_outer")
    cached = StylesCache.__dict__["get_inner_outer"]
    if cached is not _get_inner_outer:
        StylesCache.get_inner_outer = _get_inner_outer
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


# --- Fix 5: Strip's seven caches, made on first use -------------------------

_STRIP_CACHES = (
    "_divide_cache", "_crop_cache", "_style_cache", "_filter_cache",
    "_line_length_cache", "_crop_extend_cache", "_offsets_cache",
)


class _CacheOnFirstUse:
    """A ``Strip`` slot whose ``FIFOCache`` is made the first time it is asked for."""

    __slots__ = ("slot", "maxsize")

    def __init__(self, slot: Any, maxsize: int) -> None:
        self.slot = slot
        self.maxsize = maxsize

    def __get__(self, strip: Any, owner: Any = None) -> Any:
        if strip is None:
            return self
        try:
            return self.slot.__get__(strip, owner)
        except AttributeError:
            from textual.cache import FIFOCache

            cache = FIFOCache(self.maxsize)
            self.slot.__set__(strip, cache)
            return cache

    def __set__(self, strip: Any, value: Any) -> None:
        self.slot.__set__(strip, value)

    def __delete__(self, strip: Any) -> None:
        self.slot.__delete__(strip)


def _strip_init(self: Strip, segments: Any, cell_length: int | None = None) -> None:
    self._segments = list(segments)
    self._cell_length = cell_length
    self._render_cache = None
    self._link_ids = None
    self._cell_count = None


def _fix_strip_cache_allocation() -> None:
    """Make each of a ``Strip``'s seven ``FIFOCache`` objects when first used.

    Every Strip made seven caches (each a cache object and a dict) in ``__init__``,
    most never used: about 0.9 MiB of a session's ~3.6 MiB of Python objects, and
    14 more objects for the garbage collector per line drawn. Textual's own
    ``Content`` already makes its caches lazily; this does the same for Strip.
    """
    _require(Strip, *_STRIP_CACHES)
    if isinstance(Strip.__dict__["_crop_cache"], _CacheOnFirstUse):
        return
    sample = Strip([])  # read each cache's size from Textual itself
    sizes = {name: getattr(sample, name)._maxsize for name in _STRIP_CACHES}
    for name in _STRIP_CACHES:
        setattr(Strip, name, _CacheOnFirstUse(Strip.__dict__[name], sizes[name]))
    Strip.__init__ = _strip_init  # type: ignore[method-assign]


def apply() -> None:
    """Apply all fixes. Idempotent; call before creating the first App."""
    _check_version()
    _fix_parser_cache()
    _fix_stdout_redirect()
    _fix_strip_colour_caches()
    _fix_styles_cache()
    _fix_strip_cache_allocation()


# --- Helpers for private Textual API used elsewhere ------------------------


def repaint_now(widget: Any) -> None:
    """Hand ``widget``'s pending repaint to its screen now instead of when it is next idle.

    ``Widget._check_refresh`` is private; a test in tests/test_textual_fixes.py guards it.
    """
    widget._check_refresh()


def set_color_system(console: Console, name: str) -> None:
    """Give one session's console its own colour depth (``Console._color_system`` is private)."""
    from rich.console import COLOR_SYSTEMS

    console._color_system = COLOR_SYSTEMS[name]
