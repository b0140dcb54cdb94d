"""Tests for safespace_tui.text: the one sanitiser for member-supplied strings.

Each test name / docstring says which kind of bad input it covers.
"""

from __future__ import annotations

import random
import unicodedata

import pytest

from safespace_tui.text import (
    HANDLE_MAX,
    HANDLE_MIN,
    MAX_MESSAGE_CHARS,
    MAX_NOTE_CHARS,
    TextRejected,
    clean_display_name,
    clean_line,
    clean_text,
    validate_handle,
)

# Sets that must never survive cleaning.
C0_EXCEPT_NL = {chr(c) for c in range(0x20)} - {"\n"}
C1 = {chr(c) for c in range(0x80, 0xA0)}
DEL = {"\x7f"}
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
ZERO_WIDTH = set("\u200b\u200c\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad")
FORBIDDEN = C0_EXCEPT_NL | C1 | DEL | BIDI | ZERO_WIDTH


def assert_safe(out: str) -> None:
    bad = {ch for ch in out if ch in FORBIDDEN}
    assert not bad, f"forbidden characters survived: {sorted(map(hex, map(ord, bad)))}"
    assert "\x1b" not in out


# --------------------------------------------------------------------------
# Terminal escape sequences: whole sequence, payload included, is removed.
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param("\x1b[31mred\x1b[0m text", "red text", id="csi-colour"),
        pytest.param("\x1b[38;2;255;0;0mtruecolour\x1b[m", "truecolour", id="csi-24bit-colour"),
        pytest.param("a\x1b[10;20Hb", "ab", id="csi-cursor-position"),
        pytest.param("up\x1b[5Adown\x1b[3B", "updown", id="csi-cursor-up-down"),
        pytest.param("x\x1b[2Jy", "xy", id="csi-clear-screen"),
        pytest.param("x\x1b[3J\x1b[Hy", "xy", id="csi-clear-scrollback-home"),
        pytest.param("\x1b[?1049hhidden\x1b[?1049l", "hidden", id="csi-private-alt-screen"),
        pytest.param("\x1b[?25lno cursor", "no cursor", id="csi-hide-cursor"),
        pytest.param("copy\x1b]52;c;ZXZpbA==\x07me", "copyme", id="osc52-clipboard-bel"),
        pytest.param("copy\x1b]52;c;ZXZpbA==\x1b\\me", "copyme", id="osc52-clipboard-st"),
        pytest.param(
            "\x1b]8;;https://evil.example\x1b\\click here\x1b]8;;\x1b\\",
            "click here",
            id="osc8-hyperlink",
        ),
        pytest.param("\x1b]0;pwned\x07hello", "hello", id="osc0-title-set"),
        pytest.param("\x1b]2;pwned\x1b\\hello", "hello", id="osc2-title-set-st"),
        pytest.param("a\x1bPq#0;2;0;0;0#0!10~\x1b\\b", "ab", id="dcs-sixel"),
        pytest.param('a\x1bP$q"p\x1b\\b', "ab", id="dcs-decrqss"),
        pytest.param("a\x1b_apc payload\x1b\\b", "ab", id="apc"),
        pytest.param("a\x1b^pm payload\x1b\\b", "ab", id="pm"),
        pytest.param("a\x1bXsos payload\x1b\\b", "ab", id="sos"),
        pytest.param("\x9b31mred", "red", id="c1-8bit-csi"),
        pytest.param("a\x9d0;pwned\x07b", "ab", id="c1-8bit-osc-bel"),
        pytest.param("a\x9d52;c;ZXZpbA==\x9cb", "ab", id="c1-8bit-osc-st"),
        pytest.param("a\x90q#0\x9cb", "ab", id="c1-8bit-dcs"),
        pytest.param("a\x9fapc\x9cb", "ab", id="c1-8bit-apc"),
        pytest.param("save\x1b7restore\x1b8", "saverestore", id="esc-save-restore-cursor"),
        pytest.param("reset\x1bc!", "reset!", id="esc-full-reset"),
        pytest.param("\x1b(0lqk\x1b(B", "lqk", id="esc-charset-switch"),
        pytest.param("a\x1b=b\x1b>c", "abc", id="esc-keypad-mode"),
        pytest.param("a\x1bMb", "ab", id="esc-reverse-index"),
        pytest.param("trailing\x1b", "trailing", id="lone-esc-at-end"),
        pytest.param("a\x1b\x1b[2Jb", "ab", id="double-esc"),
    ],
)
def test_escape_sequences_removed(raw: str, expected: str) -> None:
    """CSI/OSC/DCS/APC/PM/SOS/two-char/8-bit escapes vanish with their payload."""
    out = clean_text(raw)
    assert out == expected
    assert_safe(out)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("a\x1b]52;c;ZXZpbA==", id="unterminated-osc"),
        pytest.param("a\x1b[31", id="unterminated-csi"),
        pytest.param("a\x1bP unterminated dcs", id="unterminated-dcs"),
        pytest.param("a\x9d0;title", id="unterminated-8bit-osc"),
        pytest.param("a\x1b\x1b[0m[2Jb", id="sequence-reassembled-after-removal"),
        pytest.param("a\x1b[31\nb", id="csi-broken-by-newline"),
    ],
)
def test_malformed_escapes_leave_no_control_chars(raw: str) -> None:
    """Unterminated or reassembling escapes: leftover payload is inert text."""
    out = clean_text(raw)
    assert out.startswith("a")
    assert_safe(out)


