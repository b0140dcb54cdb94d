"""The SSH side of the plain line mode (``safespace_tui/line/``): asyncssh's own line editor.

The server is created with ``line_editor=False`` (the full-screen app reads every key), so a
line-mode session gets its editor here, per channel, with asyncssh's public editor classes: the
member's real cursor stays on the input line, Left/Right/Home/End edit it, Up recalls what they
entered (a refused line included: nothing typed is lost), and other members' lines are written
above it without disturbing what they are typing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

import asyncssh
from asyncssh.editor import SSHLineEditorChannel, SSHLineEditorSession

from ..text import MAX_MESSAGE_CHARS

if TYPE_CHECKING:
    from .session import TerminalSession

HISTORY_LINES = 100  # Up recalls this many entered lines
# Far above a message's limit, so a too-long line reaches the session and is refused with kind
# words (and recalled with Up) rather than cut short by the editor; beyond this, the editor
# rings the bell and takes no more.
MAX_LINE_CHARS = 4 * MAX_MESSAGE_CHARS


# The keys asyncssh's editor understands (arrows, Home, End, Delete, keypad Enter, its break key).
EDITOR_KEYS = frozenset(
    {"\x1b[A", "\x1b[B", "\x1b[C", "\x1b[D", "\x1bOA", "\x1bOB", "\x1bOC", "\x1bOD", "\x1b[H", "\x1b[F"}
    | {"\x1b[1~", "\x1b[3~", "\x1b[4~", "\x1bOM", "\x1b[33~"}
)
# Any other escape sequence a terminal sends (CSI, SS3, OSC/DCS strings, a lone Esc + key): the
# editor would take its printable tail as text ("\x1b[31m" typed became "m").
_SEQUENCE_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|[\]P_^][^\x07\x1b]*(?:\x07|\x1b\\)?|.?)", re.DOTALL)
QUICK_EXIT_KEY = "\x18"  # Ctrl+X: leave at once, the window cleared (as in the app)
UNUSED_KEY = "That key does nothing in line mode; what you typed is still on the line. Enter sends it."


def without_unused_keys(data: str) -> tuple[str, bool]:
    """``data`` with every escape sequence the editor does not use taken out; True if any was."""
    if "\x1b" not in data:
        return data, False
    dropped = False

    def keep(match: re.Match[str]) -> str:
        nonlocal dropped
        if match[0] in EDITOR_KEYS:
            return match[0]
        dropped = True
        return ""

    return _SEQUENCE_RE.sub(keep, data), dropped


class _LineEditorSession(SSHLineEditorSession):
    """asyncssh's editor session, with keys it does not use taken out first (and the member told)."""

    def __init__(self, editor: SSHLineEditorChannel, session: TerminalSession) -> None:
        super().__init__(editor, session)
        self._ours = session

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        if QUICK_EXIT_KEY in data:  # before anything typed with it: no line goes out
            self._ours.quick_exit()
            return
        data, dropped = without_unused_keys(data)
        if dropped:
            self._ours.unused_key()
        if data:
            super().data_received(data, datatype)


def with_line_editor(
    conn: asyncssh.SSHServerConnection, session: TerminalSession
) -> tuple[asyncssh.SSHServerChannel, asyncssh.SSHServerSession]:
    """A new session channel for ``session`` with a line editor between the member and it."""
    chan = conn.create_server_channel()
    editor = SSHLineEditorChannel(chan, session, True, HISTORY_LINES, MAX_LINE_CHARS)
    session.use_line_editor(editor)
    # the editor's session stands in for ours (it hands every callback on): asyncssh's own wrapping
    return chan, cast(asyncssh.SSHServerSession, _LineEditorSession(editor, session))


class LineOutput:
    """``line.session.Output`` over a terminal session: lines through the editor, the bell beside it."""

    def __init__(self, session: TerminalSession) -> None:
        self.session = session

    def write(self, text: str) -> None:
        self.session.write_output(text)

    def bell(self) -> None:
        self.session.ring()

    def close(self) -> None:
        self.session.close()

    def pause_input(self) -> None:
        self.session.pause_input()

    def resume_input(self) -> None:
        self.session.resume_input()
