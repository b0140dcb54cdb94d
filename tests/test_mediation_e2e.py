"""Issue 11, mediation, over real SSH (real server subprocess, real SQLite, asyncssh PTY clients
read through pyte): two members in different time zones, a senior mediator in a third and an
admin take a mediation from the request to a closed room; the room stays invisible to a member,
a senior member and an admin who are not in it (channel list, /join, search, the line mode).

No test clock reaches into the server: the mediator offers a slot that is already under way
(this minute, in his own zone, computed from now), so the room opens as soon as all agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from harness import Terminal

PEOPLE = {"ann": "member", "bea": "member", "cat": "member", "sam": "senior", "tim": "senior", "ada": "admin"}
LIST_WIDTH = 24
ZONES = {"ann": "Europe/Paris", "bea": "America/New_York", "sam": "Asia/Tokyo"}


def this_minute(zone: str) -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0).astimezone(ZoneInfo(zone))


def listed(terminal: Terminal) -> str:
    """The channel list: the left column of the main screen."""
    return "\n".join(line[:LIST_WIDTH] for line in terminal.text().splitlines())


async def dismiss(terminal: Terminal, title: str) -> None:
    terminal.press("escape")
    await terminal.wait_gone(title)


async def test_a_mediation_from_request_to_closed_room_seen_only_by_its_people(groups):
    g = groups(PEOPLE)
    t = {name: await Terminal.connect(g.port, g.keys[name]) for name in PEOPLE}
    ann, bea, cat, sam, tim, ada = (t[n] for n in PEOPLE)
    try:
        for name, zone in ZONES.items():
            await t[name].type_line(f"/timezone {zone}")
            await t[name].wait_for(f"follows {zone}")
        # a member asks; leadership is told, and reads the few words
        await ann.type_line("/mediation ask bea: we keep clashing over pinecones")
        await ann.wait_for("Asked (mediation 1)")
        await ada.wait_for("A request for mediation waits")
        await ada.type_line("/mediation list")
        await ada.wait_for("their words: we keep clashing over pinecones")
        await dismiss(ada, "Mediations (leadership only)")
        await ada.type_line("/mediation assign 1 sam")
        await ada.wait_for("Mediators for 1: sam")
        # the other party is told kindly, in fixed words: never ann's
        await bea.wait_for("ann asked for mediation")
        assert "clashing" not in bea.text()
        await sam.wait_for("You were asked to mediate")
        # a member never reads the requests; the mediation is "not found" for anyone not in it
        await cat.type_line("/mediation list")
        await cat.wait_for("There's no such mediation")
        for outsider in (cat, tim, ada):
            await outsider.type_line("/mediation 1")
            await outsider.wait_for("There's no such mediation")
        # the mediator offers a slot under way, in his own zone
        start = this_minute("Asia/Tokyo")
        await sam.type_line(f"/mediation slots add {start:%Y-%m-%d %H:%M} 60")
        await sam.wait_for("Offered: slot 1")
        # each party sees it in their own zone
        for name in ("ann", "bea"):
            local = start.astimezone(ZoneInfo(ZONES[name]))
            await t[name].type_line("/mediation 1")
            await t[name].wait_for(f"slot 1: {local:%a} {local.day} {local:%b} {local:%H:%M}-")
            await t[name].wait_for(f"({ZONES[name]}), 60 min, offered by sam")
            await dismiss(t[name], "Times offered")
        await ann.type_line("/mediation pick 1 1")
        await ann.wait_for("waiting for the others")
        await bea.type_line("/mediation pick 1 1")
        # agreed by all: confirmed, and the room opens for exactly its people
        for insider in (ann, bea, sam):
            await insider.wait_for("mediation room is open")
            await insider.wait_screen(lambda who=insider: "mediation-1" in listed(who), "the room is not in the list")
        await ann.type_line("/join mediation-1")
        await bea.type_line("/join mediation-1")
        await sam.type_line("/join mediation-1")
        await ann.type_line("the pinecone photo hurt")
        for name in ("bea", "sam"):
            await t[name].wait_for_message("ann", "the pinecone photo hurt")
        # nobody else sees that it exists: a member, a senior member, an admin
        for outsider in (cat, tim, ada):
            await outsider.type_line("/join mediation-1")
            await outsider.wait_for("no channel called")
            await outsider.type_line("/search pinecone")
            await outsider.wait_for("Nothing found")
            await dismiss(outsider, "Search: pinecone")
            assert "mediation-1" not in listed(outsider) and "photo hurt" not in outsider.text()
        line = await Terminal.connect(g.port, g.keys["cat"], username="line", wait_for="What you type goes here.")
        try:
            await line.type_line("/join mediation-1")
            await line.wait_for("no channel called")
            await line.type_line("/mediation")  # the app's small form: here, lines
            await line.wait_for("You have no mediations.")
        finally:
            await line.close()
        # the mediator closes it with a note for leadership; the room becomes read-only
        await sam.type_line("/mediation close 1: both were heard and agreed on a way forward")
        await sam.wait_for("Mediation 1 is closed")
        await ann.wait_for("Mediation 1 is closed")
        await ann.type_line("one more thing")
        await ann.wait_for("This mediation room is closed")  # the refusal (the notice said "Mediation 1 is closed")
        assert "ann  one more thing" not in ann.text()
        await ada.type_line("/mediation note 1")
        await ada.wait_for("both were heard and agreed")
        await dismiss(ada, "Outcome of mediation 1")
    finally:
        for terminal in t.values():
            await terminal.close()
    # the operator: ids, state, times and names; never the words or the note
    operator_list = g.cli("mediation", "list").stdout
    assert "closed" in operator_list and "ann and bea; mediators: sam" in operator_list
    assert "pinecone" not in operator_list and "heard" not in operator_list
    audit = g.cli("audit", "list").stdout
    assert "mediation.assign sam" in audit and "mediation.close" in audit and "mediation.outcome_read" in audit


async def test_a_session_within_the_hour_is_reminded_told_again_at_session_start_and_rescheduled(groups):
    g = groups({"ann": "member", "bea": "member", "sam": "senior"})
    t = {name: await Terminal.connect(g.port, g.keys[name]) for name in ("ann", "bea", "sam")}
    ann, bea, sam = t["ann"], t["bea"], t["sam"]
    try:
        await bea.type_line("/timezone America/New_York")
        await bea.wait_for("follows America/New_York")
        await ann.type_line("/mediation ask bea")
        await ann.wait_for("Asked (mediation 1)")
        await sam.type_line("/mediation assign 1 sam")
        await sam.wait_for("Mediators for 1: sam")
        start = (datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=40)).astimezone(ZoneInfo("UTC"))
        await sam.type_line(f"/mediation slots add {start:%Y-%m-%d %H:%M} 30")
        await sam.wait_for("Offered: slot 1")
        await ann.type_line("/mediation pick 1 1")
        await ann.wait_for("waiting for the others")
        await bea.type_line("/mediation pick 1 1")
        # forty minutes away: set, and within the hour, in bea's own zone
        local = start.astimezone(ZoneInfo("America/New_York"))
        await bea.wait_for("is within the hour")
        await bea.wait_for(f"{local:%H:%M}-")
        # a new session is told again, as it starts
        await ann.close()
        ann = t["ann"] = await Terminal.connect(g.port, g.keys["ann"])
        await ann.wait_for("Mediation 1 is set for")
        # either party may ask for another time: back to picking, the others told
        await bea.type_line("/mediation reschedule 1")
        await bea.wait_for("back to picking a time")
        await ann.wait_for("needs a new time")
        await sam.wait_for("needs a new time")
        assert "mediation-1" not in listed(ann)
    finally:
        for terminal in t.values():
            await terminal.close()