def test_escape_as_bytes_input() -> None:
    """Escape sequences arriving as raw bytes (as from an SSH channel)."""
    assert clean_text(b"\x1b]52;c;ZXZpbA==\x07hi \x1b[2J") == "hi"


# --------------------------------------------------------------------------
# Stray control characters.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("code", [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D, 0x1B)] + [0x7F])
def test_c0_and_del_removed(code: int) -> None:
    """Every C0 control and DEL (newline/tab/CR are normalised; ESC tested above)."""
    assert clean_text(f"be{chr(code)}ll") == "bell"


@pytest.mark.parametrize("code", range(0x80, 0xA0))
def test_c1_controls_removed(code: int) -> None:
    """Every C1 control U+0080..U+009F, including NEL and 8-bit introducers."""
    out = clean_text(f"a{chr(code)}b")
    assert out.startswith("a")
    assert_safe(out)


def test_nul_bytes_removed() -> None:
    """NUL characters (would break storage and some terminals)."""
    assert clean_text("hel\x00lo") == "hello"


# --------------------------------------------------------------------------
# Bidi and invisible characters.
# --------------------------------------------------------------------------


def test_trojan_source_bidi_override() -> None:
    """'Trojan Source' (CVE-2021-42574) bidi overrides and isolates are removed."""
    raw = (
        'access_level = "user\u202e \u2066// Check if admin\u2069 \u2066"\n'
        'if access_level != "user\u202e \u2066// Check if admin\u2069 \u2066":'
    )
    out = clean_text(raw)
    assert_safe(out)
    assert "// Check if admin" in out


@pytest.mark.parametrize("ch", sorted(BIDI), ids=lambda c: f"U+{ord(c):04X}")
def test_each_bidi_control_removed(ch: str) -> None:
    """Each bidi embedding/override/isolate/mark character."""
    assert clean_text(f"ab{ch}cd") == "abcd"


@pytest.mark.parametrize("ch", sorted(ZERO_WIDTH), ids=lambda c: f"U+{ord(c):04X}")
def test_each_zero_width_char_removed(ch: str) -> None:
    """Zero-width, word-joiner, invisible-operator, BOM, soft hyphen, MVS."""
    assert clean_text(f"pass{ch}word") == "password"


def test_lone_zwj_removed_between_letters() -> None:
    """ZWJ used to hide or split words (not between emoji) is removed."""
    assert clean_text("ad\u200dmin") == "admin"
    with pytest.raises(TextRejected):
        clean_text("\u200d\u200d")


@pytest.mark.parametrize(
    "emoji",
    [
        pytest.param("\U0001f469\u200d\u2764\ufe0f\u200d\U0001f469", id="couple-with-heart"),
        pytest.param("\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", id="family"),
        pytest.param("\U0001f3f3\ufe0f\u200d\U0001f308", id="rainbow-flag"),
        pytest.param("\U0001f3f3\ufe0f\u200d\u26a7\ufe0f", id="trans-flag"),
        pytest.param("\U0001f9d1\U0001f3fd\u200d\U0001f4bb", id="technologist-skin-tone"),
        pytest.param("\u2764\ufe0f\u200d\U0001fa79", id="mending-heart"),
    ],
)
def test_emoji_zwj_sequences_kept(emoji: str) -> None:
    """ZWJ is kept inside emoji sequences so they render as one glyph."""
    assert clean_text(f"love {emoji} always") == f"love {emoji} always"


