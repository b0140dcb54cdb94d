"""The group's charter: our default words until an admin loads the group's own."""

from __future__ import annotations

from textual.widgets import Static

from appkit import build_services, make_app, seed
from harness import safespace, safespace_here
from safespace_tui.tui.screens.text_page import TextPage

# The commands under test run as real processes (``safespace``); setting up and looking run the same
# entry point in this process (``safespace_here``): a Python start-up is ~0.45 s of CPU.


def test_cli_loads_shows_and_resets_the_charter(tmp_path):
    data = tmp_path / "data"
    safespace_here(data, "init")
    assert "Welcome to Safe Space." in safespace_here(data, "charter", "show").stdout
    charter = tmp_path / "charter.txt"
    charter.write_text("We support each other in midst of all our differences.\n\x1b]0;title\x07Back to Our Safe Space")
    out = safespace(data, "charter", "load", str(charter)).stdout
    assert "Loaded the group's charter" in out
    shown = safespace_here(data, "charter", "show").stdout
    assert "We support each other in midst of all our differences." in shown
    assert "\x1b" not in shown and "title" not in shown  # escape sequences never stored
    safespace(data, "charter", "reset")
    assert "Welcome to Safe Space." in safespace_here(data, "charter", "show").stdout


def test_cli_refuses_binary_or_missing_charter_and_keeps_the_old_one(tmp_path):
    """Bad input: a binary file and a missing file get a clear error; the charter is unchanged."""
    data = tmp_path / "data"
    safespace_here(data, "init")
    binary = tmp_path / "charter.bin"
    binary.write_bytes(bytes(range(256)) * 40)
    result = safespace(data, "charter", "load", str(binary), check=False)
    assert result.returncode != 0 and "binary" in result.stderr
    missing = safespace(data, "charter", "load", str(tmp_path / "nope.txt"), check=False)
    assert missing.returncode != 0 and "cannot read" in missing.stderr
    assert "Welcome to Safe Space." in safespace_here(data, "charter", "show").stdout


async def test_charter_command_shows_the_loaded_text_as_plain_text(tmp_path):
    services = build_services(tmp_path)
    ids = seed(services, tmp_path, {"ann": "member"})
    await services.texts.load("charter", "Our words. [@click=app.quit]not markup[/]")
    app = make_app(services, ids["ann"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press(*"/charter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TextPage)
        shown = str(app.screen.query_one(Static).render())
        assert "[@click=app.quit]not markup[/]" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TextPage)
    services.store.close()
