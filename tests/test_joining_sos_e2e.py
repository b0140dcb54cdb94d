"""A newcomer still joining can ask for help: SOS from onboarding, over real SSH.

Onboarding shows nothing of the group, but help is there from the first screen: Ctrl+S (and
/sos typed in a box) raises an SOS that reaches the senior members online like any other; the
newcomer sees what happened and the crisis lines, and stays in their joining steps (no #911
for someone not yet a member).
"""

from __future__ import annotations

from harness import Terminal, make_key
from test_joining_e2e import agree_to_all, join, read_charter, redeem, told

SOS_QUESTION = "SOS: ask a senior member for help now?"
EMPTY_NAME = "name, e.g. dana"  # the name box's placeholder


async def test_a_newcomer_presses_ctrl_s_and_a_senior_is_alerted(group, tmp_path):
    code = group.cli("invite", "create", "--for", "fern").stdout.strip()
    sam = await Terminal.connect(group.port, group.keys["sam"])
    fern = await join(group.port, make_key(tmp_path, "fern"))
    try:
        await redeem(fern, code)
        await fern.wait_for("page 1 of")
        fern.press("ctrl+s")
        await fern.wait_for(SOS_QUESTION)
        await fern.wait_for("1 senior member is online")
        await fern.type_line("scared tonight")
        await fern.wait_for("1 senior member was alerted")
        await fern.wait_for("stay right here")
        await fern.wait_for("Samaritans")
        assert "#911" not in fern.text().replace("once you've joined, #911", "")
        await sam.wait_for("fern (@new-")
        await sam.wait_for("needs help now")
        await sam.wait_for("scared tonight")
        assert "scared tonight" in group.cli("alerts", "show", "1").stdout

        # the senior takes it: the newcomer hears who, and stays in onboarding
        sam.press("f3")
        await sam.wait_for("Alerts (most urgent first)")
        sam.send("a")
        await fern.wait_for("sam is with you now. They will reach out to you.")
        await told(fern, "sam has seen your SOS and will reach out to you")
        fern.press("escape")
        await fern.wait_for("page 1 of")
        assert "Channels" not in fern.text()
    finally:
        await sam.close()
        await fern.close()


async def test_a_newcomer_types_sos_in_an_onboarding_box(group, tmp_path):
    """/sos in the name box runs the SOS (never saved as a name); other commands wait for joining."""
    code = group.cli("invite", "create", "--for", "gil").stdout.strip()
    sam = await Terminal.connect(group.port, group.keys["sam"])
    key = make_key(tmp_path, "gil")
    gil = await join(group.port, key)
    try:
        await redeem(gil, code)
    finally:
        await gil.close()
    gil = await Terminal.connect(group.port, key, wait_for="page 1 of")  # her key is hers: the ordinary door
    try:
        await read_charter(gil)
        await agree_to_all(gil)
        gil.press("ctrl+u")  # acts once the name box has the focus: then its placeholder shows
        await gil.wait_for(EMPTY_NAME)
        await gil.type_line("/members")
        await told(gil, "Everything else opens once you've joined")
        await gil.wait_gone(EMPTY_NAME)  # the box has its name back
        gil.press("ctrl+u")
        await gil.wait_for(EMPTY_NAME)
        await gil.type_line("/sos")
        await gil.wait_for(SOS_QUESTION)
        gil.press("enter")
        await gil.wait_for("1 senior member was alerted")
        await sam.wait_for("needs help now")
        gil.press("escape")
        await gil.wait_gone("1 senior member was alerted")
        assert "About you" in gil.text() and "gil" in gil.text()  # the suggested name is back in its box
        # and taken back, from the same box
        gil.press("ctrl+u")
        await gil.wait_for(EMPTY_NAME)
        await gil.type_line("/withdraw")
        await gil.wait_for("Take back your SOS?")
        gil.send("1")
        await told(gil, "Your SOS is taken back")
        await sam.wait_for("took their SOS back")
        assert "About you" in gil.text()
    finally:
        await sam.close()
        await gil.close()


async def test_a_welcome_with_the_sos_words_is_an_sos_the_newcomer_is_told_of(group, tmp_path):
    """The hello for #living-room says SOS: it goes to #911 and alerts the seniors, as any message
    with those words does, and the newcomer (a member now) sees the same "SOS sent" answer."""
    code = group.cli("invite", "create", "--for", "hal").stdout.strip()
    sam = await Terminal.connect(group.port, group.keys["sam"])
    hal = await join(group.port, make_key(tmp_path, "hal"))
    try:
        await redeem(hal, code)
        await read_charter(hal)
        await agree_to_all(hal)
        hal.press("ctrl+u")  # once the name box has the focus (its placeholder shows), keys go in order
        await hal.wait_for(EMPTY_NAME)
        await hal.type_line("hal")
        await hal.type_line("he/him")
        hal.press("enter")  # time zone: UTC as given
        await hal.wait_for("Say hello")
        hal.press("ctrl+u")
        await hal.wait_gone("Glad to be here")
        await hal.type_line("SOS, this is all too much tonight")
        await hal.wait_for("1 senior member was alerted")
        await hal.wait_for("Your message is in #911")
        await sam.wait_for("needs help now")
    finally:
        await sam.close()
        await hal.close()
