"""A member's day over real SSH, two (or three) sessions at once, read through pyte.

Status (by a mouse click on one's own name and by /status), spoons (F8) and a check-in
(F6 form) made in one session appear in the other. Check-ins kept "only me" or for
"senior members only" never reach a plain member's screen or the store queries they can
run. Recharging keeps the bell quiet. No timed asserts: the times are measured and printed
(run with -s to see them).
"""

from __future__ import annotations

import statistics
import time

from harness import KEYS, Terminal, wait_until

MEMBERS_PANE = 20  # columns on the right (tui/app.tcss #members-pane)


def click(term: Terminal, x: int, y: int) -> None:
    """A left click at 0-based (x, y), as an xterm with SGR mouse reporting sends it."""
    term.send(f"\x1b[<0;{x + 1};{y + 1}M\x1b[<0;{x + 1};{y + 1}m")


def keys(term: Terminal, *items: str) -> None:
    """Type keys (names from KEYS) and text, all at once: the server applies them in the order
    typed, bound keys (Tab, Backspace, arrows) included (tests/test_ssh_typing.py proves it)."""
    term.send("".join(KEYS.get(item, item) for item in items))


def member_line(term: Terminal, name: str) -> str:
    """The line of the member list that shows ``name`` ('' if none)."""
    for line in term.rows():
        pane = line[-MEMBERS_PANE:].lstrip("▏ ").rstrip()
        if pane[2:].startswith(name + " ") or pane[2:] == name:
            return pane
    return ""


async def wait_line(term: Terminal, name: str, predicate, timeout: float = 15) -> str:

    def matched() -> str | None:
        line = member_line(term, name)
        return line if line and predicate(line) else None

    return await wait_until(
        matched,
        timeout,
        lambda: f"member line for {name!r} never matched; it is {member_line(term, name)!r}:\n{term.text()}",
        0.01,
    )


def report(label: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"\n[figure] {label}: n={len(ms)} min={min(ms):.0f} ms median={statistics.median(ms):.0f} ms "
        f"max={max(ms):.0f} ms"
    )


async def test_status_spoons_and_checkin_show_live_in_another_session(group):
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    try:
        # both are here; ann's day has begun, so bea sees ann's 12 spoons
        await wait_line(bea, "ann", lambda line: line.startswith("● ann") and line.endswith("12 ####"))

        # status by a mouse click on ann's own name in the bottom bar, then the menu
        await ann.wait_for("● ann  available")
        click(ann, 3, ann.height - 2)
        await ann.wait_for("How are you right now?")
        keys(ann, "down")  # low energy
        t0 = time.monotonic()
        ann.press("enter")
        await wait_line(bea, "ann", lambda line: line.startswith("◐ ann"))
        status_times = [time.monotonic() - t0]
        await ann.wait_for("◐ ann  low energy")

        # and by /status, several times, to measure
        for word, symbol in [("available", "●"), ("recharging", "☾"), ("low", "◐"), ("away", "→"), ("available", "●")]:
            ann.send(f"/status {word}")
            await ann.wait_for(f"/status {word}")  # in the box: the time is taken from Enter
            t0 = time.monotonic()
            ann.press("enter")
            await wait_line(bea, "ann", lambda line, s=symbol: line.startswith(f"{s} ann"))
            status_times.append(time.monotonic() - t0)

        # spoons: F8 spends one, bea sees the number and the small bar
        spoon_times = []
        for expected in ("11 ###-", "10 ###-", " 9 ###-", " 8 ###-", " 7 ##--"):
            t0 = time.monotonic()
            ann.press("f8")
            await wait_line(bea, "ann", lambda line, e=expected: line.endswith(e))
            spoon_times.append(time.monotonic() - t0)
        await ann.wait_for("Spoons [#######-----] 7/12")

        # a check-in made in ann's session appears on bea's #check-ins
        await bea.type_line("/join check-ins")
        await bea.wait_for("#check-ins  Daily")
        ann.press("f6")
        await ann.wait_for("Today's check-in")
        keys(ann, "backspace", "backspace", "5", "tab", "4")  # 5 spoons, mood 4 good
        keys(ann, "tab", "tab", "tab", "tab", "tab", "see you all later")  # sleep, needs, signs, win -> note
        await ann.wait_for("see you all later")
        t0 = time.monotonic()
        ann.press("ctrl+o")
        await bea.wait_for("mood 4/5 good")
        checkin_time = time.monotonic() - t0
        await bea.wait_for("note: see you all later")
        await wait_line(bea, "ann", lambda line: line.endswith(" 5 ##--"))  # the check-in set the meter
        await ann.wait_for("Spoons [#####-------] 5/12")

        # edited the same day: bea's card changes in place
        ann.press("f6")
        await ann.wait_for("(changing it)")
        keys(ann, "tab", "2")
        t0 = time.monotonic()
        ann.press("ctrl+o")
        await bea.wait_for("mood 2/5 low")
        edit_time = time.monotonic() - t0
        await bea.wait_gone("mood 4/5 good")

        report("status change seen in another session", status_times)
        report("spoon change seen in another session", spoon_times)
        report("check-in seen in another session", [checkin_time])
        report("check-in edit seen in another session", [edit_time])
    finally:
        await ann.close()
        await bea.close()


