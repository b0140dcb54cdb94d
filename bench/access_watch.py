"""The access watcher's round: what one look at every member and live key costs, and an idle round.

    .venv/bin/python bench/access_watch.py [--members 200] [--rounds 20]

The server looks at the store every ``session_check_interval`` seconds (2 s) for what the CLI, another
process, changed (services/access.py). With N members online that look reads every member and every
live key. A round in which nothing was committed skips the look. This prints the CPU time of this
process (the store's threads included) per round: a full look (after a member changed), the round
after a chat message (a commit that changes no member or key: no look), and an idle round; and
each part of the look. The services run in this process on a real SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

import asyncssh

from common import BENCH_CONFIG, _add_members, header


async def cpu_per_call(call, rounds: int) -> float:
    """Milliseconds of process CPU per ``await call()``."""
    started = time.process_time()
    for _ in range(rounds):
        await call()
    return (time.process_time() - started) / rounds * 1000


async def main(args) -> None:
    from safespace_tui.config import load_config
    from safespace_tui.hub import Hub
    from safespace_tui.services import Services
    from safespace_tui.store.db import Store
    from safespace_tui.store.models import Member

    work = Path(tempfile.mkdtemp(prefix="safespace-watch-"))
    data = work / "data"
    data.mkdir()
    (data / "config.toml").write_text(BENCH_CONFIG)
    keys = [asyncssh.generate_private_key("ssh-ed25519") for _ in range(args.members)]
    await _add_members(data, [f"m{i:03d}" for i in range(args.members)], keys)
    store = Store(load_config(data).db_path)
    try:
        services = Services(load_config(data), store, Hub())
        live = set(range(1, args.members + 1))  # every member's one key, as if all were online
        header(f"bench/access_watch.py: {args.members} members and live keys, {args.rounds} rounds each")
        members = services.members
        parts = {
            "revoked_among (live keys)": lambda: members.revoked_among(live),
            "members.list (every member)": members.list,
            "channel_admin.check (also)": services.channel_admin.check,
            "mediation.tick (also)": services.mediation.tick,
            "members.access_changes (token)": members.access_changes,
        }
        for name, call in parts.items():
            print(f"  {name:30s} {await cpu_per_call(call, args.rounds):6.2f} ms CPU")
        await services.access.check(live)

        changes = iter(range(10**9))

        def change_a_member() -> None:  # a display name: a change the watcher reads, the next round looks
            Member.update(display_name=f"m000 {next(changes)}").where(Member.handle == "m000").execute()

        async def after_a_member_change() -> None:
            await store.write(change_a_member)
            await services.access.check(live)

        await services.channels.ensure_defaults()
        author = await members.by_handle("m001")
        channel = (await services.channels.list_for(author))[0].id

        async def post() -> None:
            await services.messages.send(author, channel, "a quiet hello")

        async def after_a_message() -> None:
            await post()
            await services.access.check(live)

        write_alone = await cpu_per_call(lambda: store.write(change_a_member), args.rounds)
        full = await cpu_per_call(after_a_member_change, args.rounds) - write_alone
        post_alone = await cpu_per_call(post, args.rounds)
        chat = await cpu_per_call(after_a_message, args.rounds) - post_alone
        idle = await cpu_per_call(lambda: services.access.check(live), args.rounds)
        looks = services.access.looks
        print(f"a round after a member changed (a full look): {full:6.2f} ms CPU")
        print(f"a round after a chat message:                 {chat:6.2f} ms CPU")
        print(f"an idle round (nothing changed):              {idle:6.2f} ms CPU")
        print(f"full looks: {looks} in {services.access.rounds} rounds")
        interval = services.config.session_check_interval
        print(
            f"every {interval:g} s, idle: {idle / interval / 10:.3f} % of a core "
            f"(a full look every round would be {full / interval / 10:.3f} %)"
        )
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--members", type=int, default=200)
    p.add_argument("--rounds", type=int, default=20)
    asyncio.run(main(p.parse_args()))
