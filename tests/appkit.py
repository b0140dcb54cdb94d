"""Build a real SafeSpaceApp for pilot and snapshot tests: real Store on a tmp SQLite file, real services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import asyncssh

from harness import make_key
from safespace_tui.config import load_config
from safespace_tui.hub import Hub
from safespace_tui.services import Services
from safespace_tui.services.members import to_view
from safespace_tui.services.views import MemberView, PublicKey
from safespace_tui.ssh.keys import read_public_key
from safespace_tui.store.db import Store
from safespace_tui.store.models import Channel, Message
from safespace_tui.store.models import Member as MemberRow
from safespace_tui.tui import textual_fixes
from safespace_tui.tui.app import SafeSpaceApp

FIXED = datetime(2026, 11, 24, 9, 30)


def build_services(tmp_path: Path, **overrides) -> Services:
    config = load_config(tmp_path / "data", host="127.0.0.1", port=0, **overrides)
    store = Store(config.db_path)
    return Services(config, store, Hub())


def new_key() -> PublicKey:
    """A fresh ed25519 public key, as a member's (generated in memory: no file needed)."""
    return read_public_key(asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode())


@asynccontextmanager
async def service_world(
    tmp_path: Path, roles: dict[str, str]
) -> AsyncIterator[tuple[Services, dict[str, MemberView], Hub]]:
    """Real services over a real SQLite file in ``tmp_path``: the default channels and one member
    per name (name -> role). The store is closed afterwards."""
    config = load_config(tmp_path)
    store = Store(config.db_path)
    hub = Hub()
    services = Services(config, store, hub)
    try:
        await services.channels.ensure_defaults()
        people = {name: await services.members.add(name, new_key(), role=role) for name, role in roles.items()}
        yield services, people, hub
    finally:
        store.close()


def seed(services: Services, tmp_path: Path, members: dict[str, str]) -> dict[str, int]:
    """Default channels and members (name -> role); returns name -> member id."""

    async def run():
        await services.channels.ensure_defaults()
        ids = {}
        for name, role in members.items():
            key = make_key(tmp_path, name)
            view = await services.members.add(name, read_public_key(key.with_suffix(".pub").read_text()), role=role)
            ids[name] = view.id
        return ids

    return run_sync(run())


def run_sync(coroutine):
    """Run a coroutine to completion from sync code, even inside an async test (own thread, own loop)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def add_messages(services: Services, channel: str, author_id: int, bodies: list[str], when: datetime = FIXED) -> None:
    """Insert messages with fixed times (for stable snapshots)."""

    def write():
        channel_row = Channel.get(Channel.name == channel)
        for body in bodies:
            Message.create(channel=channel_row, author=author_id, body=body, created_at=when)

    services.store.write_sync(write)


def make_app(services: Services, member_id: int) -> SafeSpaceApp:
    textual_fixes.apply()
    member = services.store.read_sync(lambda: to_view(MemberRow.get_by_id(member_id)))
    return SafeSpaceApp(services, member)