async def test_only_me_and_seniors_only_checkins_never_reach_a_plain_member(group):
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    sam = await Terminal.connect(group.port, group.keys["sam"])
    try:
        for term in (bea, sam):
            await term.type_line("/join check-ins")
            await term.wait_for("#check-ins  Daily")

        # today, only me: mood 3, a win, a note, visibility "only me" (two steps right)
        ann.press("f6")
        await ann.wait_for("Today's check-in")
        keys(ann, "tab", "3", "tab", "tab", "tab", "tab", "WIN-ONLY-ME", "tab", "NOTE-ONLY-ME")
        keys(ann, "tab", "right", "right", " ")
        await ann.wait_for("(•) only me")
        ann.press("ctrl+o")
        await ann.wait_for("Thank you for checking in.")
        await ann.wait_gone("Today's check-in")

        # yesterday (back-filled), senior members only
        await ann.type_line("/checkin yesterday")
        await ann.wait_for("Yesterday's check-in")
        keys(ann, "tab", "2", "tab", "tab", "tab", "tab", "WIN-SENIORS", "tab", "NOTE-SENIORS")
        keys(ann, "tab", "right", " ")
        await ann.wait_for("(•) senior members only")
        ann.press("ctrl+o")
        await ann.wait_gone("Yesterday's check-in")

        # the senior sees the seniors-only card; by then bea's session has had every event
        await sam.wait_for("NOTE-SENIORS")
        assert "ONLY-ME" not in sam.text(), sam.text()
        await ann.type_line("/join check-ins")
        await ann.wait_for("NOTE-ONLY-ME")  # the author sees both, marked
        await ann.wait_for("NOTE-SENIORS")
        assert "(only you)" in ann.text() and "(senior members only)" in ann.text()
        assert "NOTE-" not in bea.text() and "WIN-" not in bea.text()
        assert "#check-ins (" not in bea.text()  # no unread count either

        # the wins went to #wins with the same visibility
        await bea.type_line("/join wins")
        await bea.wait_for("#wins  Progress")
        await sam.type_line("/join wins")
        await sam.wait_for("A win: WIN-SENIORS")
        assert "WIN-ONLY-ME" not in sam.text()
        assert "WIN-" not in bea.text()
        await bea.type_line("/join living-room")
        await bea.wait_for("#living-room  Everyday")
        assert "#check-ins (" not in bea.text() and "#wins (" not in bea.text()

        # and the store queries a plain member can run say the same, on the live file
        from safespace_tui.hub import Hub
        from safespace_tui.services.channels import ChannelService
        from safespace_tui.services.members import MemberService
        from safespace_tui.store.db import Store

        store = Store(group.data_dir / "safespace.db")
        try:
            channels = ChannelService(store, Hub())
            members = MemberService(store, Hub())
            bea_view = await members.by_handle("bea")
            sam_view = await members.by_handle("sam")
            for name in ("check-ins", "wins"):
                channel = await channels.by_name(name)
                seen = " ".join(m.body for m in await channels.history(bea_view, channel.id))
                assert "ONLY-ME" not in seen and "SENIORS" not in seen
                seen = " ".join(m.body for m in await channels.history(sam_view, channel.id))
                assert "SENIORS" in seen and "ONLY-ME" not in seen
            unread = {c.name: c.unread for c in await channels.list_for(bea_view)}
            assert unread["check-ins"] == 0 and unread["wins"] == 0
        finally:
            store.close()
    finally:
        await ann.close()
        await bea.close()
        await sam.close()


async def test_recharging_keeps_the_bell_quiet(group):
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    try:
        # available: a mention rings ann's bell and pops up
        before = ann.bells
        await bea.type_line("@ann tea later?")
        await ann.wait_for("bea mentioned you in #living-room")
        assert ann.bells == before + 1

        # recharging: the same kind of event is silent and shows no pop-up
        await ann.type_line("/status recharging")
        await ann.wait_for("☾ ann  recharging")
        await ann.wait_gone("mentioned you", timeout=30)
        before = ann.bells
        await bea.type_line("@ann are you around?")
        await ann.wait_for("are you around?")
        await bea.type_line("just checking, no rush")  # anything rung before this would have arrived by now
        await ann.wait_for("no rush")
        assert ann.bells == before
        assert "mentioned you" not in ann.text()

        # available again: it rings again (so the quiet above was the status, not a broken bell)
        await ann.type_line("/status available")
        await ann.wait_for("● ann  available")
        await bea.type_line("@ann welcome back")
        await ann.wait_for("bea mentioned you")
        assert ann.bells == before + 1
    finally:
        await ann.close()
        await bea.close()