@pytest.mark.parametrize(
    "ch",
    [
        pytest.param("\ue000", id="private-use-bmp"),
        pytest.param("\U000f0000", id="private-use-plane15"),
        pytest.param("\ud800", id="lone-surrogate"),
        pytest.param("\U000e0041", id="tag-character"),
        pytest.param("\u0378", id="unassigned-greek"),
        pytest.param("\U0003fffe", id="noncharacter"),
        pytest.param("\ufff9", id="interlinear-annotation"),
    ],
)
def test_private_unassigned_surrogate_and_format_removed(ch: str) -> None:
    """Categories Co, Cn, Cs and other Cf characters are removed."""
    out = clean_text(f"a{ch}b")
    assert out == "ab"
    out.encode("utf-8")  # storable


def test_future_emoji_codepoints_kept() -> None:
    """Emoji newer than Python's Unicode data (e.g. U+1FAE8 shaking face) stay."""
    assert clean_text("\U0001fae8 today") == "\U0001fae8 today"


# --------------------------------------------------------------------------
# Bad encodings, binary and oversized pastes.
# --------------------------------------------------------------------------


def test_bad_utf8_bytes_never_raise() -> None:
    """Invalid UTF-8 bytes become U+FFFD instead of raising."""
    assert clean_text(b"caf\xe9 ok \xff") == "caf\ufffd ok \ufffd"
    assert clean_text("héllo 🌱".encode()) == "héllo 🌱"


def test_bytearray_accepted() -> None:
    """bytearray input (buffer from a channel) is decoded like bytes."""
    assert clean_text(bytearray(b"hi there")) == "hi there"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(bytes(range(256)) * 4, id="all-bytes"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 8, id="png-header"),
        pytest.param(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64 + b"text", id="elf-nuls"),
        pytest.param("ok " + "\x00\x01\x02\x03" * 20, id="control-heavy-str"),
    ],
)
def test_binary_paste_rejected(raw: bytes | str) -> None:
    """Binary data pasted into the composer is refused kindly, not mangled."""
    with pytest.raises(TextRejected) as info:
        clean_text(raw)
    assert "binary" in info.value.message
    assert "draft" in info.value.message


def test_ansi_coloured_paste_is_not_binary() -> None:
    """Pasted coloured terminal output is text: escapes removed, words kept."""
    raw = "".join(f"\x1b[3{i % 8}mword{i}\x1b[0m " for i in range(40))
    out = clean_text(raw)
    assert out.startswith("word0 word1")
    assert_safe(out)


def test_short_text_with_a_control_is_not_binary() -> None:
    """A short message with one stray control is cleaned, not refused."""
    assert clean_text("hi\x00") == "hi"


def test_oversized_paste_rejected_with_count_and_limit() -> None:
    """Oversized paste: the message states the count and the limit; no truncation."""
    raw = "x" * 5210
    with pytest.raises(TextRejected) as info:
        clean_text(raw)
    msg = info.value.message
    assert "5,210" in msg
    assert "4,000" in msg
    assert raw == "x" * 5210  # caller's draft untouched


def test_length_counted_after_cleaning() -> None:
    """Escapes do not count toward the limit: 4,000 visible chars + colours is fine."""
    raw = "\x1b[31m" + "y" * MAX_MESSAGE_CHARS + "\x1b[0m"
    assert clean_text(raw) == "y" * MAX_MESSAGE_CHARS


def test_exactly_at_limit_accepted_one_over_rejected() -> None:
    """Boundary: max_chars is inclusive."""
    assert len(clean_text("z" * MAX_MESSAGE_CHARS)) == MAX_MESSAGE_CHARS
    with pytest.raises(TextRejected, match="4,001"):
        clean_text("z" * (MAX_MESSAGE_CHARS + 1))


