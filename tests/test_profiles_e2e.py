"""Issue 10, getting to know each other, end to end over SSH: a member fills in their profile in the
app (the form, typed key by key), and each field reaches exactly the readers it was meant for; a
change shows live on a page someone else has open; the directory lists everyone.
"""

from __future__ import annotations

import pytest

from conftest import running_group
from harness import Terminal

FOUR = {"ann": "member", "bea": "member", "sam": "senior", "ada": "admin"}
GROUP_WORDS = "CPTSD, in therapy weekly"
SENIOR_WORDS = "loud arguments"
OWN_WORDS = "sleep before midnight"


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("profiles"), FOUR) as group:
        yield group


async def _fill_in_profile(term: Terminal) -> None:
    """ann's form: pronouns and diagnoses for the group, goals only for her, triggers for seniors."""
    await term.type_line("/profile")
    await term.wait_for("Your profile")
    await term.wait_for("don't write details of what happened")
    term.press("tab")  # from the name to the pronouns
    term.send("she/her")
    term.press("tab", "tab")  # past "shown to"
    term.send("gardener")
    term.press("tab", "tab")
    term.send(GROUP_WORDS)
    term.press("tab", "tab")
    term.send(OWN_WORDS)
    term.press("tab", "right", "right")
    term.send(" ")  # only me
    term.press("tab", "tab", "tab")  # challenges left empty
    term.send(SENIOR_WORDS)
    term.press("tab", "right")
    term.send(" ")  # seniors
    term.press("ctrl+o")
    await term.wait_for("Your profile is saved")


async def _page_of(group, reader: str, handle: str) -> Terminal:
    term = await Terminal.connect(group.port, group.keys[reader])
    await term.type_line(f"/profile {handle}")
    await term.wait_for("Esc closes")
    return term


async def test_each_profile_field_reaches_only_its_readers(four):
    """Member, senior and admin read ann's profile over SSH: the group's fields for everyone, the
    seniors-only field for sam and ada, the only-me field for nobody but ann (absent, as if empty)."""
    ann = await Terminal.connect(four.port, four.keys["ann"])
    try:
        await _fill_in_profile(ann)
    finally:
        await ann.close()
    seen = {}
    for reader in ("bea", "sam", "ada", "ann"):
        term = await _page_of(four, reader, "ann")
        try:
            await term.wait_for(GROUP_WORDS)
            await term.wait_for("(she/her)")
            seen[reader] = term.text()
        finally:
            await term.close()
    assert SENIOR_WORDS not in seen["bea"] and OWN_WORDS not in seen["bea"]
    for senior in ("sam", "ada"):
        assert SENIOR_WORDS in seen[senior] and "(senior members only)" in seen[senior]
        assert OWN_WORDS not in seen[senior]
    assert SENIOR_WORDS in seen["ann"] and OWN_WORDS in seen["ann"] and "(only me)" in seen["ann"]
    audit = four.cli("audit", "list").stdout  # a senior's read of seniors-only fields is recorded
    for reader in ("sam", "ada"):
        assert f"{reader} read the profile fields for senior members of ann" in audit
    assert "bea read the profile" not in audit and SENIOR_WORDS not in audit


async def test_a_new_name_shows_live_on_an_open_profile_and_the_directory(four):
    """bea has sam's page open (from the member list: Tab to it, Down to sam, Enter) and later the
    directory; sam renames himself in his form: bea's screen follows without her doing anything."""
    sam = await Terminal.connect(four.port, four.keys["sam"])
    bea = await Terminal.connect(four.port, four.keys["bea"])
    try:
        # Here now: bea, sam; Not here: ada, ann. Focus lands on the first member (bea).
        bea.press("tab", "down", "enter")  # from the message box to the member list, to sam
        await bea.wait_for("@sam")
        await sam.type_line("/profile")
        await sam.wait_for("Your profile")
        sam.send("\x7f" * 5 + "Samuel")
        sam.press("ctrl+o")
        await sam.wait_for("Your profile is saved")
        await bea.wait_for("Samuel  @sam")
        bea.press("escape")
        await bea.wait_gone("@sam")
        # typed while the member list has the focus: it goes into the message box
        await bea.type_line("/members")
        await bea.wait_for("Enter opens a profile")
        await bea.wait_for("Samuel")
        await bea.wait_for("available")
    finally:
        await bea.close()
        await sam.close()
