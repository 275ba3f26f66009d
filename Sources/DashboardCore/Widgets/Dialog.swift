/// A bordered box over the screen (help, confirmations): clears what is under it.
public struct Dialog: Sendable {
    public var title: String
    public var lines: [[Span]]

    public init(title: String, lines: [[Span]]) {
        self.title = title
        self.lines = lines
    }

    /// Width the dialog asks for: its longest line plus border and margins.
    public var preferredWidth: Int {
        let longest = lines.map { $0.reduce(0) { $0 + Format.width($1.text) } }.max() ?? 0
        return max(longest, Format.width(title) + 2) + 4
    }

    public func render(over area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        let box = area.centered(width: preferredWidth, height: lines.count + 2)
        let inner = Block(title: title, style: .fg(.accent), titleStyle: .fg(.accent, bold: true))
            .render(box, &buf, glyphs: glyphs)
        guard inner.width > 2 else { return }
        for (i, line) in lines.prefix(inner.height).enumerated() {
            buf.put(line, x: inner.x + 1, y: inner.y + i, maxWidth: inner.width - 2)
        }
    }
}
