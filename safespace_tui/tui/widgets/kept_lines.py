"""Finished lines kept by line number, for the scrolling panes every session repaints.

Textual's StylesCache rebuilds every line it is asked for (padding, background, colour filters),
and reads the widget's styles again for each one. The message log repaints its whole view for
every new message, and the member list every moved line for every presence change, in every
session: so a finished line is kept until its content, the view or the style changes. A widget
styled with what this does not draw (a border, outline, tint, opacity, hatch, vertical padding)
goes through Textual's own path.

The log's lines are the same in every session showing a channel at one width (the message log
shares them), so a log's finished line is shared too: made once per look, not once per receiver
(the padding and the colour filter were 3.8 % of the server's busy CPU in a fan-out to 200).
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..textual_fixes import filters_key, inner_background_style, styled_plainly, styles_epoch

_SHARED: dict[tuple, tuple[Strip, Strip]] = {}  # look -> (the content line, the line as painted)
_SHARED_MAX = 4096  # about a hundred full views; a long scroll through history makes more


class KeptLines(ScrollView):
    """A ScrollView that draws its lines with ``_content_line`` and keeps each as painted.

    Subclasses call ``_forget_lines`` when what a line shows changes (content, a highlight);
    ``_kept_key`` adds what else the look depends on (a cursor, the focus). A subclass whose
    content lines are the same objects in every session sets ``share_finished_lines``.
    """

    share_finished_lines = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._finished: dict[int, Strip] = {}  # line number -> the line as painted
        self._finished_key: tuple | None = None
        self._styled_for: tuple[tuple[int, ...], tuple[bool, Style, Style, Any, Any]] | None = None

    def _content_line(self, index: int, style: Style) -> Strip:
        """Line ``index`` of the content at the current width, in ``style``."""
        raise NotImplementedError

    def _kept_key(self) -> tuple:
        """What else every kept line depends on; a change forgets them all."""
        return ()

    def _forget_lines(self, from_index: int = 0, indices: list[int] | None = None) -> None:
        """Kept lines ``indices``, or all from ``from_index`` on, no longer match the content."""
        if indices is not None:
            for index in indices:
                self._finished.pop(index, None)
        elif from_index <= 0:
            self._finished.clear()
        else:
            for index in [i for i in self._finished if i >= from_index]:
                del self._finished[index]

    def render_line(self, y: int) -> Strip:
        """Textual's own path (used only when the widget is styled with a border, tint and so on)."""
        return self._content_line(self.scroll_offset.y + y, self.rich_style)

    def _styled(self) -> tuple[bool, Style, Style, Any, Any]:
        """(drawn here, Rich style, inner background style, background, padding), worked out
        again only when a style of this widget or an ancestor changed (``styles_epoch``)."""
        epoch = styles_epoch(self)
        if self._styled_for is not None and self._styled_for[0] == epoch:
            return self._styled_for[1]
        styles = self.styles
        plain = styled_plainly(styles) and styles.opacity == 1.0 and not (styles.padding.top or styles.padding.bottom)
        base_background, background = self.background_colors
        inner = inner_background_style(base_background, background)
        styled = (plain, self.rich_style, inner, background, styles.padding)
        self._styled_for = (epoch, styled)
        return styled

    def render_lines(self, crop: Region) -> list[Strip]:
        plain, style, inner, background, padding = self._styled()
        if not plain:
            return super().render_lines(crop)
        filters = tuple(self.get_line_filters())
        shared = filters_key(filters) if self.share_finished_lines else None
        key = (
            self.size,
            self.region.size,
            self.scrollable_content_region.size,
            self.scroll_offset.x,
            style,
            inner,
            filters,
            background,
            padding,
            self._kept_key(),
        )
        if key != self._finished_key:
            self._finished_key = key
            self._finished.clear()
        top = self.scroll_offset.y
        frame = (self.content_region.width, self.region.width, padding.left, padding.right)
        look = (frame, inner, shared, background) if shared is not None else None
        lines = [self._finished_line(top + y, style, inner, filters, background, frame, look) for y in crop.line_range]
        x1, x2 = crop.column_span
        if (x1, x2) != (0, self.region.width):
            lines = [line.crop(x1, x2) for line in lines]
        return lines

    def _finished_line(
        self,
        index: int,
        style: Style,
        inner: Style,
        filters,
        background,
        frame: tuple[int, int, int, int],
        look: tuple | None,
    ) -> Strip:
        """Line ``index`` as painted; ``frame`` is (content width, full width, left and right
        padding), read once per ``render_lines`` rather than per line. ``look`` is all the line
        depends on but its content when lines are shared between sessions, else None."""
        line = self._finished.get(index)
        if line is not None:
            return line
        content = self._content_line(index, style)
        shared = _SHARED.get((id(content), look)) if look is not None else None
        if shared is not None and shared[0] is content:
            line = shared[1]
        else:
            line = self._paint(content, inner, filters, background, frame)
            if look is not None:
                if len(_SHARED) >= _SHARED_MAX:
                    del _SHARED[next(iter(_SHARED))]
                _SHARED[(id(content), look)] = (content, line)  # the content is held: its id stays its own
        if len(self._finished) > 4 * max(self.size.height, 1):
            self._finished.clear()  # scrolled far: keep only what is near the screen
        self._finished[index] = line
        return line

    @staticmethod
    def _paint(content: Strip, inner: Style, filters, background, frame: tuple[int, int, int, int]) -> Strip:
        """The content line padded to the full width, through the line filters."""
        content_width, full_width, left, right = frame
        content = content.adjust_cell_length(content_width, inner)
        segments = list(content)
        if left:
            segments.insert(0, Segment(" " * left, inner))
        if right:
            segments.append(Segment(" " * right, inner))
        line = Strip(segments, full_width)
        for line_filter in filters:
            line = line.apply_filter(line_filter, background)
        return line
