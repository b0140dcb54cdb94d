"""Shared fixtures: a group with keys, and a running server on loopback with a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import ServerProcess, make_key, safespace


@dataclass
class Group:
    """A data dir with members (name -> private key path) and a running server."""

    data_dir: Path
    keys: dict[str, Path]
    server: ServerProcess

    @property
    def port(self) -> int:
        return self.server.port

    def add(self, name: str, role: str = "member") -> Path:
        key = make_key(self.data_dir.parent, name)
        safespace(self.data_dir, "member", "add", name, "--key", str(key.with_suffix(".pub")), "--role", role)
        self.keys[name] = key
        return key

    def cli(self, *args: str, check: bool = True):
        return safespace(self.data_dir, *args, check=check)


def start_group(tmp_path: Path, members: dict[str, str], extra_config: str = "") -> Group:
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir, extra_config=extra_config)
    group = Group(data_dir, {}, server)
    safespace(data_dir, "init")
    for name, role in members.items():
        group.add(name, role)
    server.start()
    return group


@pytest.fixture
def group(tmp_path: Path) -> Iterator[Group]:
    """A running server with ann (member), bea (member) and sam (senior)."""
    g = start_group(tmp_path, {"ann": "member", "bea": "member", "sam": "senior"})
    yield g
    g.server.stop()
