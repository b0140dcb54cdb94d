"""Every use of Textual, Rich and asyncio internals, in one place.

Safe Space serves every SSH session from one process: each session is its own
``textual.App`` on the same asyncio loop. Textual assumes one app per process,
and some of its shortcuts go wrong when that is not true (fixes 1-4); and what
one session costs is multiplied by every session (fixes 5 and 10-15). ``apply()`` patches
them; call it once at start-up, before the first App is created (calling it
again is harmless).

Code elsewhere that needs a private attribute of Textual, Rich or asyncio calls
a small named helper from this module instead (the second half of the file),
so an upgrade has one file to re-read. Each entry below says where it is used,
why there is no public way, and the test in ``tests/test_textual_fixes.py``
that fails when an upgrade changes it.

The patches and helpers are written against the pinned versions
(``PINNED_VERSIONS``, the exact pins in pyproject.toml). ``apply()`` refuses to
run on any other version, and raises ``RuntimeError`` if an attribute it
replaces has gone, so an upgrade fails the suite (every test applies the
fixes) and a server with other versions does not start.

Library internals used outside this module
-------------------------------------------
=============================  ==========================  ===========================================
where                          helper / internal           guarded by
=============================  ==========================  ===========================================
ssh/driver.py                  ``XTermParser`` (from the   test_input_parser_is_textuals_own
                               private ``textual.
                               _xterm_parser``; Textual's
                               own drivers import it so)
ssh/driver.py                  ``escape_pending(parser)``, test_escape_pending_follows_a_lone_escape
                               ``resolve_escape_now``
                               (``Parser._timeout_time``)
ssh/driver.py                  ``TrackedKey`` (fix 9:      test_key_order.py
                               its hops counted in
                               ``MessagePump.post_message``
                               and ``_dispatch_message``)
ssh/driver.py                  ``Driver._app``, ``_loop``, test_driver_base_keeps_app_loop_and_mouse
                               ``_mouse``: set by
                               ``Driver.__init__``; every
                               Textual driver reads them,
                               justified in place
ssh/session.py                 ``forget_cancelled_timers`` test_forget_cancelled_timers_frees_the_heap
                               (``loop._scheduled``,
                               ``TimerHandle._scheduled``,
                               ``loop._timer_cancelled_
                               count``)
tui/app.py (lead switches)     ``set_color_system``        test_set_color_system_changes_the_depth
                               (``Console._color_system``)
tui/app.py (lead switches)     ``ReportingApp``            test_reporting_app_sees_a_failing_handler
                               (``App._handle_exception``)
tui/screens/main.py (lead)     ``repaint_now(widget)``     test_repaint_now_hands_the_update_over
                               (``Widget._check_refresh``)
tui/widgets/message_log.py     ``update_scrollbars``       test_update_scrollbars_moves_the_thumb
                               (``Widget._scroll_update``)
tui/widgets/kept_lines.py      ``styles_epoch(node)``      test_the_logs_kept_lines_paint_exactly_
                               (``RenderStyles._cache_     what_textual_would (test_main_screen.py)
                               key`` of each ancestor)     and test_sessions_share_the_lines_of_a_
                                                           scrollbar_that_looks_the_same
tui/widgets/message_log.py     ``repaint_at_once``         test_repaint_at_once_marks_what_refresh_
                               (``Widget.refresh``'s marks marks_and_prompts_no_one
                               without its ``Prompt``)
tui/widgets/message_log.py     ``hand_repaint_to_screen``  test_hand_repaint_to_screen_gives_the_
                               (``Screen._dirty_widgets``, screen_its_dirty_widgets_at_once
                               ``_update_timer``, a
                               widget's ``_repaint_
                               required`` and the other
                               pending flags)
tui/widgets/message_log.py     ``inner_background_style``  test_inner_background_style_is_textuals
                               (``Widget._styles_cache``)
tui/widgets/message_box.py     overrides ``TextArea.       test_text_area_key_and_paste_hooks
                               _on_key``/``_on_paste``:
                               the way Textual's TextArea
                               docs extend it; justified
                               in place
tui/widgets/message_box.py     ``ThemeAppliedOnce``        test_theme_applied_once_per_style_change
                               (``TextArea._theme``,
                               skips ``TextArea.render_
                               lines``)
ssh/session.py                 ``release_app`` (empties    test_departures.py (apps freed with no
                               the ``__dict__`` of a       full collection)
                               closed app's pumps, walks
                               ``App._registry`` at exit)
ssh/server.py                  ``release_connection``      test_departures.py (a connection leaves
                               (asyncssh's                 nothing in cycles)
                               ``_recv_handler``)
ssh/asyncssh_fixes.py          replaces asyncssh's         test_the_environment_is_bounded
                               ``SSHServerChannel._proces  (test_ssh_hardening.py) and apply()'s
                               s_env_request`` and writes  own check
                               ``_env``: asyncssh has no
                               hook to refuse an env
                               request
ssh/asyncssh_fixes.py          replaces asyncssh's         test_keepalives_fall_on_a_shared_grid_
                               ``SSHConnection._set_keep   so_the_server_wakes_once_for_many
                               alive_timer`` (reads its    (test_ssh_limits.py) and apply()'s own
                               ``_loop``, ``_keepalive_*``  check
                               fields): no hook to time
                               keepalives together
=============================  ==========================  ===========================================

``test_no_library_internals_outside_textual_fixes`` reads the package and fails
on any private attribute of another object (or a private library module) used
outside this module that the table does not list.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
from collections.abc import Generator
from contextlib import nullcontext
from functools import lru_cache
from importlib.metadata import version
from types import FunctionType, MethodType
from typing import Any, cast

import textual.app
from rich.color import ColorSystem
from rich.console import COLOR_SYSTEMS, Console
from rich.style import Style
from textual import events
from textual._compositor import ChopsUpdate
from textual._xterm_parser import XTermParser
from textual.app import App, ReturnType
from textual.cache import FIFOCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.message_pump import MessagePump
from textual.strip import SGR_STYLES, Strip
from textual.widget import Widget

PINNED_TEXTUAL_VERSION = "8.2.8"
PINNED_RICH_VERSION = "15.0.0"
PINNED_VERSIONS = {"textual": PINNED_TEXTUAL_VERSION, "rich": PINNED_RICH_VERSION}
"""What the patches and helpers were written and tested against (pyproject.toml pins the same)."""

CACHED_COLOR_SYSTEM = ColorSystem.EIGHT_BIT
"""The one colour system whose renders may use ``Strip._render_cache``.

