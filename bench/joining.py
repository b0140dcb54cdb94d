"""Joining, timed from outside: `ssh join@host` to the code screen, a code to the charter, a welcome to the group.

N newcomers (``--newcomers``, default 10) join one after another, each with a fresh ed25519 key,
through the real server (a subprocess on 127.0.0.1) and a real asyncssh client with a PTY
(100x30, the test harness's Terminal, which feeds pyte as bytes arrive: fine for one client at a
time). For each: TCP connect start until the code screen shows ("door"), Enter on a wrong code
until its answer shows ("wrong code"), Enter on the real code until the first charter page shows
("redeem": the code checked, the key bound to a new member, the member's own app started), and
Enter on the welcome until the group's main screen shows ("welcome": the member listed, the
hello posted, the main screen's first frame). Prints figures, asserts nothing.

    .venv/bin/python bench/joining.py [--newcomers 10] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time

import asyncssh

from common import dist, header, others_cpu, start_group
from harness import Terminal


async def timed(terminal: Terminal, needle: str) -> float:
    start = time.perf_counter()
    await terminal.wait_for(needle, timeout=60)
    return (time.perf_counter() - start) * 1000


async def read_charter(door: Terminal) -> None:
    """Enter through the charter's pages, each time waiting for the page to change."""
    pattern = re.compile(r"page \d+ of \d+")
    while True:
        await door.wait_screen(lambda: "What we agree" in door.text() or pattern.search(door.text()), "a page", 60)
        page = pattern.search(door.text())
        if "What we agree" in door.text() or page is None:
            return
        shown = page.group(0)
        door.press("enter")
        await door.wait_screen(lambda shown=shown: shown not in door.text(), "the next page", 60)


async def one_newcomer(port: int, key_path, code: str, figures: dict[str, list[float]], *, wrong: bool) -> None:
    start = time.perf_counter()
    door = await Terminal.connect(port, key_path, username="join", wait_for="invite code")
    figures["door"].append((time.perf_counter() - start) * 1000)
    try:
        if wrong:  # one address has 10 wrong codes an hour: the first newcomers make one each
            await door.type_line("wxyz-wxyz-wxyz-wxyz-wxyz")
            figures["wrong code"].append(await timed(door, "didn't open the door"))
            door.press("ctrl+u")
        await door.type_line(code)
        figures["redeem"].append(await timed(door, "Our charter"))
        await read_charter(door)
        for _ in range(5):
            door.send(" ")
            door.press("tab")
        door.press("enter")
        await door.wait_for("About you", timeout=60)
        door.press("ctrl+u")
        door.send(key_path.stem.split("_")[0])
        door.press("enter", "enter", "enter")
        await door.wait_for("Say hello", timeout=60)
        door.press("enter")
        figures["welcome"].append(await timed(door, "Channels"))
    finally:
        await door.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--newcomers", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    header(f"joining: {args.newcomers} newcomers, one after another, through join@")
    print(others_cpu())
    group = await start_group(3)
    try:
        from harness import safespace

        figures: dict[str, list[float]] = {"door": [], "wrong code": [], "redeem": [], "welcome": []}
        for n in range(args.newcomers):
            code = safespace(group.data_dir, "invite", "create", "--for", f"new{n:02d}").stdout.strip()
            key = asyncssh.generate_private_key("ssh-ed25519")
            key_path = group.tmp / f"new{n:02d}_ed25519"
            key_path.write_bytes(key.export_private_key())
            key_path.chmod(0o600)
            await one_newcomer(group.port, key_path, code, figures, wrong=n < 5)
        for name, values in figures.items():
            print(f"{name:<11} {dist(values)}")
    finally:
        group.stop(keep=args.keep)


if __name__ == "__main__":
    asyncio.run(main())
