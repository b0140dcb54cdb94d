"""Seniors reached outside the app (issue 9, hole 4), over real SSH against the real server.

Notices go through apprise's ``json://`` to a real HTTP receiver on 127.0.0.1 (tests/receiver.py).
"""

from __future__ import annotations

import json

from harness import Terminal, wait_until
from receiver import Receiver

NOTICE = "An SOS is waiting in Safe Space"


async def test_sos_with_no_senior_online_reaches_seniors_outside_the_app_and_again_when_not_taken(groups):
    g = groups({"ann": "member", "bea": "member", "sam": "senior", "tess": "senior"}, "sos_escalate_after = 2.0\n")
    with Receiver() as phone, Receiver(refuse=True) as broken:
        # an admin gives sam and tess an address each; what is printed is masked
        added = g.cli("member", "notify", "sam", "--url", phone.url("sam-secret-topic")).stdout
        assert "json://…" in added and "sam-secret-topic" not in added and str(phone.port) not in added
        g.cli("member", "notify", "tess", "--url", broken.url("tess-secret-topic"))
        refused = g.cli("member", "notify", "bea", "--url", phone.url("bea"), check=False)
        assert refused.returncode == 1 and "not a senior member" in refused.stderr
        bad = g.cli("member", "notify", "sam", "--url", "nonsense-address", check=False)
        assert bad.returncode == 1 and "can't send to that address" in bad.stderr

        ann = await Terminal.connect(g.port, g.keys["ann"])
        try:
            await ann.type_line("/sos can't sleep, scared")
            await ann.wait_for("SOS: ask a senior member")
            ann.press("enter")
            await ann.wait_for("Your SOS is saved")
            # the notice: no name, no words of the member
            await wait_until(lambda: phone.to("sam-secret-topic"), what="sam's notice never arrived")
            notice = phone.to("sam-secret-topic")[0].body
            assert notice["message"] == NOTICE
            assert "ann" not in json.dumps(notice) and "scared" not in json.dumps(notice)
            # nobody takes it: at the escalation time sam is told again
            await wait_until(lambda: len(phone.to("sam-secret-topic")) >= 2, what="no second notice at escalation")
        finally:
            await ann.close()

        # tess's service refused: admins see it, without the address
        def failures_listed() -> str | None:
            # both of tess's: the escalation's failure is written after sam's second notice went out
            out = g.cli("alerts", "list").stdout
            both = "alert 1 (raised) to tess" in out and "alert 1 (escalated) to tess" in out
            return out if both else None

        listed = await wait_until(failures_listed, what="notice failures never listed for admins")
        assert "could not be sent" in listed
        assert "tess-secret" not in listed and str(broken.port) not in listed
        shown = g.cli("alerts", "show", "1").stdout
        assert "Notices outside the app: 2 sent" in shown
        log = g.server.log_text()
        assert "secret-topic" not in log and str(phone.port) not in log and str(broken.port) not in log
        assert "notice for alerts [1] to member" in log  # the failure is logged, by ids


async def test_an_sos_survives_kill_9_and_seniors_are_told_outside_the_app_after_restart(groups):
    g = groups({"ann": "member", "sam": "senior", "tess": "senior"})
    with Receiver() as phone:
        g.cli("member", "notify", "tess", "--url", phone.url("tess"))
        sam = await Terminal.connect(g.port, g.keys["sam"])
        ann = await Terminal.connect(g.port, g.keys["ann"])
        try:
            await ann.type_line("SOS please")
            await ann.wait_for("1 senior member was alerted")
            await sam.wait_for("ann (@ann) needs help now")
            assert phone.received == []  # sam was online: nobody is sent a notice
            g.server.kill9()
        finally:
            await ann.close()
            await sam.close()
        g.server.start()
        await wait_until(lambda: phone.to("tess"), what="no notice after the restart")
        assert phone.to("tess")[0].body["message"] == NOTICE
        assert "OPEN, nobody has taken it" in g.cli("alerts", "list").stdout


async def test_a_senior_sets_their_own_address_privately_and_members_see_who_can_come_before_they_press(groups):
    g = groups({"ann": "member", "sam": "senior", "tess": "senior"})
    with Receiver() as phone:
        sam = await Terminal.connect(g.port, g.keys["sam"])
        tess = await Terminal.connect(g.port, g.keys["tess"])
        ann = await Terminal.connect(g.port, g.keys["ann"])
        try:
            # sam's own form: the address is typed hidden and shown back masked
            await sam.type_line("/notify")
            await sam.wait_for("Notices when an SOS waits")
            await sam.wait_for("No addresses yet")
            await sam.type_line(phone.url("sams-own-topic"))
            await sam.wait_for("1. json://…")
            assert "sams-own-topic" not in sam.text() and str(phone.port) not in sam.text()
            sam.press("escape")
            await sam.wait_gone("Notices when an SOS waits")
            await sam.type_line("/oncall")
            await sam.wait_for("You're on call")
            # a plain member has no such settings
            await ann.type_line("/notify")
            await ann.wait_screen(lambda: "Notices when an SOS waits" not in ann.text(), "a member got the form")

            ann.press("ctrl+s")
            await ann.wait_for("2 senior members are online (sam is on call)")
            ann.press("escape")
            await ann.wait_gone("SOS: ask a senior member")
            await sam.close()
            await tess.close()
            await g.server.wait_status(sessions=1)

            ann.press("ctrl+s")
            await ann.wait_for("No senior member is online.")
            await ann.wait_for("Your SOS is saved, seniors are being")
            await ann.wait_for("988")  # the crisis lines, right there
            ann.press("escape")
        finally:
            await ann.close()
            await sam.close()
            await tess.close()
        assert phone.received == []  # nothing was raised
        listed = g.cli("member", "notify", "sam").stdout
        assert "on call" in listed and "json://…" in listed and "sams-own-topic" not in listed
        assert "sams-own-topic" not in g.server.log_text()