256 colours is what most sessions get: OpenSSH forwards no COLORTERM.
"""


def _require(owner: Any, *names: str) -> None:
    for name in names:
        if not hasattr(owner, name):
            raise RuntimeError(
                f"textual_fixes: {owner.__name__}.{name} no longer exists; "
                "re-check these patches against the installed Textual"
            )


def _patch(owner: Any, name: str, value: object) -> None:
    """Put ``value`` in place of ``owner.name``: replacing a library's method or class is what
    these fixes are for, so every replacement goes through here, where the type checker is not
    asked to approve assigning over a method (it rightly would not)."""
    setattr(owner, name, value)


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
        _patch(XTermParser, "_parse_extended_key", cached.__wrapped__)
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
    _patch(textual.app, "redirect_stdout", _no_redirect)
    _patch(textual.app, "redirect_stderr", _no_redirect)


# --- Fix 3: ANSI codes cached for the first app's colour system -----------


@lru_cache(maxsize=16384)
def _sgr(style: Style, color_system: ColorSystem) -> str:
    """SGR parameters for ``style`` in ``color_system``.

    Same as ``Strip.render_ansi`` but keyed on the colour system and without
    its side effect of writing ``style._ansi``.
    """
    sgr: list[str] = []
    if attributes := style._attributes & style._set_attributes:
        sgr = [SGR_STYLES[bit] for bit in range(attributes.bit_length()) if attributes & (1 << bit)]
    if (color := style._color) is not None:
        sgr.extend(color.downgrade(color_system).get_ansi_codes())
    if (bgcolor := style._bgcolor) is not None:
        sgr.extend(bgcolor.downgrade(color_system).get_ansi_codes(False))
    return ";".join(sgr)


def _render_style(style: Style, text: str, color_system: ColorSystem) -> str:
    ansi = _sgr(style, color_system)
    output = f"\x1b[{ansi}m{text}\x1b[0m" if ansi else text
    if style._link:
        output = f"\x1b]8;id={style._link_id};{style._link}\x1b\\{output}\x1b]8;;\x1b\\"
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
        [text if style is None else _render_style(style, text, color_system) for text, style, _ in self._segments]
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
    _patch(Strip, "render", _render)
    _patch(Strip, "render_style", staticmethod(_render_style))
    _patch(Strip, "render_ansi", classmethod(_render_ansi))
    if hasattr(Strip.blank, "cache_clear"):
        Strip.blank.cache_clear()  # drop blanks rendered before the patch


def version_mismatches() -> list[str]:
    """``"name installed X, pinned Y"`` for each library that is not the pinned version."""
    return [
        f"{name} {version(name)} is installed, {pinned} is pinned"
        for name, pinned in PINNED_VERSIONS.items()
        if version(name) != pinned
    ]


def _check_version() -> None:
    """Refuse other versions: the patches read and replace private fields of these exact ones."""
    if mismatches := version_mismatches():
        raise RuntimeError(
            "textual_fixes: " + "; ".join(mismatches) + ". Re-check textual_fixes against them, then move the pins."
        )


# --- Fix 4: StylesCache.get_inner_outer ------------------------------------


@lru_cache(maxsize=1024)
def _inner_outer(base_background: Any, background: Any) -> tuple[Any, Any]:
    from textual.style import Style

    return Style(background=base_background + background), Style(background=base_background)


_textual_get_inner_outer: Any = None
"""Textual's own ``StylesCache.get_inner_outer``, kept so a test can compare ours with it."""


def _get_inner_outer(self: Any, base_background: Any, background: Any) -> tuple[Any, Any]:
    return _inner_outer(base_background, background)


def _fix_styles_cache() -> None:
    """Key ``StylesCache.get_inner_outer``'s cache on the colours only.

    It is an ``lru_cache`` on an instance method, so its key holds each widget's
    StylesCache (and what it rendered): the last ~12 closed sessions stayed in
    memory, +34-39 MiB over the first 100 connect/disconnect cycles (bench/).
    The method never uses ``self``, so caching on the colours alone is the same.
    """
    global _textual_get_inner_outer
    from textual._styles_cache import StylesCache

    _require(StylesCache, "get_inner_outer")
    cached = StylesCache.__dict__["get_inner_outer"]
    if cached is not _get_inner_outer:
        _textual_get_inner_outer = cached
        _patch(StylesCache, "get_inner_outer", _get_inner_outer)
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


# --- Fix 5: Strip's seven caches, made on first use -------------------------

_STRIP_CACHES = (
    "_divide_cache",
    "_crop_cache",
    "_style_cache",
    "_filter_cache",
    "_line_length_cache",
    "_crop_extend_cache",
    "_offsets_cache",
)


class _StripCache(FIFOCache[Any, Any]):
    """One of a Strip's caches that never keeps the strip itself.

    ``Strip.adjust_cell_length`` and ``crop_extend`` (and ``divide``, in a list) cache ``self``
    when nothing needs changing: every such strip was a reference cycle, freed only by a full
    collection (bench/cycle_diag.py: 140-200 of each closed session's drawn lines). A result that
    is the strip itself is not worth caching anyway.
    """

    __slots__ = ("_owner",)

    def __init__(self, maxsize: int, owner: int) -> None:
        super().__init__(maxsize)
        self._owner = owner  # the strip's id: a reference to it would be the cycle again

    def set(self, key: Any, value: Any) -> None:
        owner = self._owner
        if id(value) == owner or (type(value) is list and any(id(item) == owner for item in value)):
            return
        super().set(key, value)

    __setitem__ = set


class _CacheOnFirstUse:
    """A ``Strip`` slot whose ``FIFOCache`` is made the first time it is asked for."""

    __slots__ = ("maxsize", "slot")

    def __init__(self, slot: Any, maxsize: int) -> None:
        self.slot = slot
        self.maxsize = maxsize

    def __get__(self, strip: Any, owner: Any = None) -> Any:
        if strip is None:
            return self
        try:
            return self.slot.__get__(strip, owner)
        except AttributeError:
            cache = _StripCache(self.maxsize, id(strip))
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
        _patch(Strip, name, _CacheOnFirstUse(Strip.__dict__[name], sizes[name]))
    _patch(Strip, "__init__", _strip_init)


