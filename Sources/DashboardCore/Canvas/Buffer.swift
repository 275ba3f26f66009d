/// What a cell's colour means; the terminal maps roles to real colours (or to bold/reverse on a
/// monochrome terminal), so widgets never name a palette.
public enum ColorRole: UInt8, Sendable, Hashable, CaseIterable {
    case `default`, muted, title, accent, running, complete, pruned, failed, waiting, best, warning, bar, headerBar
}

public struct Style: Sendable, Hashable {
    public var fg: ColorRole
    public var bg: ColorRole
    public var bold: Bool
    public var reverse: Bool

    public init(fg: ColorRole = .default, bg: ColorRole = .default, bold: Bool = false, reverse: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.reverse = reverse
    }

    public static let plain = Style()
    public static func fg(_ role: ColorRole, bold: Bool = false) -> Style { Style(fg: role, bold: bold) }
}

/// One terminal cell: a character and its style. A wide character (CJK, most emoji) takes two
/// cells: its own, and to its right a continuation cell with no character of its own. The
/// buffer keeps such pairs whole: whatever is written over one half blanks the other.
public struct Cell: Sendable, Hashable {
    public var char: Unicode.Scalar
    public var style: Style

    public init(_ char: Unicode.Scalar = " ", style: Style = .plain) {
        self.char = char
        self.style = style
    }

    /// The right half of the wide character in the cell to its left.
    public static func continuation(_ style: Style) -> Cell { Cell(continuationMark, style: style) }
    public var isContinuation: Bool { char == Cell.continuationMark }
    /// NUL: text never puts one in a cell (controls are drawn as spaces).
    static let continuationMark: Unicode.Scalar = "\u{0}"
}

public struct Size: Sendable, Hashable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
}

/// A frame in memory: widgets paint it, the terminal copies it, tests read it as text.
public struct Buffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// The zero-width characters (combining accents, joiners, variation selectors) drawn with a
    /// cell's character, by cell index; few cells have any.
    private var marks: [Int: [Unicode.Scalar]] = [:]
    /// At most this many marks join one character, as curses keeps them (CCHARW_MAX is 5).
    static let maxMarks = 4

    public init(width: Int, height: Int, fill: Cell = Cell()) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
    }

    public init(size: Size, fill: Cell = Cell()) {
        self.init(width: size.width, height: size.height, fill: fill)
    }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// A cell. Setting one with the character it has changes only its style (and keeps its marks);
    /// another character replaces it as `set` does.
    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let i = y * width + x
            if cells[i].char == newValue.char {
                cells[i].style = newValue.style
            } else {
                clear(y, from: x, to: x + 1)
                cells[i] = newValue
            }
        }
    }

    /// The zero-width characters drawn on the cell at (x, y) with its character.
    public func marks(_ x: Int, _ y: Int) -> [Unicode.Scalar] { marks[y * width + x] ?? [] }

    /// Paints one single-cell character.
    public mutating func set(_ x: Int, _ y: Int, _ char: Unicode.Scalar, _ style: Style) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        clear(y, from: x, to: x + 1)
        cells[y * width + x] = Cell(char, style: style)
    }

    /// Paints `text` from (x, y), at most `maxWidth` columns and never past the buffer's edge.
    /// Returns the number of columns painted. Each character takes the cells `CellWidth` says: a
    /// wide one two, never split (where only one cell is left it becomes a blank placeholder); a
    /// zero-width one joins the character before it; a control, bidi control or tab is a blank.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, maxWidth: Int = Int.max, style: Style = .plain) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(maxWidth, width - x)
        let row = y * width
        var col = 0
        var painted = false
        var last: Int?
        for scalar in text.unicodeScalars {
            let w = CellWidth.of(scalar)
            if w == 0 {
                if let last, (marks[last]?.count ?? 0) < Buffer.maxMarks { marks[last, default: []].append(scalar) }
                continue
            }
            if col >= limit { break }
            let fits = w == 1 || col + 2 <= limit
            let shown: Unicode.Scalar = !fits || CellWidth.isBlank(scalar) ? " " : scalar
            last = nil
            for part in 0..<(fits ? w : 1) {
                let cx = x + col + part
                guard cx >= 0 else { continue }
                if !painted { breakPair(row, at: cx, keeping: .right) }
                painted = true
                if !marks.isEmpty { marks[row + cx] = nil }
                if part == 0 {
                    cells[row + cx] = Cell(shown, style: style)
                    if fits { last = row + cx }
                } else {
                    // The right half of a character whose left half is off the buffer: a blank.
                    cells[row + cx] = cx == 0 ? Cell(" ", style: style) : Cell.continuation(style)
                }
            }
            col += fits ? w : 1
        }
        if painted { breakPair(row, at: x + col, keeping: .left) }
        return max(0, col)
    }

    /// Fills `rect` (clipped to the buffer) with one cell.
    public mutating func fill(_ rect: Rect, with cell: Cell = Cell()) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for y in r.y..<r.bottom {
            clear(y, from: r.x, to: r.right)
            let row = y * width
            for x in r.x..<r.right { cells[row + x] = cell }
        }
    }

    /// Changes the style of every cell in `rect`, keeping the characters.
    public mutating func setStyle(_ rect: Rect, _ style: Style) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for y in r.y..<r.bottom {
            for x in r.x..<r.right { cells[y * width + x].style = style }
        }
    }

    /// Before cells `from..<to` of row `y` are written: their marks go, and a wide character
    /// with one half inside and the other outside leaves a blank where its outside half was.
    private mutating func clear(_ y: Int, from: Int, to: Int) {
        let row = y * width
        breakPair(row, at: from, keeping: .right)
        breakPair(row, at: to, keeping: .left)
        if !marks.isEmpty {
            for x in from..<to { marks[row + x] = nil }
        }
    }

    private enum Side { case left, right }

    /// Where the cells left of column `x` and those from `x` on are written apart: a wide
    /// character across that boundary loses the half on the side not `keeping` written.
    private mutating func breakPair(_ row: Int, at x: Int, keeping written: Side) {
        guard x > 0, x < width, cells[row + x].isContinuation else { return }
        let blank = written == .right ? x - 1 : x
        cells[row + blank] = Cell(" ", style: cells[row + blank].style)
        marks[row + blank] = nil
    }

    /// The characters of each row, trailing spaces removed: what golden files hold. A wide
    /// character is one character of the line though it takes two cells.
    public func plainText(trimTrailing: Bool = true) -> [String] {
        (0..<height).map { y in
            var s = String.UnicodeScalarView()
            for x in 0..<width {
                let i = y * width + x
                if cells[i].isContinuation { continue }
                s.append(cells[i].char)
                if let m = marks[i] { s.append(contentsOf: m) }
            }
            let line = String(s)
            guard trimTrailing else { return line }
            var trimmed = Substring(line)
            while trimmed.last == " " { trimmed = trimmed.dropLast() }
            return String(trimmed)
        }
    }
}
