"""The one sanitiser for every member-supplied string.

Everything a member types (messages, notes, handles, display names) passes
through here before it is stored and again before it is shown.  Textual and
Rich pass ESC/OSC/CSI/C1, bidi and zero-width characters from plain strings
straight to the viewer's terminal, so a member could otherwise write into
another member's clipboard (OSC 52), retitle their window, clear their screen,
or hide text with bidi overrides.  This module removes all of that.

Markup such as ``[@click=app.quit]`` is deliberately *kept* as literal text:
it is only dangerous when rendered as markup, and display code always renders
member text as ``Text``/``Content`` with markup off.

Design notes:

* The security guarantee rests on the final character pass: after it, no C0
  control (except ``\\n``), DEL, C1 control, bidi control, zero-width or other
  format (Cf) character, surrogate, private-use or unassigned codepoint can
  remain (one exception: unassigned codepoints in the blocks Unicode reserves
  for future emoji, see ``_is_emoji_reserved``; ZWJ survives only between
  emoji).  The earlier escape-sequence pass exists so that the *payload* of a
  sequence (an OSC 52 clipboard blob, a window title) disappears with it
  instead of being left behind as visible junk.
* Everything runs on the event loop for every message, so the work is done by
  precompiled regexes and C-level ``str`` methods; the only Python-level loops
  are over lines and over the *set* of distinct non-ASCII characters.
* We never truncate: over-long text raises :class:`TextRejected` so the caller
  can keep the member's draft intact.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import TellMember

__all__ = [
    "DISPLAY_NAME_MAX",
    "HANDLE_MAX",
    "HANDLE_MIN",
    "MAX_MESSAGE_CHARS",
    "MAX_NOTE_CHARS",
    "RESERVED_HANDLES",
    "TextRejected",
    "clean_display_name",
    "clean_for_display",
    "clean_line",
    "clean_text",
    "clean_typing",
    "validate_handle",
]


class TextRejected(TellMember, ValueError):
    """User text we will not accept; .message is a calm, kind sentence to show the member.

    It is a ValueError so generic input handling still catches it, but callers
    should show ``.message`` as-is and keep the member's draft.
    """


MAX_MESSAGE_CHARS = 4000  # one chat message
MAX_NOTE_CHARS = 500  # short notes (status notes, SOS notes)
HANDLE_MIN, HANDLE_MAX = 2, 24
DISPLAY_NAME_MAX = 40

# Names that could be mistaken for the system, staff or a broadcast.
RESERVED_HANDLES = frozenset({"join", "admin", "root", "system", "safespace", "sos", "everyone", "here"})

# --------------------------------------------------------------------------
# Compiled tables (built once at import; cheap).
# --------------------------------------------------------------------------

# Whole escape sequences, 7-bit and 8-bit (C1) forms.  Payload classes exclude
# every control character, so a scan can never run past the next introducer:
# this keeps the pass linear even on hostile input.  An unterminated string
# sequence falls through to the two-char alternative, which removes just the
# introducer; the final pass then removes any stray controls.
_PAYLOAD = r"[^\x00-\x1f\x7f-\x9f]*"
_ST = r"(?:\x07|\x1b\\|\x9c)"  # BEL or String Terminator (7/8-bit)
_ESCAPE_RE = re.compile(
    # OSC, DCS, SOS, PM, APC: introducer ... terminator
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])"
    + _PAYLOAD
    + _ST
    # CSI: parameters, intermediates, final byte
    + r"|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    # Other ESC sequences: ESC, intermediates, final (ESC 7, ESC ( B, ESC c ...)
    + r"|\x1b[\x20-\x2f]*[\x30-\x7e]"
)

# C0 (except \n), DEL and C1.  \r and \t are normalised before this runs.
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")

# Invisible / direction-changing characters that are always removed.  All are
# category Cf today; listed explicitly so a Unicode-data change cannot let one
# through.  U+200D ZWJ is handled separately (kept inside emoji sequences).
_ALWAYS_STRIP = frozenset(
    "\u00ad"  # soft hyphen
    "\u061c"  # Arabic letter mark
    "\u180e"  # Mongolian vowel separator
    "\u200b\u200c"  # zero-width space / non-joiner
    "\u200e\u200f"  # LRM / RLM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\ufeff"  # BOM / zero-width no-break space
)
_STRIP_CATEGORIES = frozenset({"Cf", "Cn", "Co", "Cs"})
_ZWJ = "\u200d"

# Emoji-ish characters: a ZWJ is kept only with one of these on each side.
_EMOJI_CLASS = (
    r"[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21ff\u2300-\u23ff"
    r"\u24c2\u25a0-\u27bf\u2934\u2935\u2b00-\u2bff\u3030\u303d\u3297\u3299"
    r"\ufe0f\U0001f000-\U0001faff]"
)
_LONE_ZWJ_RE = re.compile(r"(?<!" + _EMOJI_CLASS + r")\u200d|\u200d(?!" + _EMOJI_CLASS + r")")

_NEWLINES_RE = re.compile(r"\r\n?|[\u2028\u2029]")
_MANY_BLANK_LINES_RE = re.compile(r"\n{4,}")  # 3+ blank lines -> 2
_WHITESPACE_RUN_RE = re.compile(r"\s+")

_HANDLE_RE = re.compile(r"[a-z][a-z0-9._-]*", re.ASCII)
_HANDLE_CHARS_RE = re.compile(r"[a-z0-9._-]*", re.ASCII)
_HANDLE_SEPARATORS_RE = re.compile(r"[._-]")

# Characters that render as blank but are not whitespace (used to refuse an
# all-blank display name).  Hangul fillers and the braille blank are the
# usual "invisible name" tricks.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")

# Refuse absurd input before doing any work on it, so a multi-megabyte paste
# cannot stall the event loop.  Generous, so escape-heavy but reasonable
# pastes still get cleaned and measured properly.
_RAW_INPUT_FACTOR = 8

_BINARY_MIN_LEN = 32
_BINARY_RATIO = 0.10

_MSG_EMPTY = "There's nothing to send yet. Whenever you're ready, take your time."
_MSG_BINARY = (
    "That looks like binary data rather than text, so it wasn't sent. Nothing was lost: your draft is still here."
)


def _too_long_message(count: int, limit: int, multiline: bool) -> str:
    if multiline:
        return (
            f"That's a lot to hold in one message ({count:,} characters). "
            f"Please split it into parts of up to {limit:,}. "
            "Your draft is still here."
        )
    return (
        f"That's a little long for this space ({count:,} characters). "
        f"Please keep it to {limit:,} characters or fewer. "
        "Your text is still here."
    )


def _is_emoji_reserved(ch: str) -> bool:
    """Unassigned codepoints Unicode reserves for future emoji.

    Python 3.11 ships Unicode 14 data, so newer emoji (e.g. U+1FAE8 shaking
    face) are "unassigned" to us but real on members' phones.  Unicode marks
    these blocks Extended_Pictographic, and Rich already sizes them as wide.
    """
    cp = ord(ch)
    return 0x1F000 <= cp <= 0x1FAFF or 0x1FC00 <= cp <= 0x1FFFD


def _strip_invisible(text: str, *, keep_lone_zwj: bool = False) -> str:
    """Remove Cf/Cn/Co/Cs and the explicit invisible set (non-ASCII text only).

    ``keep_lone_zwj``: for typing, where a ZWJ sequence (❤️‍🩹) arrives one character at a
    time, so its ZWJ is alone when it lands; ``clean_text`` judges it whole on send."""
    doomed: dict[int, None] = {}  # str.translate: code point -> deleted
    for ch in set(text):  # distinct characters only, not every character
        if ch.isascii() or ch == _ZWJ:
            continue
        if ch in _ALWAYS_STRIP:
            doomed[ord(ch)] = None
            continue
        category = unicodedata.category(ch)
        if category in _STRIP_CATEGORIES and not (category == "Cn" and _is_emoji_reserved(ch)):
            doomed[ord(ch)] = None
    if doomed:
        text = text.translate(doomed)
    if _ZWJ in text and not keep_lone_zwj:
        text = _LONE_ZWJ_RE.sub("", text)
    return text


def _decode(text: str | bytes) -> str:
    """Bytes become str; invalid UTF-8 becomes U+FFFD and never raises."""
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text).decode("utf-8", errors="replace")
    raise TypeError(f"expected str or bytes, not {type(text).__name__}")


def _sanitize(text: str, multiline: bool) -> str:
    """Do all the cleaning; raise TextRejected only for binary-looking input."""
    original_len = len(text)

    # 1. Whole escape sequences, payload included (ESC or 8-bit C1 forms).
    if "\x1b" in text or not text.isascii():
        text = _ESCAPE_RE.sub("", text)

    # 2. Line endings and tabs.
    text = _NEWLINES_RE.sub("\n", text)
    text = text.replace("\t", "    ")

    # 3. Remaining C0/DEL/C1 controls; counting them spots binary pastes.
    text, n_controls = _CONTROL_RE.subn("", text)
    if original_len > _BINARY_MIN_LEN:
        junk = n_controls + text.count("\ufffd")
        if junk > original_len * _BINARY_RATIO:
            raise TextRejected(_MSG_BINARY)

    # 4. Bidi, zero-width, format, private-use, unassigned, surrogates.
    if not text.isascii():
        text = _strip_invisible(text)

    # 5. Layout tidy-up (loops are per line, not per character).
    if multiline:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
        return _MANY_BLANK_LINES_RE.sub("\n\n\n", text).strip("\n")
    return " ".join(stripped for line in text.split("\n") if (stripped := line.strip()))


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def clean_text(text: str | bytes, *, multiline: bool = True, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """Return text safe to store and show, or raise TextRejected.

    Removes terminal escape sequences (with their payloads), control, bidi,
    zero-width and other invisible characters; normalises newlines and tabs;
    tidies blank lines and trailing spaces.  Never truncates: text longer
    than ``max_chars`` *after* cleaning is refused so the draft is kept.
    With ``multiline=False`` line breaks become single spaces.
    """
    text = _decode(text)
    if len(text) > max_chars * _RAW_INPUT_FACTOR:
        # Absurdly large: refuse before spending event-loop time on it.
        raise TextRejected(_too_long_message(len(text), max_chars, multiline))
    text = _sanitize(text, multiline)
    if not text or text.isspace():
        raise TextRejected(_MSG_EMPTY)
    if len(text) > max_chars:
        raise TextRejected(_too_long_message(len(text), max_chars, multiline))
    return text


def clean_line(text: str | bytes, *, max_chars: int = MAX_NOTE_CHARS) -> str:
    """Single-line variant for short notes: line breaks become spaces, ends stripped."""
    return clean_text(text, multiline=False, max_chars=max_chars).strip()


UNSHOWABLE = "(this text can't be shown)"


def clean_for_display(text: str | bytes | None, *, multiline: bool = True) -> str:
    """Text read back from the store, made safe to show. Never raises, never truncates.

    The same cleaning as :func:`clean_text`, for the other half of the promise: text is
    cleaned before it is stored *and* before it is shown, so a row written by an older
    version, a restored backup or a code path that forgot to clean cannot reach a
    member's terminal with escapes in it.  Clean text comes back unchanged.
    """
    if not text:
        return ""
    try:
        return _sanitize(_decode(text), multiline)
    except TextRejected:  # binary-looking: nothing of it is worth showing
        return UNSHOWABLE


_TYPING_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # _CONTROL_RE, tab kept


def clean_typing(text: str) -> str:
    """What a member types or pastes into their own input box, made safe to echo back.

    The box draws its text on the member's own terminal, so a pasted C1 control (``\\x9b`` is an
    8-bit CSI), an escape sequence or a bidi override would act on that terminal. The same tables
    as :func:`clean_text` (escape sequences with their payloads, C0/DEL/C1 controls, bidi,
    zero-width and format characters) but nothing else: newlines and tabs stay, and nothing is
    trimmed, refused or measured, since the text is still being written (``clean_text`` runs on
    send). Plain ASCII comes back untouched at the cost of one ``isascii`` check.
    """
    if text.isascii() and text.isprintable():
        return text
    if "\x1b" in text or not text.isascii():
        text = _ESCAPE_RE.sub("", text)
    text = _TYPING_CONTROL_RE.sub("", _NEWLINES_RE.sub("\n", text))
    return _strip_invisible(text, keep_lone_zwj=True) if not text.isascii() else text


_RTL_LETTER = r"\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff"  # Hebrew, Arabic, …
_RTL_RUN_RE = re.compile(rf"[{_RTL_LETTER}]+(?:[ \d.,:;!?'\"()-]+[{_RTL_LETTER}]+)*")
_FSI, _PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate


def isolate_rtl(text: str) -> str:
    """Each run of right-to-left words (Hebrew, Arabic, …) wrapped in an isolate (FSI … PDI),
    added only for display, after cleaning (which removes any a member typed): on a terminal
    that does bidi, the run then cannot reorder the time, the name or the words around it.
    A run, not the whole line, so a wrapped line keeps its isolate on the same screen line."""
    if text.isascii():
        return text
    return _RTL_RUN_RE.sub(lambda match: _FSI + match.group() + _PDI, text)


def validate_handle(handle: str) -> str:
    """Return the normalised (lowercase) handle, or raise TextRejected.

    Handles are ASCII-only so two members can never have look-alike handles
    (Cyrillic "а" vs Latin "a"), and reserved names stay reserved even when
    dotted or dashed ("a.d.m.i.n") so nobody can pose as the system or staff.
    """  # noqa: RUF002 - the Cyrillic letter above is the look-alike being described, on purpose
    if not isinstance(handle, str):
        raise TypeError(f"validate_handle expects str, not {type(handle).__name__}")
    chars = "lowercase letters a-z, digits 0-9, and - _ ."
    h = handle.strip()
    if not h:
        raise TextRejected(
            f"Please choose a handle: {HANDLE_MIN} to {HANDLE_MAX} characters, starting with a letter, using {chars}"
        )
    h = h.lower() if h.isascii() else h
    if not _HANDLE_CHARS_RE.fullmatch(h):
        raise TextRejected(f"Handles can use {chars} (no spaces or other symbols). Please try another.")
    if not _HANDLE_RE.fullmatch(h):
        raise TextRejected(
            "Handles need to start with a letter (a-z); after that, digits 0-9 and - _ . are welcome too."
        )
    if not HANDLE_MIN <= len(h) <= HANDLE_MAX:
        raise TextRejected(f"Handles can be {HANDLE_MIN} to {HANDLE_MAX} characters long; that one is {len(h)}.")
    if h in RESERVED_HANDLES or _HANDLE_SEPARATORS_RE.sub("", h) in RESERVED_HANDLES:
        raise TextRejected(
            f'"{h}" is kept aside for the community itself. '
            "Please choose a different handle; anything else that fits is welcome."
        )
    return h


def clean_display_name(name: str) -> str:
    """Return a safe, single-line display name of 1..40 characters, or raise TextRejected.

    Whitespace runs collapse to one space so a name cannot be used to push
    text around the screen, and a name must contain something visible.
    """
    name = _decode(name)
    if len(name) > DISPLAY_NAME_MAX * _RAW_INPUT_FACTOR:
        raise TextRejected(_name_too_long_message(len(name)))
    cleaned = _WHITESPACE_RUN_RE.sub(" ", _sanitize(name, multiline=False)).strip()
    if not cleaned or all(ch.isspace() or ch in _BLANK_LOOKING or unicodedata.combining(ch) for ch in cleaned):
        raise TextRejected(
            f"Please choose a display name: anything from 1 to {DISPLAY_NAME_MAX} characters that others can see."
        )
    if len(cleaned) > DISPLAY_NAME_MAX:
        raise TextRejected(_name_too_long_message(len(cleaned)))
    return cleaned


def _name_too_long_message(count: int) -> str:
    return (
        f"That name is {count:,} characters; display names can be up to {DISPLAY_NAME_MAX}. Please shorten it a little."
    )
