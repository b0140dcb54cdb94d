"""Joining over real SSH: nominate, screen, invite, `ssh join@host` with a new key, onboarding, chat.

Stories as a person would live them, against the real server on loopback and a real SQLite file;
the screen each person sees is read through pyte (tests/harness.py).
"""

from __future__ import annotations

import re
import sqlite3

import asyncssh
import pytest

from harness import Terminal, make_key, ssh_connect

CODE = re.compile(r"\b[a-z2-9]{4}(?:-[a-z2-9]{4}){4}\b")
MEMBERS = {"ann": "member", "bea": "member", "sam": "senior", "ada": "admin"}
WRONG = "That code didn't open the door"


def toasts(terminal: Terminal) -> str:
    """What the notifications on screen say, as one line (a toast wraps its words at ~46 columns)."""
    parts = [line.split("▌", 1)[1] for line in terminal.text().splitlines() if "▌" in line]
    return re.sub(r"\s+", " ", " ".join(parts))


async def told(terminal: Terminal, words: str) -> None:
    await terminal.wait_screen(lambda: words in toasts(terminal), f"never told {words!r}")


async def given_back(terminal: Terminal, draft: str) -> None:
    """A refused command is given back to the member's box; empty it (Ctrl+U) to type the next."""
    await terminal.wait_for(f"│ {draft} ")
    terminal.press("ctrl+u")
    await terminal.wait_gone(f"│ {draft} ")


def code_on(terminal: Terminal) -> str:
    match = CODE.search(terminal.text())
    assert match, f"no invite code on screen:\n{terminal.text()}"
    return match.group(0)


async def join(port: int, key, *, width: int = 100, height: int = 30) -> Terminal:
    """``ssh -p PORT join@host`` with ``key``: the invite-code screen."""
    return await Terminal.connect(port, key, username="join", wait_for="invite code", width=width, height=height)


async def redeem(terminal: Terminal, code: str) -> None:
    await terminal.type_line(code)
    await terminal.wait_for("Our charter")


async def read_charter(terminal: Terminal) -> None:
    """Enter through every charter page, up to the agreements, each time waiting for the page to change
    (an Enter too many would tick the first agreement)."""
    pattern = re.compile(r"page \d+ of \d+")
    while True:
        await terminal.wait_screen(
            lambda: "What we agree" in terminal.text() or pattern.search(terminal.text()), "a charter page"
        )
        page = pattern.search(terminal.text())
        if "What we agree" in terminal.text() or page is None:
            return
        shown = page.group(0)
        terminal.press("enter")
        await terminal.wait_screen(lambda shown=shown: shown not in terminal.text(), "the next page")


async def agree_to_all(terminal: Terminal) -> None:
    for _ in range(5):  # each agreement ticked with Space, Tab to the next
        terminal.send(" ")
        terminal.press("tab")
    terminal.press("enter")  # the button "I agree to all of these"
    await terminal.wait_for("About you")


async def details(terminal: Terminal, pronouns: str = "she/her") -> None:
    terminal.press("enter")  # the suggested name
    await terminal.type_line(pronouns)
    terminal.press("enter")  # time zone: UTC as given
    await terminal.wait_for("Say hello")


def seats_row(group) -> str:
    return group.cli("invite", "list").stdout


async def test_nominate_screen_invite_join_onboard_and_chat(groups, tmp_path):
    group = groups(MEMBERS)
    ann = await Terminal.connect(group.port, group.keys["ann"])
    sam = await Terminal.connect(group.port, group.keys["sam"])
    dana = None
    try:
        await ann.type_line("/nominate dana; we met in a DBT group; she listens so well")
        await told(ann, "Leadership will read your nomination of dana")

        await sam.type_line("/nominations")
        await sam.wait_for("she listens so well")
        await sam.wait_for("nominated by ann")
        sam.press("escape")
        await sam.wait_gone("Nominations (leadership only)")
        await sam.type_line("/screen 1 spoke with her today: warm, steady")
        await told(sam, "Noted")
        await sam.type_line("/decide 1 invite")
        await sam.wait_for("An invite code")
        code = code_on(sam)
        sam.press("escape")
        await sam.wait_gone("An invite code")
        # ann hears the outcome kindly, and never the note
        await told(ann, "Leadership has invited dana")
        assert "warm, steady" not in ann.text()

        dana = await join(group.port, make_key(tmp_path, "dana"))
        await redeem(dana, code)
        await read_charter(dana)
        await agree_to_all(dana)
        await dana.wait_screen(lambda: "dana" in dana.text(), "the invite's name is suggested")
        await details(dana)
        assert "Hi everyone, I'm dana (she/her). Glad to be here." in dana.text()
        dana.press("enter")
        await dana.wait_for("Channels")
        await told(sam, "dana has joined the group")
        await ann.wait_for_message("dana", "Hi everyone, I'm dana (she/her).")

        await dana.type_line("thank you for having me")
        await ann.wait_for_message("dana", "thank you for having me")
        assert "used by dana" in seats_row(group)
    finally:
        for terminal in (ann, sam, dana):
            if terminal is not None:
                await terminal.close()


