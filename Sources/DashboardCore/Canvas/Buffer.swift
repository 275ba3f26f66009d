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

/// One terminal cell: a single-column character and its style.
public struct Cell: Sendable, Hashable {
    public var char: Unicode.Scalar
    public var style: Style

    public init(_ char: Unicode.Scalar = " ", style: Style = .plain) {
        self.char = char
        self.style = style
    }
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

    public init(width: Int, height: Int, fill: Cell = Cell()) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
    }

    public init(size: Size, fill: Cell = Cell()) {
        self.init(width: size.width, height: size.height, fill: fill)
    }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    public mutating func set(_ x: Int, _ y: Int, _ char: Unicode.Scalar, _ style: Style) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        cells[y * width + x] = Cell(char, style: style)
    }

    /// Paints `text` from (x, y), at most `maxWidth` columns and never past the buffer's edge.
    /// Returns the number of columns painted. Characters wider than one column become `?`,
    /// control characters become spaces, combining marks are dropped: every scalar is one cell.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, maxWidth: Int = Int.max, style: Style = .plain) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(maxWidth, width - x)
        var col = 0
        for scalar in text.unicodeScalars {
            if col >= limit { break }
            guard let shown = Buffer.displayable(scalar) else { continue }
            if x + col >= 0 { cells[y * width + x + col] = Cell(shown, style: style) }
            col += 1
        }
        return max(0, col)
    }

    /// Fills `rect` (clipped to the buffer) with one cell.
    public mutating func fill(_ rect: Rect, with cell: Cell = Cell()) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for y in r.y..<r.bottom {
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

    /// The characters of each row, trailing spaces removed: what golden files hold.
    public func plainText(trimTrailing: Bool = true) -> [String] {
        (0..<height).map { y in
            var s = String.UnicodeScalarView()
            for x in 0..<width { s.append(cells[y * width + x].char) }
            let line = String(s)
            guard trimTrailing else { return line }
            var trimmed = Substring(line)
            while trimmed.last == " " { trimmed = trimmed.dropLast() }
            return String(trimmed)
        }
    }

    /// The cell to paint for a scalar, or nil when it takes no column of its own.
    static func displayable(_ s: Unicode.Scalar) -> Unicode.Scalar? {
        let v = s.value
        if v >= 0x20 && v < 0x7F { return s }
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return " " }
        if isZeroWidth(v) { return nil }
        if isWide(v) { return "?" }
        return s
    }

    private static func isZeroWidth(_ v: UInt32) -> Bool {
        (0x0300...0x036F).contains(v) || (0x200B...0x200F).contains(v) || (0xFE00...0xFE0F).contains(v)
            || (0x20D0...0x20FF).contains(v) || (0x1AB0...0x1AFF).contains(v) || (0x1DC0...0x1DFF).contains(v)
    }

    /// East Asian wide and emoji ranges: two terminal columns, which one cell cannot hold.
    private static func isWide(_ v: UInt32) -> Bool {
        (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
            || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v)
    }
}
