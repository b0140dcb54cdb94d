"""Bound a bracketed paste before Textual's parser holds it.

Textual's XTermParser keeps every character of a bracketed paste until the
closing ``ESC [201~`` arrives. A client that opens a paste and never closes it
(by mistake, or to hurt the server) would grow that buffer without end, one
Python string per character. The guard sits in front of the parser: once a paste
passes ``limit`` characters it closes the paste itself (the app gets a Paste of
``limit`` characters, which the message box refuses kindly: far longer than a
message) and drops the rest until the client's own end marker, so nothing of a
long paste is ever taken as typed keys.

Markers split across reads are found with the last few characters kept aside;
nothing is held back from the parser (a lone Esc must reach it at once).
"""

from __future__ import annotations

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
DEFAULT_LIMIT = 64 * 1024  # characters: sixteen times the longest message


class PasteGuard:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.inside = False  # within a paste the client opened
        self.dropping = False  # the paste was ended here; waiting for the client's end marker
        self._count = 0
        self._recent = ""  # the last characters seen, to find a marker split across reads

    def filter(self, data: str) -> str:
        """What of ``data`` the parser may see."""
        out: list[str] = []
        position = 0
        while position < len(data):
            marker = PASTE_END if self.inside else PASTE_START
            window = self._recent + data[position:]
            found = window.find(marker)
            if found < 0:
                self._pass(data[position:], out)
                self._remember(data[position:])
                break
            end = found + len(marker) - len(self._recent) + position  # just after the marker, in data
            start = max(position, end - len(marker))  # the marker may have begun in an earlier read
            self._pass(data[position:start], out)
            if not self.dropping:
                out.append(data[start:end])  # the marker itself is never counted or cut
            self._recent = ""
            position = end
            if self.inside:
                self.inside = self.dropping = False
            else:
                self.inside, self._count = True, 0
        return "".join(out)

    def _pass(self, text: str, out: list[str]) -> None:
        """Forward ``text`` unless a paste is being dropped; end a paste that grew too long."""
        if self.dropping:
            return
        if self.inside:
            room = self.limit - self._count
            self._count += len(text)
            if len(text) > room:
                out.append(text[:room])
                out.append(PASTE_END)
                self.dropping = True
                return
        out.append(text)

    def _remember(self, text: str) -> None:
        self._recent = (self._recent + text)[-(len(PASTE_START) - 1) :]
