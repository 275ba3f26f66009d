#!/usr/bin/env python3
"""Turn a terminal capture with colour escapes (tmux capture-pane -e -p) into an SVG picture.

Usage: ansi2svg.py COLUMNS ROWS < capture.ansi > screen.svg

Text goes out as runs of one style; block elements (sparklines, bars) are drawn as rectangles so
they join up without the gaps a font leaves between lines.
"""
import html
import re
import sys

CELL_W, CELL_H, FONT_SIZE = 8.4, 17.0, 14
PALETTE = ["#1d1f21", "#cc6666", "#8fbf6a", "#e0c060", "#6a9fd8", "#b294bb", "#6fc4c4", "#c5c8c6",
           "#666666", "#ff7b7b", "#b5e88a", "#f0d878", "#8fbfff", "#d7afd7", "#8ee0e0", "#ffffff"]
DEFAULT_FG, DEFAULT_BG = "#d8dadc", "#15171a"


def xterm256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        levels = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (levels[n // 36], levels[n // 6 % 6], levels[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


class Style:
    def __init__(self):
        self.fg = self.bg = None
        self.bold = self.dim = self.reverse = False

    def copy(self):
        s = Style()
        s.fg, s.bg, s.bold, s.dim, s.reverse = self.fg, self.bg, self.bold, self.dim, self.reverse
        return s

    def apply(self, params):
        codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.__init__()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 7:
                self.reverse = True
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = PALETTE[c - 30]
            elif 90 <= c <= 97:
                self.fg = PALETTE[c - 90 + 8]
            elif c == 39:
                self.fg = None
            elif 40 <= c <= 47:
                self.bg = PALETTE[c - 40]
            elif 100 <= c <= 107:
                self.bg = PALETTE[c - 100 + 8]
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    colour = xterm256(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    colour = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                    i += 4
                else:
                    colour = None
                if c == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1

    def colours(self):
        fg, bg = self.fg or DEFAULT_FG, self.bg or DEFAULT_BG
        if self.reverse:
            fg, bg = bg, fg
        return fg, bg

    def key(self):
        return (self.colours(), self.bold, self.dim)


def parse(text, cols, rows):
    grid = [[(" ", Style())] * cols for _ in range(rows)]
    for y, line in enumerate(text.split("\n")[:rows]):
        style, x = Style(), 0
        for m in re.finditer(r"\x1b\[([0-9;]*)m|\x1b[^a-zA-Z]*[a-zA-Z]|(.)", line):
            if m.group(2) is not None:
                if x < cols:
                    grid[y][x] = (m.group(2), style.copy())
                x += 1
            elif m.group(0).endswith("m") and m.group(0).startswith("\x1b["):
                style.apply(m.group(1))
    return grid


def block_rect(ch, x, y):
    """Rectangle (x, y, w, h) for a block element, or None for other characters."""
    o = ord(ch)
    if 0x2581 <= o <= 0x2588:  # lower eighths .. full block
        h = CELL_H * (o - 0x2580) / 8
        return (x, y + CELL_H - h, CELL_W, h)
    if 0x2589 <= o <= 0x258F:  # left seven eighths .. left one eighth
        return (x, y, CELL_W * (0x2590 - o) / 8, CELL_H)
    if o == 0x2580:
        return (x, y, CELL_W, CELL_H / 2)
    return None


def svg(grid, cols, rows):
    width, height = cols * CELL_W, rows * CELL_H
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %.1f %.1f">'
           % (round(width) + 16, round(height) + 16, width + 16, height + 16),
           '<rect width="100%%" height="100%%" fill="%s"/>' % DEFAULT_BG,
           '<g transform="translate(8 8)" font-family="DejaVu Sans Mono, monospace" font-size="%d">' % FONT_SIZE]
    for y, row in enumerate(grid):
        top = y * CELL_H
        for x, (ch, style) in enumerate(row):
            fg, bg = style.colours()
            if bg != DEFAULT_BG:
                out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>' % (x * CELL_W, top, CELL_W + 0.3, CELL_H + 0.3, bg))
        x = 0
        while x < cols:
            ch, style = row[x]
            rect = block_rect(ch, x * CELL_W, top)
            if rect:
                out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>' % (rect + (style.colours()[0],)))
                x += 1
                continue
            end = x
            while end < cols and row[end][1].key() == style.key() and not block_rect(row[end][0], 0, 0):
                end += 1
            text = "".join(c for c, _ in row[x:end])
            if text.strip():
                fg = style.colours()[0]
                attrs = ' font-weight="bold"' if style.bold else ""
                attrs += ' opacity="0.6"' if style.dim else ""
                out.append('<text x="%.1f" y="%.1f" fill="%s" textLength="%.1f" lengthAdjust="spacingAndGlyphs" xml:space="preserve"%s>%s</text>'
                           % (x * CELL_W, top + CELL_H * 0.78, fg, (end - x) * CELL_W, attrs, html.escape(text)))
            x = end
    out.append("</g></svg>")
    return "\n".join(out)


def main():
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    text = sys.stdin.buffer.read().decode("utf-8", "replace")
    sys.stdout.write(svg(parse(text, cols, rows), cols, rows))


if __name__ == "__main__":
    main()
