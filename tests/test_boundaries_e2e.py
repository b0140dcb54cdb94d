"""Issue 11 over real SSH: content warnings, the trigger filter, mutes, the no-money rule and
flood control, seen on the screens of several members and a senior member (real server
subprocess, real SQLite, asyncssh PTY clients read through pyte)."""

from __future__ import annotations

from harness import Terminal, wait_until

FOUR = {"ann": "member", "bea": "member", "cat": "member", "sam": "senior"}


async def connect_all(g, *names: str) -> list[Terminal]:
    return [await Terminal.connect(g.port, g.keys[name]) for name in names]


async def close_all(terminals: list[Terminal]) -> None:
    for terminal in terminals:
        await terminal.close()


async def clear_box(terminal: Terminal, draft: str) -> None:
    """A draft the app gave back: take it out again, key by key, as a person would."""
    terminal.send("\x7f" * len(draft))
    await terminal.wait_screen(lambda: draft[:16] not in terminal.text(), "the draft never left the box")


async def test_a_content_warning_is_folded_for_readers_and_opened_per_reader(groups):
    g = groups(FOUR)
    terminals = ann, bea, cat = await connect_all(g, "ann", "bea", "cat")
    try:
        await ann.type_line("/cw grief: the funeral is tomorrow and I feel hollow")
        # the author sees her own words, marked
        await ann.wait_for("ann  (CW: grief) the funeral is tomorrow")
        # each reader sees one folded line, not the words
        for reader in (bea, cat):
            await reader.wait_for("ann  CW: grief — Enter to show")
            assert "funeral" not in reader.text()
        # bea opens it with Enter in her empty box: on her screen only
        bea.press("enter")
        await bea.wait_for("ann  (CW: grief) the funeral is tomorrow")
        await ann.type_line("thank you for being here")
        await cat.wait_for_message("ann", "thank you for being here")
        assert "funeral" not in cat.text() and "ann  CW: grief — Enter to show" in cat.text()
        # Ctrl+T in the message box starts a content warning
        ann.press("ctrl+t")
        await ann.type_line("tired: long day at the hospital")
        await bea.wait_for("ann  CW: tired — Enter to show")
        await cat.wait_for("ann  CW: tired — Enter to show")
        assert "hospital" not in bea.text() + cat.text()
        cat.send("/show")
        cat.press("enter")
        await cat.wait_for("ann  (CW: tired) long day at the hospital")
        # a CW that is not "TOPIC: message" is explained, and Up brings the words back to mend
        await ann.type_line("/cw no colon here")
        await ann.wait_for("Write the topic, a colon")
        ann.press("up")
        await ann.wait_for("/cw no colon here")
    finally:
        await close_all(terminals)


async def test_the_trigger_filter_folds_live_and_in_history_without_the_word(groups):
    g = groups(FOUR)
    terminals = ann, bea, cat = await connect_all(g, "ann", "bea", "cat")
    try:
        await bea.type_line("/triggers add knives")
        await bea.wait_for("Added.")
        await ann.type_line("there were Knives on the table again")
        await cat.wait_for_message("ann", "there were Knives on the table again")
        await bea.wait_for("ann  Folded by your filter — Enter to show")
        assert "nives" not in bea.text()
        # a CW naming the trigger folds as the filter, the topic unsaid
        await ann.type_line("/cw knives: it happened in the kitchen")
        await cat.wait_for("ann  CW: knives — Enter to show")
        await bea.wait_screen(lambda: bea.text().count("Folded by your filter") == 2, "the CW was not folded")
        assert "nives" not in bea.text() and "kitchen" not in bea.text()
        # and in history: a new session folds the same messages
        await bea.close()
        bea = terminals[1] = await Terminal.connect(g.port, g.keys["bea"])
        await bea.wait_screen(lambda: bea.text().count("Folded by your filter") == 2, "history was not folded")
        assert "nives" not in bea.text()
        # the list is private, and the filter can be turned off
        await bea.type_line("/triggers")
        await bea.wait_for("Only you see this list")
        await bea.wait_for("knives")
        bea.press("escape")
        await bea.wait_gone("Only you see this list")
        await bea.type_line("/triggers off")
        await bea.wait_for("Your trigger filter is off")
        await ann.type_line("the knives are gone now")
        await bea.wait_for_message("ann", "the knives are gone now")
    finally:
        await close_all(terminals)


