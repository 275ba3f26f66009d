/// A horizontal bar for a fraction in [0, 1], with an optional label over it; eighth-cell
/// resolution with Unicode glyphs, whole cells in ASCII.
public struct Gauge: Sendable {
    public var fraction: Double
    public var label: String
    public var filled: Style
    public var empty: Style
    /// Draws the unfilled part with the track glyph (a progress bar) rather than blanks (a score bar).
    public var showsTrack: Bool

    public init(fraction: Double, label: String = "", filled: Style = .fg(.bar), empty: Style = .fg(.muted), showsTrack: Bool = true) {
        self.fraction = fraction
        self.label = label
        self.filled = filled
        self.empty = empty
        self.showsTrack = showsTrack
    }

    public func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard !area.isEmpty else { return }
        let w = area.width
        let f = fraction.isFinite ? min(max(fraction, 0), 1) : 0
        let eighths = glyphs.isUnicode ? Int((f * Double(w * 8)).rounded()) : Int((f * Double(w)).rounded()) * 8
        let whole = eighths / 8, part = eighths % 8
        for i in 0..<w {
            let x = area.x + i
            if i < whole {
                buf.set(x, area.y, glyphs.full, filled)
            } else if i == whole && part > 0 {
                buf.set(x, area.y, glyphs.partials[part - 1], filled)
            } else {
                buf.set(x, area.y, showsTrack ? glyphs.track : " ", empty)
            }
        }
        guard !label.isEmpty else { return }
        let text = Format.truncate(label, w, ellipsis: glyphs.ellipsis)
        let start = area.x + (w - Format.width(text)) / 2
        let cells = buf.put(text, x: start, y: area.y, maxWidth: area.right - start, style: Style(bold: true))
        for x in start..<(start + cells) where x - area.x < whole {
            buf[x, area.y].style = Style(fg: filled.fg, bold: true, reverse: true)
        }
    }
}