# --- Fix 6: virtual style nodes made anew at every restyle ------------------


def _process_component_classes(self: Any, node: Any) -> None:
    """``Stylesheet._process_component_classes`` that reuses each widget's virtual nodes.

    Textual reads a widget's component classes (``text-area--cursor`` ...) from "virtual" DOM
    nodes, and made new ones every time the widget was restyled (focus, hover, a presence
    change): ~84 per connect, each a reference cycle (node -> styles -> node) that only the cycle
    collector frees (bench/cycle_diag.py). The same node, restyled in place, gives the same styles.
    """
    from textual.dom import DOMNode

    component_classes = node._get_component_classes()
    if not component_classes:
        return
    refresh_node = False
    old_component_styles = node._component_styles.copy()
    node._component_styles.clear()
    for component in sorted(component_classes):
        old = old_component_styles.get(component)
        if old is not None and isinstance(old.node, DOMNode) and old.node._parent is node:
            virtual_node = old.node
            before = dict(old.base._rules)
            self.apply(virtual_node, animate=False)
            changed = virtual_node.styles.base._rules != before
        else:
            virtual_node = DOMNode(classes=component)
            virtual_node._attach(node)
            self.apply(virtual_node, animate=False)
            changed = old != virtual_node.styles
        refresh_node = refresh_node or changed
        node._component_styles[component] = virtual_node.styles
    if refresh_node:
        node.refresh()


def _fix_virtual_nodes() -> None:
    from textual.css.stylesheet import Stylesheet

    _require(Stylesheet, "_process_component_classes")
    _patch(Stylesheet, "_process_component_classes", _process_component_classes)


# --- Fix 7: LRUCache.clear leaves its ring of links -------------------------


def _lru_clear(self: Any) -> None:
    """``LRUCache.clear`` that unlinks its entries first.

    Each entry is a ``[prev, next, key, value]`` list in a ring; Textual's ``clear`` drops the
    dict but leaves the ring, a reference cycle holding every key and value (widgets' box models,
    arrangements) until a full collection: ~80 such lists per closed session (cycle_diag.py).
    """
    for link in self._cache.values():
        link.clear()
    self._cache.clear()
    self._full = False
    self._head = []


def _fix_lru_clear() -> None:
    from textual.cache import LRUCache

    _require(LRUCache, "clear", "_cache", "_head")
    _patch(LRUCache, "clear", _lru_clear)


# --- Fix 8: a finished worker kept in a cycle with its task -----------------

_textual_worker_run: Any = None


async def _worker_run(self: Any, app: Any) -> None:
    """``Worker._run``, then the worker taken out of its task's context.

    ``Worker._run`` sets ``active_worker`` to the worker in the task's own context, and the worker
    holds the task: a cycle, holding the app, that only a full collection freed (a closed session
    stayed in memory through a worker it had run).
    """
    from textual.worker import active_worker

    try:
        await _textual_worker_run(self, app)
    finally:
        active_worker.set(None)  # type: ignore[arg-type]


def _fix_worker_cycle() -> None:
    global _textual_worker_run
    from textual.worker import Worker

    _require(Worker, "_run")
    current = Worker.__dict__["_run"]
    if current is not _worker_run:
        _textual_worker_run = current
        _patch(Worker, "_run", _worker_run)


# --- Fix 9: a key whose journey through the app can be awaited -------------


class TrackedKey(events.Key):
    """A key the SSH driver hands over and then waits on, until the app has finished with it.

    A key travels from queue to queue: the app forwards it to the focused widget, which bubbles
    it to each parent in turn and back to the app, where its binding runs (Tab moves the focus
    there). Textual gives no public sign of when that journey ends, and a queue's size says
    nothing of a message in hand. Guessing ("the queues looked quiet for 0.25 s") let the next
    key overtake Tab when the loop was slow: on a busy CI machine a "1" meant for the mood went
    into the spoons box. So each hop is counted: +1 when a queue takes the key, -1 when a pump
    has dispatched it; at zero the key is done.
    """

    def __init__(self, key: str, character: str | None = None) -> None:
        super().__init__(key, character)
        self.hops = 0
        self.done = asyncio.Event()


# A subclass gets a handler name of its own ("on_tracked_key"); it must reach every ``on_key``.
TrackedKey.handler_name = events.Key.handler_name


_textual_post_message: Any = None
_textual_dispatch_message: Any = None


def _post_message(self: MessagePump, message: Any) -> bool:
    queued: bool = _textual_post_message(self, message)
    if queued and type(message) is TrackedKey:
        message.hops += 1
    return queued


async def _dispatch_message(self: MessagePump, message: Any) -> None:
    try:
        await _textual_dispatch_message(self, message)
    finally:
        if type(message) is TrackedKey:
            message.hops -= 1
            if message.hops <= 0:
                message.done.set()


def _fix_key_journey() -> None:
    global _textual_post_message, _textual_dispatch_message

    _require(MessagePump, "post_message", "_dispatch_message")
    if MessagePump.__dict__["post_message"] is not _post_message:
        _textual_post_message = MessagePump.__dict__["post_message"]
        _textual_dispatch_message = MessagePump.__dict__["_dispatch_message"]
        _patch(MessagePump, "post_message", _post_message)
        _patch(MessagePump, "_dispatch_message", _dispatch_message)


# --- Fix 10: a partial update renders only what it repaints -----------------
# ``Compositor._get_renders(crop)`` picks the widgets whose *clip* (their container's region)
# meets the update, and renders each one's whole visible region. A top-level widget's clip is the
# screen, so every update rendered every widget on it: a new message dirties only the log and its
# scrollbar, yet the key line, the status bar, both side panes, the title and the message box (a
# TextArea re-applies its theme each time) were drawn again in every receiving session; so for a
# presence change, which dirties only the member list. Only lines inside the update's spans
# (inside ``crop``) are ever sent, so a widget that shows nothing inside ``crop`` is skipped and
# the others are rendered for the rows of ``crop`` only. Columns stay whole: the chops are cut at
# widget edges, which the crop's own edges need not be.


