"""Issue 9, responder care and handing on, over real SSH (a real server, real SQLite, asyncssh
PTY clients read through pyte): the senior who was with a member is looked after too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from harness import Terminal, wait_until
from receiver import Receiver

DEBRIEF = "it was a hard one tonight and I would like to talk it over"


async def close_all(*terminals: Terminal) -> None:
    for terminal in terminals:
        await terminal.close()


async def raise_and_open_pane(ann: Terminal, sam: Terminal) -> None:
    await ann.type_line("SOS")
    await sam.wait_for("ann (@ann) needs help now")
    sam.press("f3")
    await sam.wait_for("Alerts (most urgent first)")


async def test_a_senior_sees_what_they_hold_and_after_closing_leaves_a_debrief_only_admins_read(groups):
    g = groups({"ann": "member", "sam": "senior", "ada": "admin"})
    sam = await Terminal.connect(g.port, g.keys["sam"])
    ann = await Terminal.connect(g.port, g.keys["ann"])
    try:
        await raise_and_open_pane(ann, sam)
        await sam.wait_for("You hold no alerts")
        sam.send("a")
        await ann.wait_for("sam has seen your SOS and is with you now")
        await sam.wait_for("You hold 1 alert")
        sam.send("r")
        await sam.wait_for("Close ann's alert?")
        sam.send("1")  # "They're safe for now"
        await ann.wait_for("sam marked your SOS as looked after")
        await sam.wait_for("A word for leadership?")  # offered, never forced
        await sam.type_line(DEBRIEF)
        await sam.wait_for("Your note is with the admins")
        await sam.wait_for("check your own spoons")
        await sam.wait_gone("A word for leadership?")
        await sam.wait_for("You hold no alerts")
        shown = g.cli("alerts", "show", "1").stdout
        assert "Debrief from sam at" in shown and DEBRIEF in shown
        assert DEBRIEF not in ann.text()  # the member never sees it
        assert DEBRIEF not in g.server.log_text()
    finally:
        await close_all(ann, sam)


async def test_hand_over_to_another_senior_and_back_to_everyone(groups):
    g = groups({"ann": "member", "sam": "senior", "tess": "senior"}, "sos_escalate_after = 600.0\n")
    sam = await Terminal.connect(g.port, g.keys["sam"])
    tess = await Terminal.connect(g.port, g.keys["tess"])
    ann = await Terminal.connect(g.port, g.keys["ann"])
    try:
        await raise_and_open_pane(ann, sam)
        sam.send("a")
        await ann.wait_for("sam has seen your SOS and is with you now")
        sam.send("h")
        await sam.wait_for("Hand ann's alert on")
        await sam.wait_for("Back to every senior member")
        sam.press("down")
        sam.press("enter")
        await sam.wait_for("ann's alert is with tess now")
        await tess.wait_for("sam asked you to be with ann")
        await ann.wait_for("sam asked tess to be with you. tess is with")
        await ann.wait_for("✓ tess is with you now")  # the SOS dialog names who is with them now
        assert "taken by tess" in g.cli("alerts", "list").stdout
        await sam.wait_for("You hold no alerts")

        # tess holds it, and gives it back to everyone: sam is told it needs someone
        tess.press("f3")
        await tess.wait_for("You hold 1 alert")
        tess.send("h")
        await tess.wait_for("Back to every senior member")
        tess.press("enter")
        await tess.wait_for("ann's alert is with every senior member now")
        await sam.wait_for("tess handed this back — ann still needs someone")
        await ann.wait_for("tess asked the other senior members to be")
        await ann.wait_gone("✓ tess is with you now")
        assert "OPEN, nobody has taken it" in g.cli("alerts", "list").stdout
    finally:
        await close_all(ann, sam, tess)


def hours_from_now(start: float, end: float) -> str:
    """Quiet hours as the CLI takes them, around the present moment (the seniors' zone is UTC)."""
    now = datetime.now(UTC)
    return f"{now + timedelta(hours=start):%H:%M}-{now + timedelta(hours=end):%H:%M}"


async def test_a_senior_in_quiet_hours_gets_no_notice_and_one_outside_them_does(groups):
    g = groups({"ann": "member", "sam": "senior", "tess": "senior"})
    with Receiver() as phone:
        g.cli("member", "notify", "sam", "--url", phone.url("sam"))
        g.cli("member", "notify", "tess", "--url", phone.url("tess"))
        # sam is in quiet hours now; tess has quiet hours too, but later today
        g.cli("member", "notify", "sam", "--quiet", hours_from_now(-2, 2))
        g.cli("member", "notify", "tess", "--quiet", hours_from_now(4, 6))
        ann = await Terminal.connect(g.port, g.keys["ann"])
        try:
            await ann.type_line("SOS")
            await ann.wait_for("Your SOS is saved")
            await wait_until(lambda: phone.to("tess"), what="tess's notice never arrived")

            def recorded() -> str | None:  # every send of this alert is done once it is recorded
                shown = g.cli("alerts", "show", "1").stdout
                return shown if "Notices outside the app: 0 sent" not in shown else None

            shown = await wait_until(recorded, what="the notices were never recorded")
            assert "Notices outside the app: 1 sent" in shown
            assert phone.to("sam") == []
        finally:
            await ann.close()
