"""Typing over SSH arrives in bunches on a laggy link; the app must apply keys in the order typed.

One server for the module: each test's words are its own, so the tests do not see each other's.
"""

from __future__ import annotations

import sqlite3

import pytest

from conftest import THREE, running_group
from harness import Terminal


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("typing"), THREE) as g:
        yield g


async def test_a_burst_of_keys_with_backspace_is_applied_in_order(group):
    """Bad input: keys delivered in one packet ("x", Backspace, "5", "6", Left, "4", Enter)."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    try:
        ann.send("burst x\x7f56\x1b[D4\r")
        await bea.wait_for("burst 546")
        # and again, faster than any person types, several times over; "n", digit, "x", two
        # Backspaces, "m", digit is "nm" and the digit only in this order (were the Backspaces
        # applied after the letters behind them, it would read "n", digit, "x")
        ann.send("".join(f"n{i}x\x7f\x7fm{i}\r" for i in range(5)))
        for i in range(5):
            await bea.wait_for_message("ann", f"nm{i} ")
    finally:
        await ann.close()
        await bea.close()


async def test_keys_typed_while_a_message_is_sending_are_kept(group):
    """Type-ahead: the next message typed right after Enter is neither lost nor merged."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    try:
        ann.send("first one\rsecond one")
        await bea.wait_for("first one")
        await ann.wait_for("│ second one")
        ann.press("enter")
        await bea.wait_for("second one")
    finally:
        await ann.close()
        await bea.close()


async def test_keys_and_pastes_in_one_packet_are_applied_in_order(group):
    """Bad input: keys, a bracketed paste and more keys (with a Backspace) bunched into one packet."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    try:
        for i in range(3):
            ann.send(f"k{i}ab\x1b[200~PASTED{i}\x1b[201~cd\x7fe\r")
            await bea.wait_for_message("ann", f"k{i}abPASTED{i}ce")
        ann.send("\x1b[200~P1\x1b[201~\x1b[200~P2\x1b[201~xy\r")
        await bea.wait_for_message("ann", "P1P2xy")
    finally:
        await ann.close()
        await bea.close()


HOSTILE = ("\x9b", "\u202e", "\x1b[31m")  # 8-bit CSI, right-to-left override, a colour escape


async def test_the_input_box_echoes_no_control_or_bidi_characters(group):
    """Issue 15: what a member types or pastes into their own box is drawn on their own terminal;
    a C1 control, a bidi override or an escape sequence must not reach it raw. Typed and pasted,
    then sent: the bytes the member's client received hold none of them, and the message stored
    (and seen by others) is clean. (Textual's parser ends a paste at an Esc inside it and types
    the rest as keys, Esc as "^": harmless text, so only cleanliness is asserted.)"""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    try:
        received_before = len(ann.raw)
        ann.send("echo1" + "".join(HOSTILE) + "typed")
        ann.paste("pasted" + "".join(HOSTILE) + "echo2")
        await ann.wait_for("echo2")
        await ann.wait_for("pasted")
        echoed = ann.raw[received_before:].decode("utf-8", errors="replace")
        assert "\x9b" not in echoed and "\u202e" not in echoed
        assert "[31m" not in echoed.replace("^[31m", "")  # Textual's colours are 24-bit (38;2;r;g;b)
        ann.press("enter")
        await bea.wait_for_message("ann", "echo1typed")
        with sqlite3.connect(f"file:{group.data_dir / 'safespace.db'}?mode=ro", uri=True) as db:
            (body,) = db.execute("SELECT body FROM message WHERE body LIKE 'echo1%'").fetchone()
        assert "pasted" in body and "echo2" in body
        assert not any(ch in body for ch in "\x1b\x9b\u202e"), repr(body)
    finally:
        await ann.close()
        await bea.close()