#
# Widgets come front to back, and each paints every cell of its region, so a widget whose part of
# ``crop`` is all painted by widgets in front of it is not rendered at all (the first strip for a
# cut wins; its strips were thrown away). A presence change rendered the member list's pane, the
# body row and the screen behind it in every session: five widgets per repaint for one
# (bench/profile_presence.py, 100 sessions: 1,414 -> 1,207 ms profiled per departure).


def _get_renders(self: Any, crop: Any = None) -> Any:
    if not crop:  # none, or empty: Textual then renders everything, as before
        yield from _textual_get_renders(self, crop)
        return
    top, bottom = crop.y, crop.bottom
    overlaps = crop.overlaps
    painted: list[Region] = []  # what the widgets in front have painted, inside crop
    for widget, (region, clip) in self.visible_widgets.items():
        x, y, width, height = clip
        rows_top, rows_bottom = max(y, top), min(y + height, bottom)
        if rows_bottom <= rows_top:
            continue
        clip = Region(x, rows_top, width, rows_bottom - rows_top)
        shown = region.intersection(clip)
        if not (shown.width and shown.height and overlaps(shown)):
            continue
        wanted = shown.intersection(crop)
        if painted and _all_painted(wanted, painted):
            continue  # behind widgets in front: its strips would only be thrown away
        painted.append(wanted)
        yield (
            region,
            clip,
            widget.render_lines(Region(shown.x - region.x, shown.y - region.y, shown.width, shown.height)),
        )


def _all_painted(wanted: Region, painted: list[Region]) -> bool:
    """Is every cell of ``wanted`` inside one of the ``painted`` regions?"""
    if any(region.contains_region(wanted) for region in painted):
        return True  # the usual case (a pane behind the one widget that changed): no row walk
    left, right = wanted.x, wanted.right
    for row in range(wanted.y, wanted.bottom):
        spans = sorted((r.x, r.right) for r in painted if r.y <= row < r.bottom and r.right > left and r.x < right)
        reached = left
        for start, end in spans:
            if start > reached:
                break
            reached = max(reached, end)
        if reached < right:
            return False
    return True


_textual_get_renders: Any = None
"""Textual's own ``Compositor._get_renders`` (a render with no crop still goes there)."""


def _fix_partial_renders() -> None:
    global _textual_get_renders
    from textual._compositor import Compositor

    _require(Compositor, "_get_renders", "visible_widgets", "_render_chops")
    if Compositor.__dict__["_get_renders"] is not _get_renders:
        _textual_get_renders = Compositor.__dict__["_get_renders"]
        _patch(Compositor, "_get_renders", _get_renders)


# --- Fix 11: each app parsed the same CSS again -----------------------------
# ``Stylesheet._parse_rules`` caches on the stylesheet, and each session's app has its own: every
# connect parsed app.tcss and every widget's DEFAULT_CSS anew (7 parses of ~26 sources, and each
# app kept its own copy of every rule set). The rules depend only on the CSS text, where it was
# read from, its flags and the theme's variables, and nothing changes a rule set once parsed, so
# one process-wide cache serves every session.

_PARSED_RULES: dict[tuple[Any, ...], list[Any]] = {}
_PARSED_RULES_MAX = 512  # distinct CSS sources: ~30 today; a bound, should anything vary per session


def _parse_rules(
    self: Any, css: str, read_from: Any, is_default_rules: bool = False, tie_breaker: int = 0, scope: str = ""
) -> list[Any]:
    key = (css, read_from, is_default_rules, tie_breaker, scope, tuple(self._variables.items()))
    rules = _PARSED_RULES.get(key)
    if rules is None:
        rules = _textual_parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
        if len(_PARSED_RULES) >= _PARSED_RULES_MAX:
            _PARSED_RULES.clear()
        _PARSED_RULES[key] = rules
    return rules


_textual_parse_rules: Any = None


def _fix_shared_css() -> None:
    global _textual_parse_rules
    from textual.css.stylesheet import Stylesheet

    _require(Stylesheet, "_parse_rules", "set_variables")  # (set_variables sets the _variables read above)
    if Stylesheet.__dict__["_parse_rules"] is not _parse_rules:
        _textual_parse_rules = Stylesheet.__dict__["_parse_rules"]
        _patch(Stylesheet, "_parse_rules", _parse_rules)


# --- Fix 12: every session drew the same scrollbar -------------------------
# A new message moves the log's scrollbar thumb, so every receiving session drew its scrollbar
# again: Textual renders the bar through the widget's StylesCache line by line, which was a third
# of the server's CPU per receiver in a fan-out (bench/profile_fanout.py, 100 sessions: 2.8 of
# 8.9 ms profiled). Sessions showing the same channel at the same size draw the same bar, and a
# scrollbar's lines depend only on what is below: its thumb (size, window, position), colours,
# size, the part asked for and the line filters. So the lines are drawn once per look and shared;
# strips are never changed once made. A scrollbar styled beyond that (a border, padding, opacity,
# another renderer) goes through Textual's own path. Its colours and the checks of its style are
# kept per bar until a style of the bar or an ancestor changes (``styles_epoch``): working them
# out for every frame was another 5 % of the busy CPU in a fan-out to 200 (py-spy).

_SCROLLBAR_LINES: dict[tuple[Any, ...], list[Strip]] = {}
_SCROLLBAR_LINES_MAX = 512  # distinct looks; a session scrolling through history makes one per step


def filters_key(filters: Any) -> tuple[Any, ...] | None:
    """The line filters by what they do (each app has its own instances); None for a filter
    whose state is not known here."""
    from textual.filter import ANSIToTruecolor, DimFilter, Monochrome, NoColor

    key: list[Any] = []
    for line_filter in filters:
        kind = type(line_filter)
        if kind is ANSIToTruecolor:
            key.append((kind, id(line_filter._terminal_theme)))
        elif kind in (DimFilter, Monochrome, NoColor):
            key.append((kind,))
        else:
            return None
    return tuple(key)


