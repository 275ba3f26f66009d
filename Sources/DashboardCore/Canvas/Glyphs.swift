/// The characters widgets draw with, chosen once at start: Unicode blocks and box lines when the
/// locale is UTF-8, plain ASCII otherwise (as htop does).
public struct Glyphs: Sendable, Hashable {
    /// Sparkline levels, lowest first (eight of them).
    public var levels: [Unicode.Scalar]
    /// Partial horizontal bar cells, 1/8 to 7/8 of a cell.
    public var partials: [Unicode.Scalar]
    public var full: Unicode.Scalar
    public var track: Unicode.Scalar
    public var horizontal: Unicode.Scalar
    public var vertical: Unicode.Scalar
    public var topLeft: Unicode.Scalar
    public var topRight: Unicode.Scalar
    public var bottomLeft: Unicode.Scalar
    public var bottomRight: Unicode.Scalar
    public var ellipsis: Unicode.Scalar
    public var ascending: Unicode.Scalar
    public var descending: Unicode.Scalar
    public var bestMark: Unicode.Scalar
    public var plusMinus: String
    public var isUnicode: Bool

    public static let unicode = Glyphs(
        levels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        partials: ["▏", "▎", "▍", "▌", "▋", "▊", "▉"],
        full: "█", track: "·", horizontal: "─", vertical: "│",
        topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        ellipsis: "…", ascending: "▲", descending: "▼", bestMark: "◀", plusMinus: "±", isUnicode: true)

    public static let ascii = Glyphs(
        levels: ["_", ".", "-", "~", "=", "+", "*", "#"],
        partials: [" ", " ", " ", " ", " ", " ", " "],
        full: "#", track: ".", horizontal: "-", vertical: "|",
        topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        ellipsis: "~", ascending: "^", descending: "v", bestMark: "<", plusMinus: "+-", isUnicode: false)
}