def test_enormous_paste_rejected_quickly() -> None:
    """Multi-megabyte paste is refused up front (event loop protection)."""
    with pytest.raises(TextRejected) as info:
        clean_text("a" * 5_000_000)
    assert "5,000,000" in info.value.message


def test_note_limit_message() -> None:
    """Over-long short note: message states the note limit."""
    with pytest.raises(TextRejected) as info:
        clean_line("n" * 600)
    assert "600" in info.value.message
    assert f"{MAX_NOTE_CHARS}" in info.value.message


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "\n\n\n", "\t", b"", "\x1b[2J", "\u200b\u202e", "\x00\x01", " \r\n \r "],
    ids=repr,
)
def test_empty_after_cleaning_rejected_kindly(raw: str | bytes) -> None:
    """Nothing left after cleaning (blank, only escapes, only invisibles)."""
    with pytest.raises(TextRejected) as info:
        clean_text(raw)
    assert info.value.message.startswith("There's nothing to send yet")


def test_text_rejected_is_value_error_with_message() -> None:
    """TextRejected carries .message and is a ValueError."""
    err = TextRejected("calm words")
    assert isinstance(err, ValueError)
    assert err.message == "calm words"
    assert str(err) == "calm words"


def test_non_text_type_is_a_programming_error() -> None:
    """Passing a non-str/bytes object is a bug, not member input."""
    with pytest.raises(TypeError):
        clean_text(12345)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Markup is kept literally.
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "[@click=app.quit]press me[/]",
        "[link=https://x]totally safe[/link]",
        "[bold]loud[/bold]",
        "[@click=app.action_delete_account()]x",
        "\\[escaped] and [/] and [[",
    ],
)
def test_markup_kept_as_literal_text(raw: str) -> None:
    """Rich/Textual markup stays verbatim; display renders with markup off."""
    assert clean_text(raw) == raw


# --------------------------------------------------------------------------
# Scripts and emoji preserved.
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("أنا هنا من أجلك. لست وحدك.", id="arabic"),
        pytest.param("你并不孤单，我们在这里陪着你。", id="chinese"),  # noqa: RUF001 (Chinese text uses its own comma)
        pytest.param("आप अकेले नहीं हैं। हम आपके साथ हैं।", id="hindi"),
        pytest.param("אתה לא לבד", id="hebrew"),
        pytest.param("Ты не одна 💜", id="cyrillic-emoji"),
        pytest.param("நீங்கள் தனியாக இல்லை", id="tamil"),
        pytest.param("あなたは一人じゃない 🌸", id="japanese"),
        pytest.param("Ñandú, façade, Øre, ẞ, ǅ", id="latin-diacritics"),
        pytest.param("😊 🙏🏾 💪🏻 🌈 ❤️ 🫂 1️⃣ 🇺🇦", id="emoji-modifiers-keycap-flag"),
        pytest.param("e\u0301 n\u0303", id="combining-marks"),
    ],
)
def test_scripts_and_emoji_preserved(raw: str) -> None:
    """Non-Latin scripts, RTL text, combining marks and emoji are untouched."""
    assert clean_text(raw) == raw


# --------------------------------------------------------------------------
# Newlines, tabs and whitespace layout.
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param("a\r\nb", "a\nb", id="crlf"),
        pytest.param("a\rb", "a\nb", id="lone-cr"),
        pytest.param("a\r\rb", "a\n\nb", id="double-cr"),
        pytest.param("a\u2028b\u2029c", "a\nb\nc", id="unicode-line-separators"),
        pytest.param("a\tb", "a    b", id="tab-to-4-spaces"),
        pytest.param("a   \nb \t", "a\nb", id="trailing-whitespace-per-line"),
        pytest.param("a\n\n\n\n\n\nb", "a\n\n\nb", id="collapse-blank-lines-to-two"),
        pytest.param("a\n\n\nb", "a\n\n\nb", id="two-blank-lines-kept"),
        pytest.param("a\n  \n \t \n\n\n b", "a\n\n\n b", id="whitespace-only-lines-collapse"),
        pytest.param("\n\n  \nhello\n\n\n", "hello", id="leading-trailing-blank-lines"),
        pytest.param("    indented", "    indented", id="first-line-indent-kept"),
    ],
)
def test_multiline_layout(raw: str, expected: str) -> None:
    """Newline normalisation, tabs, trailing spaces, blank-line runs."""
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("line one\nline two", "line one line two"),
        ("a\r\n\r\n\r\nb", "a b"),
        ("  padded  \n\n  note  ", "padded note"),
        ("tab\there", "tab    here"),
    ],
)
def test_single_line_mode(raw: str, expected: str) -> None:
    """multiline=False / clean_line: line breaks become one space, ends stripped."""
    assert clean_line(raw) == expected
    assert "\n" not in clean_text(raw, multiline=False)


