"""A first end-to-end check over real SSH: two members chat live."""

from __future__ import annotations

from harness import Terminal


async def test_two_members_chat_live(group):
    ann = await Terminal.connect(group.port, group.keys["ann"])
    bea = await Terminal.connect(group.port, group.keys["bea"])
    try:
        await ann.type_line("good morning, everyone")
        await bea.wait_for("good morning, everyone")
        await ann.wait_for_message("ann", "good morning, everyone")
    finally:
        await ann.close()
        await bea.close()
