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

/// How a table column takes its width (Ratatui's `Table::widths`), and what gives way when the
/// row is wider than the table.
public enum ColumnWidth: Sendable, Hashable {
    /// Always this many cells.
    case length(Int)
    /// This many cells; narrower, widest first, down to `least` when the row does not fit, and
    /// gone, the last such column first, when even that is too wide.
    case shrinking(Int, least: Int)
    /// What the other columns leave, empty below `least` cells; the shrinking columns narrow so
    /// that it keeps `keeps` cells if they can.
    case fill(keeps: Int, least: Int)
}

extension Rect {
    /// Lays `widths` out across this rectangle, one cell between neighbours: the widths settled as
    /// `ColumnWidth` says, the cells from `split`. nil for a column that had to go.
    public func columns(_ widths: [ColumnWidth]) -> [Rect?] {
        var cells = widths.map { w -> Int in
            switch w {
            case .length(let n), .shrinking(let n, _): return n
            case .fill: return 0
            }
        }
        var shown = Array(repeating: true, count: widths.count)
        let fills = widths.indices.filter { if case .fill = widths[$0] { return true } else { return false } }
        let shrinking = widths.indices.filter { if case .shrinking = widths[$0] { return true } else { return false } }
        func total(fillCells: Int) -> Int {
            let kept = widths.indices.filter { shown[$0] }
            return kept.reduce(0) { $0 + cells[$1] } + fills.count * fillCells + kept.count - 1
        }
        let keeps = fills.map { if case .fill(let keeps, _) = widths[$0] { return keeps } else { return 0 } }.max() ?? 0
        while total(fillCells: keeps) > width, let i = shrinking.max(by: { cells[$0] < cells[$1] }),
              case .shrinking(_, let least) = widths[i], cells[i] > least {
            cells[i] -= 1
        }
        while total(fillCells: 0) > width, let i = shrinking.last(where: { shown[$0] }) {
            shown[i] = false
        }
        let room = width - total(fillCells: 0)
        let kept = widths.indices.filter { shown[$0] }
        // Wider than the table even so: the columns keep their widths and the table clips them.
        let parts = Rect(x: x, y: y, width: max(width, total(fillCells: 0)), height: height).split(.horizontal, kept.map { i -> Constraint in
            if case .fill(_, let least) = widths[i] { return room >= least ? .fill(1) : .length(0) }
            return .length(cells[i])
        }, spacing: 1)
        var out = [Rect?](repeating: nil, count: widths.count)
        for (i, part) in zip(kept, parts) { out[i] = part }
        return out
    }
}
