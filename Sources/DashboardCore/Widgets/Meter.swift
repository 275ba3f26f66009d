import Foundation

/// An htop meter: `cpu[|||||||      43%]`, the bar coloured by how full it is (green, then
/// yellow past half, red past 80%), the text over its right end.
struct Meter: Sendable {
    var label: String
    var fraction: Double
    var text: String

    /// The colour of a share of something (cores, memory, a GPU) in use.
    static func style(_ fraction: Double) -> Style {
        fraction >= 0.8 ? .fg(.failed, bold: true) : fraction >= 0.5 ? .fg(.warning) : .fg(.running)
    }

    /// The colour of a trial's CPU use, by its share of the cores it was given: green while it
    /// keeps them busy, yellow when it mostly waits, red when it uses more than it was given (it
    /// takes them from the other trials), plain when it does next to nothing.
    static func cpuStyle(_ shareOfGiven: Double) -> Style {
        shareOfGiven > 1.1 ? .fg(.failed, bold: true) : shareOfGiven >= 0.5 ? .fg(.running) : shareOfGiven >= 0.05 ? .fg(.warning) : .plain
    }

    /// The colour of a size, as htop's process list colours them: gigabytes stand out.
    static func sizeStyle(_ bytes: UInt64) -> Style {
        bytes >= 1 << 30 ? .fg(.running, bold: true) : bytes >= 1 << 20 ? .fg(.accent) : .plain
    }

    /// Draws `label[bar text]` in `area`'s first row; the bar takes what the label and text leave.
    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard area.width > label.count + 2 else { return }
        var x = area.x + buf.put(label, x: area.x, y: area.y, style: Style(fg: .accent, bold: true))
        x += buf.put("[", x: x, y: area.y, style: Style(bold: true))
        let inner = area.right - x - 1
        guard inner > 0 else { return }
        let f = fraction.isFinite ? min(max(fraction, 0), 1) : 0
        let bars = Int((f * Double(inner)).rounded())
        let fill = Meter.style(f)
        for i in 0..<inner { buf.set(x + i, area.y, i < bars ? "|" : " ", fill) }
        let shown = Format.truncate(text, inner)
        buf.put(shown, x: x + inner - Format.width(shown), y: area.y, style: .fg(.muted))
        buf.put("]", x: x + inner, y: area.y, style: Style(bold: true))
    }
}