# --------------------------------------------------------------------------
# Handles.
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("kate", "kate"),
        ("Kate", "kate"),
        ("  river.song  ", "river.song"),
        ("a1", "a1"),
        ("x_y-z.9", "x_y-z.9"),
        ("a" * HANDLE_MAX, "a" * HANDLE_MAX),
        ("adminsupport", "adminsupport"),
        ("heretohelp", "heretohelp"),
        ("kate\n", "kate"),
    ],
)
def test_handle_accepted(raw: str, expected: str) -> None:
    """Valid handles are accepted and lowercased."""
    assert validate_handle(raw) == expected


@pytest.mark.parametrize(
    "raw, fragment",
    [
        pytest.param("", "choose a handle", id="empty"),
        pytest.param("   ", "choose a handle", id="blank"),
        pytest.param("a", f"{HANDLE_MIN} to {HANDLE_MAX}", id="too-short"),
        pytest.param("a" * (HANDLE_MAX + 1), f"{HANDLE_MIN} to {HANDLE_MAX}", id="too-long"),
        pytest.param("1kate", "start with a letter", id="starts-with-digit"),
        pytest.param("_kate", "start with a letter", id="starts-with-underscore"),
        pytest.param(".kate", "start with a letter", id="starts-with-dot"),
        pytest.param("kate smith", "a-z, digits 0-9", id="space"),
        pytest.param("kate!", "a-z, digits 0-9", id="punctuation"),
        pytest.param("k\x1b[2Jate", "a-z, digits 0-9", id="escape-sequence"),
        pytest.param("k\u200bate", "a-z, digits 0-9", id="zero-width"),
        pytest.param("k\u0430te", "a-z, digits 0-9", id="cyrillic-homoglyph"),
        pytest.param("\u212aate", "a-z, digits 0-9", id="kelvin-sign-lowercases-to-k"),
        pytest.param("[@click=app.quit]", "a-z, digits 0-9", id="markup"),
        pytest.param("join", "kept aside", id="reserved-join"),
        pytest.param("Admin", "kept aside", id="reserved-admin-case"),
        pytest.param("root", "kept aside", id="reserved-root"),
        pytest.param("system", "kept aside", id="reserved-system"),
        pytest.param("safespace", "kept aside", id="reserved-safespace"),
        pytest.param("safe-space", "kept aside", id="reserved-safespace-dashed"),
        pytest.param("sos", "kept aside", id="reserved-sos"),
        pytest.param("s.o.s", "kept aside", id="reserved-sos-dotted"),
        pytest.param("everyone", "kept aside", id="reserved-everyone"),
        pytest.param("here", "kept aside", id="reserved-here"),
    ],
)
def test_handle_rejected(raw: str, fragment: str) -> None:
    """Invalid handles are rejected with a message that says what is allowed."""
    with pytest.raises(TextRejected) as info:
        validate_handle(raw)
    assert fragment in info.value.message


def test_handle_rejection_messages_say_what_is_allowed() -> None:
    """Character-set rejection names the allowed alphabet."""
    with pytest.raises(TextRejected) as info:
        validate_handle("no way!")
    msg = info.value.message
    assert "a-z" in msg and "0-9" in msg and "- _ ." in msg


