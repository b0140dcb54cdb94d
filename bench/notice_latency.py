"""SOS to the out-of-app notice: from a member pressing Enter on an "SOS" message (no senior online)
until apprise's POST reaches a receiver on loopback.

    .venv/bin/python bench/notice_latency.py [--runs 10]

The real server runs as a subprocess (tests/harness.py's ServerProcess) on 127.0.0.1 with a fresh
data dir; one senior member (offline) has a ``json://127.0.0.1:PORT/`` address served by a small HTTP
receiver in this process (tests/receiver.py, stamping each request with ``time.perf_counter()``).
Each run is a different plain member (each raises a new alert): they connect, type "SOS <token>",
and we stamp t0 as Enter is sent. The figure is the receiver's stamp - t0. Prints figures; asserts
nothing; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from harness import KEYS, ServerProcess, Terminal, add_members_direct, safespace, wait_until  # noqa: E402
from receiver import Receiver  # noqa: E402


async def main(runs: int) -> None:
    base = Path(tempfile.mkdtemp(prefix="notice-bench-"))
    data = base / "data"
    members = {"sam": "senior", **{f"m{i}": "member" for i in range(runs)}}
    server = ServerProcess(data, extra_config="sos_escalate_after = 3600.0\n")
    safespace(data, "init")
    keys = add_members_direct(data, members)
    figures: list[float] = []
    try:
        with Receiver() as receiver:
            safespace(data, "member", "notify", "sam", "--url", receiver.url("sam"))
            server.start()
            for i in range(runs):
                term = await Terminal.connect(server.port, keys[f"m{i}"])
                before = len(receiver.received)
                term.send(f"SOS bench {i}")
                await term.wait_for(f"SOS bench {i}")
                t0 = time.perf_counter()
                term.send(KEYS["enter"])
                await wait_until(lambda b=before: len(receiver.received) > b, 30, "no notice arrived")
                figures.append((receiver.received[before].at - t0) * 1000)
                await term.wait_for("Your SOS is saved")
                await term.close()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
    figures.sort()
    print(f"{time.strftime('%Y-%m-%d')} {platform.machine()} python {platform.python_version()}")
    print(f"SOS (Enter) to out-of-app notice at a loopback json:// receiver, {runs} runs:")
    print(
        f"  p50 {statistics.median(figures):.0f} ms   min {figures[0]:.0f} ms   max {figures[-1]:.0f} ms"
        f"   all: {' '.join(f'{f:.0f}' for f in figures)}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    asyncio.run(main(parser.parse_args().runs))
