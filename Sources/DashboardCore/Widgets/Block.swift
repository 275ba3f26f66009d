/// A border with a title; returns the area inside it.
public struct Block: Sendable {
    public var title: String
    public var style: Style
    public var titleStyle: Style

    public init(title: String = "", style: Style = .fg(.muted), titleStyle: Style = .fg(.title, bold: true)) {
        self.title = title
        self.style = style
        self.titleStyle = titleStyle
    }

    /// Clears `area`, draws the border and title, and returns the inner rectangle.
    @discardableResult
    public func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) -> Rect {
        guard area.width >= 2, area.height >= 2 else { return Rect(x: area.x, y: area.y, width: 0, height: 0) }
        buf.fill(area)
        for x in area.x + 1..<area.right - 1 {
            buf.set(x, area.y, glyphs.horizontal, style)
            buf.set(x, area.bottom - 1, glyphs.horizontal, style)
        }
        for y in area.y + 1..<area.bottom - 1 {
            buf.set(area.x, y, glyphs.vertical, style)
            buf.set(area.right - 1, y, glyphs.vertical, style)
        }
        buf.set(area.x, area.y, glyphs.topLeft, style)
        buf.set(area.right - 1, area.y, glyphs.topRight, style)
        buf.set(area.x, area.bottom - 1, glyphs.bottomLeft, style)
        buf.set(area.right - 1, area.bottom - 1, glyphs.bottomRight, style)
        if !title.isEmpty, area.width > 4 {
            buf.put(" " + Format.truncate(title, area.width - 4, ellipsis: glyphs.ellipsis) + " ",
                    x: area.x + 1, y: area.y, maxWidth: area.width - 2, style: titleStyle)
        }
        return area.inset(1)
    }
}