def _scrollbar_look(bar: Any) -> tuple[Any, ...] | None:
    """What a scrollbar's lines depend on besides its thumb, size and filters; None when it is
    styled beyond what is shared (Textual's own path draws it). Kept until a style of the bar or
    an ancestor changes, or the mouse moves on or off it (``styles_epoch``)."""
    from textual.scrollbar import ScrollBarRender

    epoch = (styles_epoch(bar), bar.mouse_over, bar.grabbed, bar.renderer)
    known = bar.__dict__.get("_safespace_look")
    if known is not None and known[0] == epoch:
        return cast(tuple[Any, ...] | None, known[1])
    styles = bar.styles
    render = bar.render()
    app = bar.app
    look = (
        None
        if type(render) is not ScrollBarRender
        or bar.auto_links
        or not styled_plainly(styles)
        or bar.opacity != 1.0
        or styles.padding != (0, 0, 0, 0)
        else (
            render.style,
            bar.screen.styles.scrollbar_color.a == 0,  # then Textual draws the bar without a thumb
            bar.background_colors,
            bar.visual_style,
            id(app.ansi_theme),
            app.native_ansi_color,
        )
    )
    bar.__dict__["_safespace_look"] = (epoch, look)
    return look


def _scrollbar_render_lines(self: Any, crop: Region) -> list[Strip]:
    look = _scrollbar_look(self)
    filters = filters_key(self.get_line_filters())
    if look is None or filters is None or self._border_title is not None or self._border_subtitle is not None:
        return cast(list[Strip], _textual_scrollbar_render_lines(self, crop))
    key = (
        self.window_virtual_size,
        self.window_size,
        self.position,
        self.thickness,
        self.vertical,
        look,
        self.region.size,
        crop,
        filters,
    )
    lines = _SCROLLBAR_LINES.get(key)
    if lines is None:
        lines = _textual_scrollbar_render_lines(self, crop)
        if len(_SCROLLBAR_LINES) >= _SCROLLBAR_LINES_MAX:
            del _SCROLLBAR_LINES[next(iter(_SCROLLBAR_LINES))]
        _SCROLLBAR_LINES[key] = lines
    return list(lines)


_textual_scrollbar_render_lines: Any = None


def _fix_shared_scrollbars() -> None:
    global _textual_scrollbar_render_lines
    from textual.scrollbar import ScrollBar, ScrollBarRender

    _require(ScrollBar, "render", "render_lines", "auto_links", "visual_style", "background_colors")
    _require(ScrollBarRender, "render_bar")
    if "render_lines" not in ScrollBar.__dict__:
        _textual_scrollbar_render_lines = Widget.render_lines
        _patch(ScrollBar, "render_lines", _scrollbar_render_lines)


# --- Fix 13: a cursor move made as an object for every line sent ----------
# ``ChopsUpdate.render_segments`` builds a Rich ``Control`` (a tuple of codes, a generator and a
# Segment) for every piece of every line it sends, only to take its text: with the message log
# repainting its whole view for each new message, that was 6.7 % of the server's busy CPU in a
# fan-out to 200 sessions (py-spy). The move's text depends only on the position, so it is made
# once per position. Otherwise Textual's own method, unchanged.


@lru_cache(maxsize=4096)
def _cursor_to(x: int, y: int) -> str:
    """The terminal's "move the cursor to column x, row y" (what ``Control.move_to`` writes)."""
    return f"\x1b[{y + 1};{x + 1}H"


