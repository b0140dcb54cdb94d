"""ssh/paste_guard.py: a bracketed paste is bounded before Textual's parser holds it.

Bad input: a paste that never ends (the parser would keep every character), markers split across
reads at any point, a lone Esc (must never be held back), keys typed after a cut-short paste.
"""

from __future__ import annotations

import random

import pytest

from safespace_tui.ssh.paste_guard import PASTE_END as END
from safespace_tui.ssh.paste_guard import PASTE_START as START
from safespace_tui.ssh.paste_guard import PasteGuard


def through(chunks: list[str], limit: int = 10) -> str:
    guard = PasteGuard(limit)
    return "".join(guard.filter(chunk) for chunk in chunks)


def test_keys_and_short_pastes_pass_untouched():
    stream = "ab" + START + "hello\nthere" + END + "cd\x1b"
    assert through([stream], limit=100) == stream


def test_a_lone_escape_reaches_the_parser_at_once():
    guard = PasteGuard()
    assert guard.filter("\x1b") == "\x1b"  # Esc (and the start of every marker) is not held back


def test_a_long_paste_is_ended_at_the_limit_and_the_rest_dropped():
    assert through([START + "x" * 25 + END + "ok"]) == START + "x" * 10 + END + "ok"


def test_a_paste_that_never_ends_stays_bounded():
    guard = PasteGuard(limit=1000)
    forwarded = guard.filter(START)
    for _ in range(1000):  # 10 M characters, no end marker
        forwarded += guard.filter("y" * 10_000)
    assert forwarded == START + "y" * 1000 + END
    assert guard.filter("z" + END + "typed") == "typed"  # the client's own end: keys again


@pytest.mark.parametrize("limit", [3, 10, 100])
def test_markers_split_anywhere_give_the_same_result(limit):
    stream = "k1" + START + "p" * 20 + END + "k2\x1b" + START + "q" * 5 + END + "end" + START + "r" * 50
    whole = through([stream], limit)
    rng = random.Random(limit)
    for _ in range(500):
        cuts = sorted(rng.sample(range(1, len(stream)), rng.randint(1, 10)))
        parts = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        assert through(parts, limit) == whole, parts
    for cut in range(1, len(stream)):  # and every single cut point
        assert through([stream[:cut], stream[cut:]], limit) == whole
