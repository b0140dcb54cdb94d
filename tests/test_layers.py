"""The layers kept by a test, not by memory (CONTRIBUTING.md, "Layers (one direction only)").

Every import in ``safespace_tui/`` is read with ``ast`` (``import x`` and ``from x import y``,
relative ones resolved, imports inside functions and ``if TYPE_CHECKING:`` too) and checked
against one rule per layer:

* tui/ never imports ssh/ or store/ (it gets a driver class and services handed to it);
* services/ never import textual, asyncssh, tui/ or ssh/ (the rules work without a front end);
* store/ imports nothing above it (services, tui, ssh, hub, cli);
* the command table (commands.py) imports no front end: no textual, asyncssh, tui/ or ssh/,
  so a plain line mode can use the same table;
* the line mode (line/) never imports textual, asyncssh, tui/, ssh/ or store/: it is a front
  end over the services, and the SSH side hands it an ``Output``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from safespace_tui.errors import TellMember
from safespace_tui.services.errors import ServiceError
from safespace_tui.ssh.keys import KeyRejected
from safespace_tui.store.db import StoreFull
from safespace_tui.text import TextRejected

PACKAGE = Path(__file__).resolve().parent.parent / "safespace_tui"


@dataclass(frozen=True)
class Rule:
    layer: str  # the package whose modules the rule reads, e.g. "safespace_tui.services"
    forbidden: tuple[str, ...]  # modules (and everything under them) it may not import


RULES = {
    "tui": Rule("safespace_tui.tui", ("safespace_tui.ssh", "safespace_tui.store")),
    "services": Rule("safespace_tui.services", ("textual", "asyncssh", "safespace_tui.tui", "safespace_tui.ssh")),
    "store": Rule(
        "safespace_tui.store",
        ("safespace_tui.services", "safespace_tui.tui", "safespace_tui.ssh", "safespace_tui.hub", "safespace_tui.cli"),
    ),
    "commands": Rule("safespace_tui.commands", ("textual", "asyncssh", "safespace_tui.tui", "safespace_tui.ssh")),
    "line": Rule(
        "safespace_tui.line", ("textual", "asyncssh", "safespace_tui.tui", "safespace_tui.ssh", "safespace_tui.store")
    ),
}


def imported(module: str, source: str, *, is_package: bool = False) -> set[tuple[str, ...]]:
    """Every import in ``source`` (the text of ``module``), by absolute name.

    Each is a tuple of what it may name, most general first: ``from .x import y`` gives
    (``pkg.x``, ``pkg.x.y``), since y may be a module or a name defined in ``pkg.x``.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: set[tuple[str, ...]] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update((alias.name,) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - (node.level - 1)])
                base = f"{anchor}.{base}" if base else anchor
            found.update((base, f"{base}.{alias.name}") for alias in node.names)
    return found


def _breaks(target: str, rule: Rule) -> bool:
    return any(target == bad or target.startswith(bad + ".") for bad in rule.forbidden)


def violations(rule: Rule, modules: dict[str, tuple[str, bool]]) -> list[str]:
    """``module imports target`` for each import that breaks ``rule``; ``modules`` maps a module
    name to (its source, whether it is a package's __init__)."""
    found = set()
    for module, (source, is_package) in modules.items():
        if module != rule.layer and not module.startswith(rule.layer + "."):
            continue
        for names in imported(module, source, is_package=is_package):
            target = next((name for name in names if _breaks(name, rule)), None)
            if target is not None:
                found.add(f"{module} imports {target}")
    return sorted(found)


def product_modules() -> dict[str, tuple[str, bool]]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = (path.read_text(encoding="utf-8"), is_package)
    return modules


@pytest.mark.parametrize(
    "name",
    [
        "tui",
        "services",
        "store",
        "commands",
        "line",
    ],
)
def test_layer_rule_holds(name):
    """Promise: no module of the layer imports what its rule forbids."""
    assert violations(RULES[name], product_modules()) == []


# A module of each layer that breaks its rule every way we know (planted, never written to disk),
# and one that keeps it: the checker must tell them apart.
PLANTED = {
    "tui": (
        "safespace_tui.tui.app",
        "from ..ssh.driver import SSHDriver\nimport safespace_tui.store.db\n",
        {
            "safespace_tui.tui.app imports safespace_tui.ssh.driver",
            "safespace_tui.tui.app imports safespace_tui.store.db",
        },
    ),
    "services": (
        "safespace_tui.services.members",
        "import asyncssh\nfrom textual.app import App\nfrom ..tui import app\n"
        "def later():\n    from ..ssh.keys import read_public_key\n",
        {
            "safespace_tui.services.members imports asyncssh",
            "safespace_tui.services.members imports textual.app",
            "safespace_tui.services.members imports safespace_tui.tui",
            "safespace_tui.services.members imports safespace_tui.ssh.keys",
        },
    ),
    "store": (
        "safespace_tui.store",
        "from .. import hub\nfrom ..services import Services\nfrom safespace_tui.cli import main\n",
        {
            "safespace_tui.store imports safespace_tui.hub",
            "safespace_tui.store imports safespace_tui.services",
            "safespace_tui.store imports safespace_tui.cli",
        },
    ),
    "commands": (
        "safespace_tui.commands",
        "from textual.binding import Binding\nfrom .tui.screens.help import HelpScreen\n",
        {
            "safespace_tui.commands imports textual.binding",
            "safespace_tui.commands imports safespace_tui.tui.screens.help",
        },
    ),
    "line": (
        "safespace_tui.line.session",
        "import asyncssh\nfrom textual.app import App\nfrom ..store.models import Message\n"
        "def later():\n    from ..tui.session import Session\n",
        {
            "safespace_tui.line.session imports asyncssh",
            "safespace_tui.line.session imports textual.app",
            "safespace_tui.line.session imports safespace_tui.store.models",
            "safespace_tui.line.session imports safespace_tui.tui.session",
        },
    ),
}
KEEPS_THE_RULES = {
    "tui": ("safespace_tui.tui.screens.main", "from ...services.channels import may_see\nfrom ... import text\n"),
    "services": ("safespace_tui.services.channels", "from ..store.db import Store\nfrom ..hub import Hub\n"),
    "store": ("safespace_tui.store.db", "from ..errors import TellMember\nfrom . import models\n"),
    "commands": ("safespace_tui.commands", "from .services import Services\n"),
    "line": ("safespace_tui.line.session", "from .. import commands\nfrom ..services import Services\n"),
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_each_rule_catches_a_planted_violation(name):
    module, source, expected = PLANTED[name]
    is_package = module == "safespace_tui.store"
    assert set(violations(RULES[name], {module: (source, is_package)})) == expected
    fine, fine_source = KEEPS_THE_RULES[name]
    assert violations(RULES[name], {fine: (fine_source, False)}) == []


def test_one_error_type_tells_the_member():
    """Promise: every error whose words are for a member is a TellMember, so the UI catches one type."""
    for told in (ServiceError, TextRejected, StoreFull, KeyRejected):
        assert issubclass(told, TellMember), told
    assert StoreFull("disk I/O error").message.startswith("That couldn't be saved just now")
