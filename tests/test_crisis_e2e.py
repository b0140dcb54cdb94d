"""Crisis care over real SSH: a real server subprocess, real SQLite, members as asyncssh PTY clients.

What a person would see is read from the screen (pyte); the bell is counted from the bytes sent.
"""

from __future__ import annotations

from harness import Terminal, wait_until


async def close_all(*terminals: Terminal) -> None:
    for terminal in terminals:
        await terminal.close()


async def test_sos_message_reaches_seniors_and_taking_it_is_seen_by_all(groups):
    g = groups({"ann": "member", "sam": "senior", "tess": "senior"})
    sam = await Terminal.connect(g.port, g.keys["sam"])
    tess = await Terminal.connect(g.port, g.keys["tess"])
    ann = await Terminal.connect(g.port, g.keys["ann"])
    try:
        assert "SOS" in ann.text().splitlines()[-1]  # the SOS key is in the footer
        sam_bells, tess_bells = sam.bells, tess.bells

        await ann.type_line("I can't breathe, SOS")
        # both seniors: a prominent alert naming the member, and the bell
        await sam.wait_for("ann (@ann) needs help now")
        await tess.wait_for("ann (@ann) needs help now")
        await wait_until(lambda: sam.bells > sam_bells and tess.bells > tess_bells, what="seniors' bells")
        # the member: calm words, how many were alerted, where the message went, the crisis lines
        await ann.wait_for("2 senior members were alerted")
        await ann.wait_for("Your message is in #911")
        await ann.wait_for("988")
        assert "I can't breathe, SOS" in sam.text()  # the words reach the notice

        # sam opens the pane (F3: a notice never takes his keys) and takes it: "I'm with you"
        sam.press("f3")
        await sam.wait_for("Alerts (most urgent first)")
        sam.send("a")
        await ann.wait_for("sam is with you now")
        await tess.wait_for("sam took ann's alert")

        # ... and closes it, after a confirmation, with a private note
        sam.send("r")
        await sam.wait_for("Close ann's alert?")
        sam.send("4")
        await sam.wait_for("A private note for senior members")
        await sam.type_line("talked in 911, safe tonight")
        await ann.wait_for("sam marked your SOS as looked after")
        await tess.wait_for("sam closed ann's alert")
        await sam.wait_for("Closed by sam at")

        shown = g.cli("alerts", "show", "1").stdout
        assert "resolved by sam" in shown and "SOS words in a message" in shown and "Seniors online then: 2" in shown
        assert "OPEN" not in g.cli("alerts", "list").stdout
        assert "private" not in ann.text() and "safe tonight" not in ann.text() + tess.text()
    finally:
        await close_all(ann, sam, tess)


async def test_unanswered_sos_escalates_louder_and_reminds_the_member(groups):
    g = groups({"ann": "member", "sam": "senior"}, extra_config="sos_escalate_after = 1.0\n")
    sam = await Terminal.connect(g.port, g.keys["sam"])
    ann = await Terminal.connect(g.port, g.keys["ann"])
    try:
        # an accidental press is one Esc away from nothing
        ann.press("ctrl+s")
        await ann.wait_for("SOS: ask a senior member for help now?")
        ann.press("escape")
        await ann.wait_gone("SOS: ask a senior member for help now?")
        assert "No alerts yet." in g.cli("alerts", "list").stdout

        bells = sam.bells
        await ann.type_line("/sos alone tonight")
        await ann.wait_for("SOS: ask a senior member for help now?")
        ann.press("enter")
        await ann.wait_for("1 senior member was alerted")
        await sam.wait_for("ann (@ann) needs help now")
        # nobody takes it: it comes again, louder (three bells), and the member is reminded of the lines
        await sam.wait_for("STILL WAITING")
        await wait_until(lambda: sam.bells >= bells + 4, what="escalation bells")
        await ann.wait_for("No senior member has answered yet")
        await ann.wait_for("Samaritans")
        listing = g.cli("alerts", "list", "--open").stdout
        assert "command" in listing and listing.count("ann") == 1
        shown = g.cli("alerts", "show", "1").stdout
        assert "alone tonight" in shown and "Alerted again: 0" not in shown
    finally:
        await close_all(ann, sam)


async def test_sos_with_no_senior_online_survives_kill9_and_greets_the_next_senior(groups):
    g = groups({"ann": "member", "sam": "senior"})
    ann = await Terminal.connect(g.port, g.keys["ann"])
    try:
        await ann.type_line("Emergency. I don't feel safe")
        await ann.wait_for("No senior member is online right now")
        await ann.wait_for("Your alert will be the first thing")
        await ann.wait_for("988")
        g.server.kill9()  # right after the member saw it accepted
        await ann.wait_closed()
    finally:
        await ann.close()

    g.server.start()
    sam = await Terminal.connect(g.port, g.keys["sam"], wait_for=None)
    try:
        await sam.wait_for("Raised while no senior member was online")
        await sam.wait_for("ann (@ann) needs help now")
        await wait_until(lambda: sam.bells >= 1, what="bell for the waiting alert")
        assert "Emergency. I don't feel safe" in sam.text()
        assert "ann" in g.cli("alerts", "list", "--open").stdout
    finally:
        await sam.close()


async def test_safety_plans_are_private_and_a_seniors_read_is_audited(groups):
    g = groups({"ann": "member", "bea": "member", "sam": "senior"})
    ann = await Terminal.connect(g.port, g.keys["ann"])
    bea = await Terminal.connect(g.port, g.keys["bea"])
    sam = await Terminal.connect(g.port, g.keys["sam"])
    try:
        # ann writes her plan (F4; the first section has the focus; Ctrl+O saves)
        ann.press("f4")
        await ann.wait_for("My safety plan")
        ann.send("pacing at night")
        await ann.wait_for("pacing at night")
        ann.press("ctrl+o")
        await ann.wait_for("Your safety plan is saved")
        ann.press("escape")
        await ann.wait_gone("My safety plan")

        # bea may not read it, and the refusal looks exactly like a plan that does not exist
        await bea.type_line("/plan ann")
        await bea.wait_for("There's no safety plan to show here.")
        await bea.type_line("/plan sam")
        await wait_until(
            lambda: bea.text().count("There's no safety plan to show here.") == 2, what="same words for no plan"
        )
        assert "pacing at night" not in bea.text()

        # ann asks for help; sam takes it and opens her plan in one step from the pane
        await ann.type_line("sos")
        await sam.wait_for("ann (@ann) needs help now")
        sam.press("f3")
        await sam.wait_for("Safety plan: shared")
        sam.send("a")
        await ann.wait_for("sam is with you now")
        sam.send("p")
        await sam.wait_for("Open ann's safety plan?")
        sam.send("1")
        await sam.wait_for("pacing at night")
        await sam.wait_for("Your reading of this plan is recorded")

        audit = g.cli("audit", "list").stdout
        assert "sam read the safety plan of ann (alert 1)" in audit
        reads = "\n".join(line for line in audit.splitlines() if "the operator" not in line)  # (adding members)
        assert "bea" not in reads and "pacing" not in audit
        assert "pacing" not in g.cli("alerts", "show", "1").stdout
        assert "pacing" not in g.server.log_text()

        # ann can see who read her plan
        ann.press("escape")
        ann.press("f4")
        await ann.wait_for("Read by senior members:")
        await ann.wait_for("sam, ")
    finally:
        await close_all(ann, bea, sam)
