/// A table column: a title, a fixed width, and how its text aligns.
public struct TableColumn: Sendable, Hashable {
    public var title: String
    public var width: Int
    public var alignRight: Bool

    public init(_ title: String, width: Int, alignRight: Bool = false) {
        self.title = title
        self.width = width
        self.alignRight = alignRight
    }
}

/// What one table cell shows: text, or a widget painted into the cell's rectangle.
public enum TableCell {
    case text(String, Style = .plain)
    case paint((Rect, inout Buffer) -> Void)
}

/// Scroll position of a list: which row is selected and which row is at the top.
public struct TableScroll: Sendable, Hashable {
    public var selected: Int?
    public var offset: Int

    public init(selected: Int? = nil, offset: Int = 0) {
        self.selected = selected
        self.offset = offset
    }

    /// The same position made valid for `count` rows of which `visible` show: the selection inside
    /// the rows, the offset such that the selection is on screen and no blank rows end the list.
    public func repaired(count: Int, visible: Int) -> TableScroll {
        guard count > 0 else { return TableScroll(selected: nil, offset: 0) }
        var s = self
        if let sel = s.selected { s.selected = min(max(sel, 0), count - 1) }
        let page = max(1, visible)
        if let sel = s.selected {
            if sel < s.offset { s.offset = sel }
            if sel >= s.offset + page { s.offset = sel - page + 1 }
        }
        s.offset = min(max(0, s.offset), max(0, count - page))
        return s
    }
}

/// A header row and as many rows as fit, from the scroll offset; the selected row is reversed.
/// Rows are produced on demand, so a table of 10,000 trials formats only the visible ones.
public struct Table {
    public var columns: [TableColumn]
    public var count: Int
    public var scroll: TableScroll
    public var row: (Int) -> [TableCell]
    public var sortedColumn: Int?
    public var descending: Bool

    public init(columns: [TableColumn], count: Int, scroll: TableScroll, sortedColumn: Int? = nil,
                descending: Bool = false, row: @escaping (Int) -> [TableCell]) {
        self.columns = columns
        self.count = count
        self.scroll = scroll
        self.sortedColumn = sortedColumn
        self.descending = descending
        self.row = row
    }

    /// Rows that fit below the header in `area`.
    public static func visibleRows(in area: Rect) -> Int { max(0, area.height - 1) }

    /// Renders with the table's own scroll position.
    public func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        var position = scroll
        render(area, &buf, state: &position, glyphs: glyphs)
    }
}

extension Table: StatefulWidget, Widget {
    /// `state` comes back repaired for this area: the selection inside the rows and on screen.
    public func render(_ area: Rect, _ buf: inout Buffer, state: inout TableScroll, glyphs: Glyphs) {
        guard !area.isEmpty else { return }
        buf.fill(area)
        let header = Style(fg: .title, bold: true)
        var x = area.x
        for (i, c) in columns.enumerated() where x < area.right {
            var title = c.title
            if i == sortedColumn { title += String(descending ? glyphs.descending : glyphs.ascending) }
            let w = min(c.width, area.right - x)
            buf.put(Format.pad(Format.truncate(title, w, ellipsis: glyphs.ellipsis), w, right: c.alignRight),
                    x: x, y: area.y, style: header)
            x += c.width + 1
        }
        state = state.repaired(count: count, visible: Table.visibleRows(in: area))
        let scroll = state
        let visible = Table.visibleRows(in: area)
        for line in 0..<visible {
            let index = scroll.offset + line
            guard index < count else { break }
            let y = area.y + 1 + line
            let cells = row(index)
            var x = area.x
            for (c, cell) in zip(columns, cells) where x < area.right {
                let w = min(c.width, area.right - x)
                switch cell {
                case .text(let text, let style):
                    buf.put(Format.pad(Format.truncate(text, w, ellipsis: glyphs.ellipsis), w, right: c.alignRight),
                            x: x, y: y, style: style)
                case .paint(let paint):
                    paint(Rect(x: x, y: y, width: w, height: 1), &buf)
                }
                x += c.width + 1
            }
            if index == scroll.selected {
                let rowRect = Rect(x: area.x, y: y, width: area.width, height: 1)
                for cx in rowRect.x..<rowRect.right {
                    var cell = buf[cx, y]
                    cell.style.reverse = true
                    cell.style.bold = true
                    buf[cx, y] = cell
                }
            }
        }
    }
}