async def test_a_muted_members_messages_fold_their_mentions_never_ring_and_their_sos_still_reaches_seniors(groups):
    g = groups(FOUR)
    terminals = ann, bea, cat, sam = await connect_all(g, "ann", "bea", "cat", "sam")
    try:
        await ann.type_line("said early on")
        await bea.wait_for_message("ann", "said early on")
        await bea.type_line("/mute ann")
        await bea.wait_for("Muted ann")
        await bea.wait_gone("said early on")  # what is on screen folds at once too
        await sam.type_line("/mute ann")
        await sam.wait_for("Muted ann")
        bells = bea.bells
        await ann.type_line("hey @bea are you around")
        await cat.wait_for_message("ann", "hey @bea are you around")
        await bea.wait_screen(lambda: bea.text().count("A muted member's message") == 2, "not folded")
        # a mention by someone else rings: ann's, before it, did not
        await cat.type_line("@bea good morning")
        await bea.wait_for("cat mentioned you")
        await wait_until(lambda: bea.bells > bells, what="cat's mention ringing")
        assert bea.bells == bells + 1 and "ann mentioned you" not in bea.text()
        assert "are you around" not in bea.text()
        await bea.type_line("/muted")
        await bea.wait_for("You have muted: ann")
        # ann is never told
        assert "mute" not in ann.text().lower()
        # unmuted, ann shows again
        await bea.type_line("/unmute ann")
        await bea.wait_for("no longer muted")
        await ann.type_line("still in the living room")
        await bea.wait_for_message("ann", "still in the living room")
        # ann's SOS reaches sam, who muted her, as always; in #911 nothing is folded for him
        await ann.type_line("SOS I'm not safe tonight")
        await sam.wait_for("ann (@ann) needs help now")
        await ann.wait_for("1 senior member was alerted")
        await sam.type_line("/join 911")
        await sam.wait_for_message("ann", "SOS I'm not safe tonight")
    finally:
        await close_all(terminals)


async def test_a_held_solicitation_never_reaches_another_screen_until_leadership_approves(groups):
    g = groups(FOUR)
    terminals = ann, bea, sam = await connect_all(g, "ann", "bea", "sam")
    try:
        draft = "Venmo me @ann-r if you can help with rent"
        await ann.type_line(draft)
        await ann.wait_for("asks for money")
        await ann.wait_for(draft[:16])  # given back to rephrase
        await clear_box(ann, draft)
        await ann.type_line("after the held one")
        await bea.wait_for_message("ann", "after the held one")
        await sam.wait_for_message("ann", "after the held one")
        assert "Venmo" not in bea.text() + sam.text()
        # sent to leadership: seniors are told, and only they can read it
        await ann.type_line("/ask-leaders")
        await ann.wait_for("Sent to leadership")
        await sam.wait_for("waiting for leadership")
        await bea.type_line("/held")
        await bea.wait_for("for senior members")
        await sam.type_line("/held")
        await sam.wait_for("Held messages")
        await sam.wait_for("Venmo me @ann-r")
        sam.press("escape")
        await sam.wait_gone("Held messages")
        assert "Venmo" not in bea.text()
        await sam.type_line("/held approve 1")
        await bea.wait_for_message("ann", draft)
        await ann.wait_for("Leadership approved")
        assert "sam approved a held message by ann" in g.cli("audit", "list").stdout
    finally:
        await close_all(terminals)


async def test_the_flood_limit_holds_back_a_burst_while_an_sos_from_the_same_member_reaches_a_senior(groups):
    g = groups(FOUR, extra_config="flood_burst = 3\nflood_per_minute = 1.0\n")
    terminals = ann, bea, sam = await connect_all(g, "ann", "bea", "sam")
    try:
        await ann.type_line("one")
        await ann.type_line("two\nthree\nfour")  # a paste: one message, counted once
        await ann.type_line("five")
        await bea.wait_for_message("ann", "five")
        await ann.type_line("six")
        await ann.wait_for("faster than the group can read")
        await ann.wait_for("six")  # the draft stays
        await clear_box(ann, "six")
        await ann.type_line("help SOS")
        await sam.wait_for("ann (@ann) needs help now")
        await ann.wait_for("1 senior member was alerted")
        ann.press("escape")  # the "your SOS was sent" page; #911 is behind it
        await ann.wait_gone("1 senior member was alerted")
        await sam.type_line("/join 911")
        await sam.wait_for_message("ann", "help SOS")
        # #911 itself is never limited
        await ann.type_line("still here, shaking")
        await sam.wait_for_message("ann", "still here, shaking")
        assert "six" not in bea.text().split("five", 1)[1]
    finally:
        await close_all(terminals)


async def test_the_line_mode_folds_the_same_way_and_show_opens_it(groups):
    """The plain line mode (ssh line@host) is a front end too: a CW and a mute arrive folded as one
    line, /show writes the newest folded message in full; a held message is told, never sent."""
    g = groups(FOUR)
    bea = await Terminal.connect(g.port, g.keys["bea"])
    ann = await Terminal.connect(g.port, g.keys["ann"], username="line", wait_for="What you type goes here.")
    terminals = [bea, ann]
    try:
        await bea.type_line("/cw grief: the funeral was today")
        await ann.wait_for("bea  CW: grief — /show opens it")
        assert "funeral" not in ann.text()
        await ann.type_line("/show")
        await ann.wait_for("bea: the funeral was today")
        await ann.type_line("/mute bea")
        await ann.wait_for("Muted bea")
        folded = "A muted member's message — /show opens it"
        await ann.wait_for(folded)  # /mute shows the channel again: bea's earlier message, folded now
        shown_before = ann.text().count(folded)
        await bea.type_line("are you there")
        await ann.wait_screen(lambda: ann.text().count(folded) > shown_before, "bea's new message, folded")
        assert "are you there" not in ann.text()
        await ann.type_line("Cash app me $brightdays22 please")
        await ann.wait_for("asks for money")
        await ann.type_line("plain words after it")
        try:
            await bea.wait_for_message("ann", "plain words after it")
        except AssertionError as missing:  # what the line-mode member saw says why
            raise AssertionError(f"{missing}\nann's line-mode screen:\n{ann.text()}") from None
        assert "brightdays" not in bea.text()
    finally:
        await close_all(terminals)
