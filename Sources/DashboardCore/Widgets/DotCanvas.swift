/// A grid of dots drawn into cells: with Unicode glyphs each cell holds 2 x 4 dots (a Braille
/// character, as btop and bottom draw their graphs), in ASCII one dot per cell (`*`, `.` where a
/// line only passes). A cell takes the colour of the highest-ranked dot in it, so the best trials
/// stay visible over the rest.
public struct DotCanvas: Sendable {
    public let area: Rect
    public let braille: Bool
    /// Dots across and down.
    public let width: Int
    public let height: Int
    var bits: [UInt8]
    var roles: [ColorRole?]
    var ranks: [Int]
    var strong: [Bool]

    public init(_ area: Rect, braille: Bool) {
        self.area = area
        self.braille = braille
        width = area.width * (braille ? 2 : 1)
        height = area.height * (braille ? 4 : 1)
        let cells = area.width * area.height
        bits = [UInt8](repeating: 0, count: cells)
        roles = [ColorRole?](repeating: nil, count: cells)
        ranks = [Int](repeating: Int.min, count: cells)
        strong = [Bool](repeating: false, count: cells)
    }

    /// Braille dot bits by (column, row) inside a cell.
    static let dotBit: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    /// Sets the dot at (x, y), dots from the top left; `rank` decides whose colour a cell shows.
    /// `point` marks a data point (drawn `*` in ASCII) rather than a line passing by.
    public mutating func dot(_ x: Int, _ y: Int, _ role: ColorRole, rank: Int = 0, point: Bool = true) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let cx = braille ? x / 2 : x, cy = braille ? y / 4 : y
        let i = cy * area.width + cx
        bits[i] |= braille ? Self.dotBit[x % 2][y % 4] : 1
        if point { strong[i] = true }
        if rank >= ranks[i] {
            ranks[i] = rank
            roles[i] = role
        }
    }

    /// A straight line of dots from (x0, y0) to (x1, y1) (Bresenham).
    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ role: ColorRole, rank: Int = 0, points: Bool = false) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        var guardSteps = dx - dy + 1
        while guardSteps > 0 {
            dot(x, y, role, rank: rank, point: points)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
            guardSteps -= 1
        }
    }

    /// Whether nothing is drawn yet in the cell at (cx, cy), cells from the top left.
    public func isEmpty(cellX cx: Int, cellY cy: Int) -> Bool {
        guard cx >= 0, cy >= 0, cx < area.width, cy < area.height else { return false }
        return bits[cy * area.width + cx] == 0
    }

    /// Maps v in lo...hi to a dot row, hi at the top.
    public func row(_ v: Double, _ lo: Double, _ hi: Double) -> Int {
        guard hi > lo else { return height / 2 }
        let f = min(max((v - lo) / (hi - lo), 0), 1)
        return Int(((1 - f) * Double(height - 1)).rounded())
    }

    /// Maps v in lo...hi to a dot column, lo at the left.
    public func column(_ v: Double, _ lo: Double, _ hi: Double) -> Int {
        guard hi > lo else { return width / 2 }
        let f = min(max((v - lo) / (hi - lo), 0), 1)
        return Int((f * Double(width - 1)).rounded())
    }

    public func render(_ buf: inout Buffer, bold: (ColorRole) -> Bool = { $0 == .best }) {
        for cy in 0..<area.height {
            for cx in 0..<area.width {
                let i = cy * area.width + cx
                guard bits[i] != 0, let role = roles[i] else { continue }
                let glyph: Unicode.Scalar = braille ? Unicode.Scalar(0x2800 + UInt32(bits[i]))! : strong[i] ? "*" : "."
                buf.set(area.x + cx, area.y + cy, glyph, Style(fg: role, bold: bold(role)))
            }
        }
    }
}
