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


def _write_plan(g) -> None:
    """ann's safety plan, saved through the service as her own form would (server not yet running)."""
    from harness import run_in_own_loop
    from safespace_tui.config import load_config
    from safespace_tui.hub import Hub
    from safespace_tui.services import Services
    from safespace_tui.store.db import Store

    config = load_config(g.data_dir)
    store = Store(config.db_path)
    try:
        services = Services(config, store, Hub())

        async def write() -> None:
            ann = await services.members.by_handle("ann")
            await services.safety_plans.save_own(
                ann, warning_signs="PLAN-SIGNS", includes_first_responders=True, therapist_after_hours_ok=False
            )

        run_in_own_loop(write())
    finally:
        store.close()


async def test_a_member_shares_their_plan_with_the_seniors_they_choose(tmp_path):
    from conftest import running_group

    with running_group(tmp_path, {"ann": "member", "sam": "senior", "tess": "senior"}, prepare=_write_plan) as g:
        ann = await Terminal.connect(g.port, g.keys["ann"])
        sam = await Terminal.connect(g.port, g.keys["sam"])
        tess = await Terminal.connect(g.port, g.keys["tess"])
        try:
            await ann.type_line("/share-plan")
            await ann.wait_for("every senior")
            await sam.type_line("/plan ann")
            await sam.wait_for("PLAN-SIGNS")  # by default every senior member may read it
            sam.press("escape")
            await sam.wait_gone("PLAN-SIGNS")

            await ann.type_line("/share-plan tess")
            await ann.wait_for("tess only")
            await sam.type_line("/plan ann")
            await sam.wait_for("There's no safety plan to show here.")  # exactly as if there were none
            await tess.type_line("/plan ann")
            await tess.wait_for("PLAN-SIGNS")
            await ann.type_line("/share-plan bob")
            await ann.wait_for("bob isn't a senior")
        finally:
            for term in (ann, sam, tess):
                await term.close()
        audit = g.cli("audit", "list").stdout
        audit = "\n".join(line for line in audit.splitlines() if "the operator" not in line)  # (adding members)
        assert "tess" in audit and audit.count("ann") == 2  # sam's first read and tess's; the refusal reads nothing


def test_during_an_alert_the_plan_opens_with_first_responders_and_the_therapist_at_the_top():
    from datetime import datetime

    from safespace_tui.services.safety_plans import SafetyPlanView
    from safespace_tui.tui.screens.safety_plan import plan_text

    plan = SafetyPlanView(
        member_id=1,
        member_handle="ann",
        member_name="ann",
        warning_signs="PLAN-SIGNS",
        coping_strategies="",
        distractions="",
        people_to_ask="",
        professionals="",
        safe_environment="",
        reasons_for_living="",
        includes_first_responders=True,
        therapist_after_hours_ok=False,
        updated_at=datetime(2026, 3, 1),
    )
    during = plan_text(plan, audited=True, during_alert=True).plain
    assert during.index("Yes  My plan includes calling first responders") < during.index("1. Warning signs")
    assert during.index("No   Senior members may contact my therapist after hours") < during.index("PLAN-SIGNS")
    calm = plan_text(plan, audited=True).plain
    assert calm.index("1. Warning signs") < calm.index("Yes  My plan includes calling first responders")
