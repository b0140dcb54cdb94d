"""Issue 10, goals with progress notes, end to end over SSH: ann sets a goal, notes a step, and is
offered to share it in #wins: shared, bea sees it there; kept (Esc), nothing is posted, and her
own goals page still holds both steps.
"""

from __future__ import annotations

from harness import Terminal


async def test_progress_is_offered_to_wins_and_posted_only_when_chosen(group):
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    try:
        await bea.type_line("/join wins")
        await bea.wait_for("#wins  Progress")
        await ann.type_line("/goals add sleep before midnight")
        await ann.wait_for("Goal 1 set: sleep before midnight")
        await ann.type_line("/progress 1 bed by 11:40 twice")
        await ann.wait_for("Would you like to share it in #wins?")
        ann.press("enter")  # "Share in #wins" has the focus
        await bea.wait_for_message("ann", "sleep before midnight: bed by 11:40 twice")
        await ann.type_line("/progress 1 phone out of the bedroom")
        await ann.wait_for("Would you like to share it in #wins?")
        ann.press("escape")  # keep it to myself
        await ann.wait_gone("Would you like to share it")
        await ann.type_line("/goals")
        await ann.wait_for("1. sleep before midnight")
        await ann.wait_for("phone out of the bedroom")
        assert "bed by 11:40 twice" in ann.text()
        await bea.type_line("and still here")  # bea's screen is up to date: nothing else came
        await bea.wait_for_message("bea", "and still here")
        assert "phone out" not in bea.text()
    finally:
        await ann.close()
        await bea.close()
