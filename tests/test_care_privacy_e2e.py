"""Issue 9, holes 6 and 7 over real SSH: warning signs and safety plans reach only whom they should."""

from __future__ import annotations

from harness import KEYS, Terminal


def keys(term: Terminal, *items: str) -> None:
    term.send("".join(KEYS.get(item, item) for item in items))


async def test_warning_signs_of_a_checkin_shared_with_the_group_reach_only_senior_members(group):
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    sam = await Terminal.connect(group.port, group.keys["sam"])
    try:
        for term in (bea, sam):
            await term.type_line("/join check-ins")
            await term.wait_for("#check-ins  Daily")
        ann.press("f6")
        await ann.wait_for("Today's check-in")
        await ann.wait_for("only you and senior members see these")  # the form says so
        keys(ann, "tab", "3", "tab", "tab", "tab", "isolating, skipped lunch", "tab", "tab", "NOTE-FOR-ALL")
        await ann.wait_for("NOTE-FOR-ALL")
        ann.press("ctrl+o")  # shared with the group (the default)
        await bea.wait_for("note: NOTE-FOR-ALL")
        await sam.wait_for("warning signs noticed: isolating")
        await ann.type_line("/join check-ins")
        await ann.wait_for("warning signs noticed: isolating")
        assert "isolating" not in bea.text() and "skipped lunch" not in bea.text()

        # changed the same day, signs taken out: the seniors' line goes too
        ann.press("f6")
        await ann.wait_for("(changing it)")
        keys(ann, "tab", "tab", "tab", "tab", *(["backspace"] * 30), "tab", "tab", "NOTE-2")
        ann.press("ctrl+o")
        await bea.wait_for("NOTE-2")
        await sam.wait_gone("warning signs noticed")
        assert "isolating" not in bea.text()
    finally:
        await ann.close()
        await bea.close()
        await sam.close()