async def test_join_door_shows_nothing_of_the_group_and_strangers_stay_out(group, tmp_path):
    stranger = make_key(tmp_path, "stranger")
    door = await join(group.port, stranger)
    try:
        await door.type_line("abcd-efgh-jkmn-pqrs-tuvw")
        await door.wait_for(WRONG)
        text = door.text()
        for secret in ("ann", "bea", "sam", "living-room", "Channels", "911", "check-ins"):
            assert secret not in text, f"{secret!r} shows at the join door:\n{text}"
        door.press("ctrl+q")
        await door.wait_closed()
    finally:
        await door.close()
    # any other user name: an unknown key is refused at auth, as before
    with pytest.raises(asyncssh.PermissionDenied):
        await ssh_connect(group.port, stranger, username="dana")


async def test_guessing_codes_hits_the_limit_per_connection_and_per_address(group, tmp_path):
    """5 tries per connection, 10 an hour per address; past them a code is not even looked at."""
    code = group.cli("invite", "create", "--for", "eve").stdout.strip()
    key = make_key(tmp_path, "guesser")
    for connection, last_words in enumerate(("all the tries this connection has", "many tries from where you are")):
        door = await join(group.port, key)
        try:
            for attempt in range(5):
                await door.type_line(f"wxyz-wxyz-wxyz-wxyz-wx{connection}{attempt + 2}")
                await door.wait_for(WRONG)
                if attempt < 4:
                    door.press("ctrl+u")
                    await door.wait_gone(WRONG)
            await door.wait_for(last_words)
            await door.wait_closed()
        finally:
            await door.close()
    door = await join(group.port, key)
    try:
        await door.type_line(code)  # the real code, past the address's limit: not looked at
        await door.wait_for("many tries from where you are")
        assert WRONG not in door.text()
    finally:
        await door.close()
    assert re.search(r"eve\s+until .* open", group.cli("invite", "list").stdout)


async def test_used_and_revoked_codes_get_the_same_answer_as_a_wrong_one(group, tmp_path):
    code = group.cli("invite", "create").stdout.strip()
    first = await join(group.port, make_key(tmp_path, "first"))
    try:
        await redeem(first, code)
    finally:
        await first.close()
    revoked = group.cli("invite", "create", "--for", "hal").stdout.strip()
    number = re.search(r"(\d+)\s+hal\s", group.cli("invite", "list").stdout).group(1)
    assert "no longer opens" in group.cli("invite", "revoke", number).stdout
    assert re.search(r"hal\s+until .* revoked", group.cli("invite", "list").stdout)
    second = await join(group.port, make_key(tmp_path, "second"))
    try:
        for attempt in (code, revoked):
            await second.type_line(attempt)
            await second.wait_for(WRONG)
            second.press("ctrl+u")
            await second.wait_gone(WRONG)
    finally:
        await second.close()


async def test_onboarding_left_half_way_resumes_where_it_stopped(group, tmp_path):
    code = group.cli("invite", "create", "--for", "fern").stdout.strip()
    key = make_key(tmp_path, "fern")
    fern = await join(group.port, key)
    try:
        await redeem(fern, code)
        await fern.wait_for("page 1 of")
        fern.press("enter")
        await fern.wait_for("page 2 of")
    finally:
        await fern.close()
    # her key is hers now: the ordinary door, and she is on page 2, nothing of the group shown
    fern = await Terminal.connect(group.port, key, wait_for="page 2 of")
    try:
        assert "Channels" not in fern.text() and "ann" not in fern.text()
        await read_charter(fern)
        await agree_to_all(fern)
    finally:
        await fern.close()
    fern = await Terminal.connect(group.port, key, wait_for="About you")
    try:
        await details(fern, pronouns="they/them")
    finally:
        await fern.close()
    fern = await Terminal.connect(group.port, key, wait_for="Say hello")
    try:
        assert "I'm fern (they/them)" in fern.text()
        fern.press("enter")
        await fern.wait_for("Channels")
    finally:
        await fern.close()
    with sqlite3.connect(group.data_dir / "safespace.db") as db:
        agreed = db.execute("SELECT agreed FROM onboarding").fetchone()[0]
    assert agreed == "peer,therapist,911,money,spoons"


async def test_capacity_holds_invites_until_an_admin_says_so(group):
    assert "no capacity set" in group.cli("group", "capacity").stdout
    group.cli("group", "capacity", "3")  # ann, bea and sam: full
    refused = group.cli("invite", "create", "--for", "gil", check=False)
    assert refused.returncode == 1 and "The group is full" in refused.stderr and not refused.stdout
    sam = await Terminal.connect(group.port, group.keys["sam"])
    try:
        await sam.type_line("/invite gil")
        await told(sam, "The group is full")
        await given_back(sam, "/invite gil")
        await sam.type_line("/invite gil --over-capacity")
        await told(sam, "Only an admin can invite past")
        await given_back(sam, "/invite gil --over-capacity")
        await sam.type_line("/capacity")
        await told(sam, "of 3 seats: 0 open")
    finally:
        await sam.close()
    assert CODE.fullmatch(group.cli("invite", "create", "--for", "gil", "--over-capacity").stdout.strip())
