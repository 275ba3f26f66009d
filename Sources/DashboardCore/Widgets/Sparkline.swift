/// A learning curve in one row: each cell one eighth-block level between the series' min and max.
public struct Sparkline: Sendable {
    public var values: [Double]
    public var style: Style
    /// The values at the lowest and highest level; nil: the series' own min and max. A shared
    /// range makes the sparklines of a table comparable row to row.
    public var range: ClosedRange<Double>?

    public init(_ values: [Double], range: ClosedRange<Double>? = nil, style: Style = .fg(.accent)) {
        self.values = values
        self.range = range
        self.style = style
    }

    /// Paints the first row of `area`; longer series are averaged into one bucket per cell, shorter
    /// ones take the left part and the rest is blank.
    public func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard !area.isEmpty else { return }
        buf.fill(area.row(0))
        let points = Sparkline.resample(values.filter(\.isFinite), to: area.width)
        guard let ownLow = points.min(), let ownHigh = points.max() else { return }
        let lo = range?.lowerBound ?? ownLow, hi = range?.upperBound ?? ownHigh
        let top = glyphs.levels.count - 1
        for (i, v) in points.enumerated() {
            let level = hi > lo ? Int(((min(max(v, lo), hi) - lo) / (hi - lo) * Double(top)).rounded()) : top / 2
            buf.set(area.x + i, area.y, glyphs.levels[min(max(level, 0), top)], style)
        }
    }

    /// At most `count` points: the series itself when it fits, else the mean of equal buckets.
    public static func resample(_ values: [Double], to count: Int) -> [Double] {
        guard count > 0, values.count > count else { return count > 0 ? values : [] }
        var out: [Double] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let a = i * values.count / count, b = max(a + 1, (i + 1) * values.count / count)
            var sum = 0.0
            for j in a..<b { sum += values[j] }
            out.append(sum / Double(b - a))
        }
        return out
    }
}