def _render_segments(self: Any, console: Console) -> str:
    sequences: list[str] = []
    append = sequences.append
    chops = self.chops
    chop_ends = self.chop_ends
    last_y = self.spans[-1][0]
    for y, x1, x2 in self.spans:
        line = chops[y]
        ends = chop_ends[y]
        for end, (x, strip) in zip(ends, line.items(), strict=False):  # as Textual's own
            if strip is None or x > x2 or end <= x1:
                continue
            if not (x2 > x >= x1 and end <= x2):
                strip = strip.crop(0, min(end, x2) - x)
            append(_cursor_to(x, y))
            append(strip.render(console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


_textual_render_segments: Any = None
"""Textual's own ``ChopsUpdate.render_segments`` (the test compares the two)."""


def _fix_cursor_moves() -> None:
    global _textual_render_segments
    _require(ChopsUpdate, "render_segments")
    if ChopsUpdate.__dict__["render_segments"] is not _render_segments:
        _textual_render_segments = ChopsUpdate.__dict__["render_segments"]
        _patch(ChopsUpdate, "render_segments", _render_segments)


# --- Fix 14: a callback's parameters counted again at every call ------------
# ``call_next(callback, *args)`` wraps the callback in a new ``functools.partial``, and Textual's
# ``count_parameters`` caches its count on the callable it is given: for a partial, on the
# partial, which is thrown away. So every hub event handed to a session (every message, to every
# receiver) ran ``inspect.signature`` again: 2 % of the server's busy CPU in a fan-out to 200
# (py-spy). The count of a plain function is kept on the function; a bound method's is its
# function's, less ``self``; anything else is counted as Textual counts it.


def _count_parameters(func: Any) -> int:
    if isinstance(func, MethodType) and isinstance(func.__func__, FunctionType):
        count, self_is_plain = _function_parameters(func.__func__)
        if self_is_plain:
            return count - 1
    elif isinstance(func, FunctionType):
        return _function_parameters(func)[0]
    return _textual_count_parameters(func)


def _function_parameters(func: FunctionType) -> tuple[int, bool]:
    """(how many parameters, is the first one a plain positional one), kept on the function."""
    known = func.__dict__.get("_safespace_parameters")
    if known is None:
        import inspect

        parameters = list(inspect.signature(func).parameters.values())
        plain = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        first_is_plain = bool(parameters) and parameters[0].kind in plain
        known = func.__dict__["_safespace_parameters"] = (len(parameters), first_is_plain)
    return cast(tuple[int, bool], known)


_textual_count_parameters: Any = None
"""Textual's own ``_callback._count_parameters`` (``len(signature(func).parameters)``)."""


def _fix_parameter_counts() -> None:
    global _textual_count_parameters
    import textual._callback as callback

    _require(callback, "_count_parameters", "count_parameters")
    if callback._count_parameters is not _count_parameters:
        _textual_count_parameters = callback._count_parameters
        _patch(callback, "_count_parameters", _count_parameters)


# --- Fix 15: every session made the same update ----------------------------
# A new message changes the same rows of the same panes in every session showing the channel at
# one size, and the lines there are shared objects (the log's finished lines, fix 12's
# scrollbars). Yet each session cut those lines at its widgets' edges and joined them into escape
# codes again (``Compositor._render_chops`` less the renders, and ``render_segments``: 13 % of the
# server's busy CPU in a fan-out to 200, py-spy). What an update sends depends only on its spans,
# the screen's cuts and, for each widget rendered, its region, clip and lines; so an update made
# from the very same line objects is made once and shared, with its escape codes kept per colour
# system. The widgets still render (fix 10's ``_get_renders``): that is how their lines are known.

_SHARED_UPDATES: dict[tuple[Any, ...], tuple[tuple[Strip, ...], Any]] = {}  # key -> (its lines, the update)
_SHARED_UPDATES_MAX = 16
"""Sessions make the same update within one broadcast, so the most recently used few are enough; an
update holds its lines (and what they hold) after the sessions that drew them have gone."""


def _render_partial_update(self: Any) -> Any:
    """``Compositor.render_partial_update``, shared between sessions that make the same one."""
    update_regions = self._dirty_regions.copy()
    self._dirty_regions.clear()
    if not update_regions:
        return None
    crop = Region.from_union(list(update_regions)).intersection(self.size.region)
    spans = list(self._regions_to_spans(update_regions))
    renders = list(self._get_renders(crop))
    key = (
        tuple(spans),
        _cuts_key(self),
        tuple((region, clip, tuple(map(id, strips))) for region, clip, strips in renders),
    )
    shared = _SHARED_UPDATES.pop(key, None)
    if shared is not None:
        _SHARED_UPDATES[key] = shared  # the newest again: sessions still to come will ask for it
        return shared[1]
    rows = {y for y, _, _ in spans}
    update = _SharedChopsUpdate(_chops(self.cuts, renders, rows), spans, {y: self.cuts[y][1:] for y in rows})
    if len(_SHARED_UPDATES) >= _SHARED_UPDATES_MAX:
        del _SHARED_UPDATES[next(iter(_SHARED_UPDATES))]
    lines = tuple(strip for _, _, strips in renders for strip in strips)
    _SHARED_UPDATES[key] = (lines, update)  # the lines are held: their ids stay their own
    return update


def _cuts_key(compositor: Any) -> tuple[tuple[int, ...], ...]:
    """The screen's cuts (where widgets start and end on each row) as a key, made once per layout."""
    cuts = compositor.cuts
    known = compositor.__dict__.get("_safespace_cuts")
    if known is None or known[0] is not cuts:
        known = compositor.__dict__["_safespace_cuts"] = (cuts, tuple(map(tuple, cuts)))
    return cast(tuple[tuple[int, ...], ...], known[1])


def _chops(cuts: list[list[int]], renders: list[Any], rows: set[int]) -> dict[int, dict[int, Strip | None]]:
    """Textual's ``Compositor._render_chops`` body, from renders already made, for the rows sent
    only (Textual makes a dict for every row of the screen; a kept update would hold them all)."""
    chops: dict[int, dict[int, Strip | None]] = {y: dict.fromkeys(cuts[y][:-1]) for y in rows}
    for region, clip, strips in renders:
        render_region = region.intersection(clip)
        render_x = render_region.x
        first_cut, last_cut = render_region.column_span
        for y, strip in zip(render_region.line_range, strips, strict=False):
            if y not in rows:
                continue
            chops_line = chops[y]
            final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
            for cut, piece in zip(final_cuts, strip.divide([cut - render_x for cut in final_cuts[1:]]), strict=False):
                if chops_line.get(cut) is None:  # front to back: the first piece for a cut wins
                    chops_line[cut] = piece
    return chops


class _SharedChopsUpdate(ChopsUpdate):
    """A ``ChopsUpdate`` that keeps what it sends, per colour system: sessions share it."""

    def __init__(self, chops: Any, spans: Any, chop_ends: dict[int, list[int]]) -> None:
        super().__init__(chops, spans, chop_ends)  # type: ignore[arg-type]  # by row sent, not every row
        self._sent: dict[Any, str] = {}

    def render_segments(self, console: Console) -> str:
        color_system = console._color_system
        sent = self._sent.get(color_system)
        if sent is None:
            sent = self._sent[color_system] = _render_segments(self, console)
        return sent


_textual_render_partial_update: Any = None
"""Textual's own ``Compositor.render_partial_update`` (the test compares the two)."""


def _fix_shared_updates() -> None:
    global _textual_render_partial_update
    from textual._compositor import Compositor

    _require(Compositor, "render_partial_update", "_regions_to_spans", "_get_renders", "cuts")
    _require(ChopsUpdate, "render_segments")
    if Compositor.__dict__["render_partial_update"] is not _render_partial_update:
        _textual_render_partial_update = Compositor.__dict__["render_partial_update"]
        _patch(Compositor, "render_partial_update", _render_partial_update)


def apply() -> None:
    """Apply all fixes. Idempotent; call before creating the first App."""
    _check_version()
    _fix_parser_cache()
    _fix_stdout_redirect()
    _fix_strip_colour_caches()
    _fix_styles_cache()
    _fix_strip_cache_allocation()
    _fix_virtual_nodes()
    _fix_lru_clear()
    _fix_worker_cycle()
    _fix_key_journey()
    _fix_partial_renders()
    _fix_shared_css()
    _fix_shared_scrollbars()
    _fix_cursor_moves()
    _fix_parameter_counts()
    _fix_shared_updates()


# --- Helpers: the library internals the rest of Safe Space needs ------------
# Each is one line around one private name; the module docstring says where it
# is used and which test guards it.


def escape_pending(parser: XTermParser) -> bool:
    """Is the parser holding a lone Esc (or a sequence's start) until the escape delay passes?

    Then the driver must call ``parser.tick()`` after ``constants.ESCAPE_DELAY``, as Textual's
    own drivers do on a timer; the parser has no public way to say so.
    """
    return parser._timeout_time is not None


def styled_plainly(styles: Any) -> bool:
    """No border, outline, tint, text opacity or hatch: what a widget drawing its own finished
    lines (``KeptLines``, fix 12's scrollbars) leaves to Textual's own path when it is there."""
    return not (
        any(edge for edge, _ in styles.border)
        or any(edge for edge, _ in styles.outline)
        or styles.tint.a
        or styles.text_opacity != 1.0
        or (styles.has_rule("hatch") and styles.hatch != "none")
    )


def styles_epoch(node: Any) -> tuple[int, ...]:
    """A key that changes whenever a style of ``node`` or of an ancestor may have changed: each
    one's ``RenderStyles._cache_key``, which Textual raises on every rule set, cleared or
    merged (a restyle, an inline style, an animation step, a new theme's variables).

    What a widget derives from the styles of its line of ancestors (its Rich style, background
    colours, the scrollbar's colours) can then be kept until this changes. Working those out
    again for every frame was 5 % and more of the server's busy CPU in a fan-out to 200: the log
    and its scrollbar are drawn in every receiving session for every message (py-spy).
    """
    key = []
    while node is not None:
        key.append(node.styles._cache_key)
        node = node._parent
    return tuple(key)


def resolve_escape_now(parser: XTermParser) -> list[Message]:
    """The parser's pending Esc was sent alone: what its escape delay would say, said now.

    For an Esc that came in a packet of its own, with more behind it read in the same turn of a
    busy loop (no time passed on the server's clock); the parser's only way to resolve a lone Esc
    is its timeout, which has no public setter.
    """
    if parser._timeout_time is None:
        return []
    parser._timeout_time = float("-inf")
    return list(parser.tick())


def forget_cancelled_timers(loop: asyncio.AbstractEventLoop) -> None:
    """Let the loop forget timers that were cancelled, so a closed app can be freed now.

    A Textual timer (``set_interval(60, …)``) sleeps on an asyncio TimerHandle that holds a copy
    of the app's context, and so the app. Closing the app cancels the handle, but asyncio keeps
    cancelled handles in its heap until they would have fired (or until they are over half of
    it): every closed session stayed in memory for up to the longest timer interval. There is no
    public API for this, so the private heap is used with care; on another loop it does nothing.
    """
    scheduled = getattr(loop, "_scheduled", None)
    if not isinstance(scheduled, list) or not hasattr(loop, "_timer_cancelled_count"):
        return
    kept = []
    for handle in scheduled:
        if handle.cancelled():
            handle._scheduled = False
        else:
            kept.append(handle)
    if len(kept) != len(scheduled):
        heapq.heapify(kept)
        scheduled[:] = kept
        loop._timer_cancelled_count = 0


def set_color_system(console: Console, name: str) -> None:
    """Give one session's console its own colour depth ("standard", "256" or "truecolor").

    Textual makes the App's console itself; Rich only takes the colour system when a Console is
    built, so the field it reads is set afterwards.
    """
    console._color_system = COLOR_SYSTEMS[name]


def repaint_now(widget: Widget) -> None:
    """Hand a widget's pending repaint to its screen now, instead of when the widget is next idle.

    This is what Textual does for every widget when its message queue empties; calling it early
    puts a frame ahead of work already queued on the loop (other sessions' fan-out).
    """
    widget._check_refresh()


def _with_scrollbar(widget: Widget) -> list[Widget]:
    """The widget and, when it is shown, its vertical scrollbar: what a repaint of a scrolling
    pane covers."""
    return [widget, widget.vertical_scrollbar] if widget.show_vertical_scrollbar else [widget]


def hand_repaint_to_screen(widget: Widget) -> None:
    """Give the screen a widget's pending repaint, and its scrollbars', now: what their idle
    handlers and the screen's ``Update`` handler would do.

    Textual's way is a trip through two message queues per widget: the widget's idle posts
    ``Update`` to the screen, and the screen's idle starts its update timer. A new message
    repaints the log and its scrollbar in every receiving session, so that was four more
    dispatches per receiver (``Update`` and ``Prompt`` to the screen, twice), each with an idle
    pass. A widget with more than a repaint pending (a layout, a scroll, a restyle) is left to
    Textual's way, as is a screen that is not on top or an app in a batch update.
    """
    from textual.dom import NoScreen

    try:
        screen = widget.screen
    except NoScreen:  # not mounted, or being removed
        return
    if screen not in screen._compositor:
        return  # as the screen's Update handler: nothing to draw into yet
    handed = False
    for part in _with_scrollbar(widget):
        if (
            part._repaint_required
            and part.display
            and not (part._layout_required or part._scroll_required or part._refresh_styles_required)
            and not part._closing
            and part._parent is not None
        ):
            part._repaint_required = False
            screen._dirty_widgets.add(part)
            handed = True
    if not handed:
        return
    if screen.is_current and not screen.app._batch_count:
        screen._update_timer.resume()
    else:
        screen.check_idle()  # the screen's idle starts the timer when it can, as after an Update


def repaint_at_once(widget: Widget) -> None:
    """Mark a widget and its vertical scrollbar for a repaint, as ``Widget.refresh()`` does, and
    hand both to the screen now (``hand_repaint_to_screen``).

    ``refresh()`` also posts the widget a ``Prompt`` so that its idle handler hands the repaint
    over later; done here at once, that idle pass would find nothing to do, yet it was one more
    dispatch per widget in every receiving session for every message. Where the screen cannot
    take the repaint now, the widgets are prompted as ``refresh()`` would have.
    """
    if not widget._is_mounted:
        widget.refresh()
        return
    parts = _with_scrollbar(widget)
    for part in parts:
        part._layout_cache.clear()
        part._set_dirty()
        part.clear_cached_dimensions()
        part._rich_style_cache.clear()
        part._repaint_required = True
    hand_repaint_to_screen(widget)
    for part in parts:
        if part._repaint_required:
            part.check_idle()


def update_scrollbars(widget: Widget, virtual_size: Size) -> None:
    """Resize the scrollbars and clamp the scroll offsets to ``virtual_size``, without a layout.

    What Textual runs when ``virtual_size`` changes, minus the layout of the whole screen that
    setting the reactive also asks for (see ``MessageLog._update_virtual_size``).
    """
    widget._scroll_update(virtual_size)


def inner_background_style(base_background: Color, background: Color) -> Style:
    """The style Textual paints a widget's content background with (``StylesCache``'s "inner").

    Computed as fix 4's shared cache does, so a widget drawing its own lines (``MessageLog``)
    need not read the private ``Widget._styles_cache``.
    """
    return _inner_outer(base_background, background)[0].rich_style


class ThemeAppliedOnce:
    """Mixin for a TextArea: its theme's CSS is applied once per style change, not at every render.

    ``TextArea.render_lines`` calls ``theme.apply_css(self)`` each time, which walks the widget's
    ancestors for its style and asks for four component styles: half of the message box's render,
    a tenth of the server's CPU while members type (bench/hostile.py under cProfile: 4.2 of 37 s).
    What it reads changes only with a style update (a focus change, a theme change: both call
    ``notify_style_update``) or a new theme object (``TextArea._set_theme`` makes one).
    """

    _theme_applied: object = None

    def notify_style_update(self) -> None:
        self._theme_applied = None
        super().notify_style_update()  # type: ignore[misc]

    def render_lines(self, crop: Region) -> list[Strip]:
        from textual.widgets import TextArea

        area = cast(TextArea, self)
        theme = area._theme
        if theme is not None and self._theme_applied is not theme:
            theme.apply_css(area)
            self._theme_applied = theme
        return super(TextArea, area).render_lines(crop)


class ReportingApp(App[ReturnType]):
    """An App that hands each exception that ends it to ``report_exception`` first.

    Textual has no public hook for "a handler, worker or callback raised": all of them land in
    ``App._handle_exception``, which keeps the traceback to print at exit. A server has no
    terminal to print to; a session logs it instead.
    """

    def report_exception(self, error: Exception) -> None:
        """Called with each exception that ends the app, before Textual's own handling."""

    def _handle_exception(self, error: Exception) -> None:
        self.report_exception(error)
        super()._handle_exception(error)

    async def _shutdown(self) -> None:
        # Closing detaches every screen and widget; ``release_app`` starts from all of them.
        # (Their virtual style nodes too: a widget drops them when it is removed.)
        nodes = list(self._registry)
        virtual = [styles.node for node in nodes for styles in node._component_styles.values()]
        self.nodes_at_exit: list[object] = [*nodes, *virtual]
        await super()._shutdown()


# --- Releasing a closed app by reference counting ---------------------------

_OWNED_MODULES = ("textual.", "safespace_tui.tui.")
_CONTAINERS = (dict, list, tuple, set, frozenset)


def _owned(obj: object) -> bool:
    """Objects of Textual or of our own tui/ (and the app's driver) that a closed app may hold
    alone (never services, the hub or the store: those are shared by every session, not walked)."""
    from textual.driver import Driver

    return type(obj).__module__.startswith(_OWNED_MODULES) or isinstance(obj, Driver)


def _held_by(obj: object) -> list[object]:
    """What the walk in ``release_app`` looks at next from ``obj``."""
    if isinstance(obj, _CONTAINERS):
        return gc.get_referents(obj)
    if isinstance(obj, MethodType):
        return [obj.__self__]
    if isinstance(obj, FunctionType):  # its closure, never its module's globals
        return [item for cell in obj.__closure__ or () for item in _cell_contents(cell)]
    if isinstance(obj, Strip):
        return []  # drawn lines (often shared between sessions) hold no cycle: not worth the walk
    if _owned(obj):
        return gc.get_referents(obj)
    return []


def _cell_contents(cell: Any) -> list[object]:
    try:
        return [cell.cell_contents]
    except ValueError:  # an empty cell
        return []


def release_app(app: App[Any]) -> int:
    """Break a closed app's reference cycles so reference counting frees it at once.

    A closed Textual app is a web of cycles (parent and children, styles and their node, bound
    methods kept as attributes, the linked lists of ``LRUCache``): each member who left left
    10.7-11.1 k objects that only a full collection frees, and a full collection stops every
    screen (0.9-1.0 s with 50 sessions; bench/cycle_diag.py). This walks what the app holds alone
    (objects of Textual and of tui/, never the services, hub or store that sessions share, starting
    from every node the app had when it began to close), empties the ``__dict__`` of every message
    pump (app, screens, widgets, the "virtual" style nodes), timer, worker, animator and session
    controller part, and every ``LRUCache`` found; returns how many objects it emptied. Call it only after
    ``run_async`` has returned: the app never runs again.
    """
    steps = _releasing(app, step=0)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return int(done.value)


async def release_app_gradually(app: App[Any], step: int = 1000) -> int:
    """``release_app``, giving the loop back every ``step`` objects walked. The walk of a closed
    session (~11 k objects) ran in one go: in-process with 50 sessions, 340 ms of profiled CPU
    per departure during which no other session drew a frame or took a key (bench/departures.py:
    keystroke p99 while members leave, target within 2x of calm). The closed app never runs
    again, so what is walked does not change between steps."""
    steps = _releasing(app, step)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return int(done.value)
        await asyncio.sleep(0)


def _releasing(app: App[Any], step: int) -> Generator[None, None, int]:
    """The walk and the emptying of ``release_app``; yields every ``step`` objects (0: never)."""
    from textual._animator import Animator
    from textual._parser import Parser
    from textual.cache import LRUCache
    from textual.driver import Driver
    from textual.message_pump import MessagePump
    from textual.timer import Timer
    from textual.worker import Worker

    from .session import Session
    from .session_part import SessionPart

    # (A parser keeps its generator, whose inner functions point back at it, and its last keys.)
    emptied = (MessagePump, Timer, Worker, Animator, Session, SessionPart, Driver, Parser)

    seen: set[int] = set()
    stack: list[object] = [app]
    pumps: list[Any] = []
    caches: list[LRUCache[Any, Any]] = []
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if step and len(seen) % step == 0:
            yield
        if isinstance(obj, emptied):
            pumps.append(obj)
        elif isinstance(obj, LRUCache):
            caches.append(obj)
        stack.extend(_held_by(obj))
    for cache in caches:
        cache.clear()
    for pump in pumps:
        pump.__dict__.clear()
    return len(pumps)


def release_connection(conn: Any) -> None:
    """After an SSH connection is lost: break the cycles that kept it for the cycle collector.

    asyncssh's connection holds its packet reader as a bound method of itself
    (``_recv_handler``) and we set ``validate_public_key`` on it (ssh/server.py); either cycle
    kept the connection, its channel and the closed session's objects until a full collection.
    Nothing is read from a lost connection, so the reader becomes asyncssh's own do-nothing one.
    """
    vars(conn).pop("validate_public_key", None)
    if hasattr(conn, "_recv_handler"):
        conn._recv_handler = _nothing_to_read


def _nothing_to_read() -> bool:
    return False