# --------------------------------------------------------------------------
# Display names.
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Sam", "Sam"),
        ("  Sam   Lee  ", "Sam Lee"),
        ("Sam\nLee", "Sam Lee"),
        ("\x1b[31mSam\x1b[0m", "Sam"),
        ("S\u202eam", "Sam"),
        ("ليلى 🌙", "ليلى 🌙"),
        ("小", "小"),
        ("n" * 40, "n" * 40),
    ],
)
def test_display_name_cleaned(raw: str, expected: str) -> None:
    """Display names: escapes/bidi removed, single line, whitespace collapsed."""
    assert clean_display_name(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("\u200b\u200b", id="only-zero-width"),
        pytest.param("\u3164\u3164", id="only-hangul-filler"),
        pytest.param("\x1b[2J", id="only-escape"),
        pytest.param("n" * 41, id="too-long"),
        pytest.param("n" * 100_000, id="enormous"),
    ],
)
def test_display_name_rejected(raw: str) -> None:
    """Empty, invisible-only or over-long display names are refused kindly."""
    with pytest.raises(TextRejected) as info:
        clean_display_name(raw)
    assert "40" in info.value.message


# --------------------------------------------------------------------------
# Property-style: random mixes of dangerous and normal characters.
# --------------------------------------------------------------------------

_DANGEROUS_PIECES = [
    "\x1b",
    "\x1b[",
    "\x1b]",
    "\x1bP",
    "\x1b\\",
    "\x1b[31m",
    "\x1b[2J",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]8;;http://x\x1b\\",
    "\x1b]0;t",
    "\x9b",
    "\x9d",
    "\x90",
    "\x9c",
    "\x07",
    "\x00",
    "\x7f",
    "\r",
    "\t",
    "\u2028",
    "\ud83d",
    "\ue000",
    "\U000e0001",
    "[@click=app.quit]",
    *sorted(FORBIDDEN),
    "\u200d",
]
_NORMAL_PIECES = [
    "hello",
    " ",
    "\n",
    "\n\n\n\n",
    "مرحبا",
    "你好",
    "नमस्ते",
    "😊",
    "👩",
    "❤️",
    "🏳️",
    "🌈",
    "e\u0301",
    "[",
    "]",
    ";",
    "0123",
]


def test_property_random_mixes_never_leak_controls() -> None:
    """2,000 random dangerous/normal mixes: no C0 (but \\n), DEL, C1, bidi,
    zero-width or ESC survives; output is valid UTF-8 and within limits."""
    rng = random.Random(1234)
    outputs = 0
    for _ in range(2000):
        # Vary the danger density so both the sanitiser and the binary-paste
        # guard are exercised; most strings must come out the other side.
        density = rng.choice([0.1, 0.2, 0.5])
        pieces = [
            rng.choice(_DANGEROUS_PIECES if rng.random() < density else _NORMAL_PIECES)
            for _ in range(rng.randint(0, 60))
        ]
        raw = "".join(pieces)
        multiline = rng.random() < 0.7
        try:
            out = clean_text(raw, multiline=multiline)
        except TextRejected as exc:
            assert exc.message
            continue
        outputs += 1
        assert_safe(out)
        out.encode("utf-8")
        assert out == out.strip("\n")
        assert "\n\n\n\n" not in out
        assert len(out) <= MAX_MESSAGE_CHARS
        if not multiline:
            assert "\n" not in out
        for ch in out:
            cat = unicodedata.category(ch)
            assert cat not in ("Cs", "Co"), hex(ord(ch))
            assert cat != "Cf" or ch == "\u200d", hex(ord(ch))
        # Idempotent: cleaning clean text changes nothing.
        assert clean_text(out, multiline=multiline) == out
    assert outputs > 1000  # the property was actually exercised


def test_property_random_bytes_never_raise_unexpectedly() -> None:
    """Random byte strings: only TextRejected may be raised, never decode errors."""
    rng = random.Random(1234)
    for _ in range(500):
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 80)))
        try:
            out = clean_text(raw)
        except TextRejected:
            continue
        assert_safe(out)


def test_clean_typing_keeps_what_is_being_written_and_drops_what_acts_on_a_terminal():
    """Issue 15: the input box's cleaner removes controls, escapes and bidi, keeps newlines, tabs
    and spaces at the end (the member is still typing), and never refuses."""
    from safespace_tui.text import clean_typing

    assert clean_typing("a \t\nb ") == "a \t\nb "
    # "\x9by" is a whole 8-bit CSI sequence ("y" its final byte), so it goes as clean_text does it
    assert clean_typing("x\x9by\u202ez\x1b[31mw\x1b]52;c;aGk=\x07\r\n\x85") == "xzw\n"
    assert clean_typing("") == ""
