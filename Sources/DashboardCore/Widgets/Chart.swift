/// A metric series as a multi-row bar chart: value labels on the left, first and last step below.
public struct Chart: Sendable {
    public var points: [(step: Int, value: Double)]
    public var style: Style
    /// Values drawn as a line across the columns of a point (by its index): the pruner's bar at
    /// each evaluation it judged.
    public var bars: [(index: Int, value: Double)]

    public init(_ points: [(step: Int, value: Double)], style: Style = .fg(.accent), bars: [(index: Int, value: Double)] = []) {
        self.points = points.filter { $0.value.isFinite }
        self.style = style
        self.bars = bars.filter { $0.value.isFinite }
    }

    public func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard !area.isEmpty else { return }
        buf.fill(area)
        guard let lo = (points.map(\.value) + bars.map(\.value)).min(), let hi = (points.map(\.value) + bars.map(\.value)).max(),
              !points.isEmpty else {
            buf.put("no data yet", x: area.x, y: area.y, maxWidth: area.width, style: .fg(.muted))
            return
        }
        let labels = [Format.number(hi), Format.number(lo)]
        let labelWidth = min(labels.map { $0.count }.max() ?? 1, max(0, area.width - 2))
        let plotHeight = area.height - 1
        let plot = Rect(x: area.x + labelWidth + 1, y: area.y, width: area.width - labelWidth - 1, height: plotHeight)
        guard plotHeight >= 1, plot.width >= 1 else { return }
        buf.put(Format.pad(labels[0], labelWidth, right: true), x: area.x, y: area.y, style: .fg(.muted))
        if plotHeight > 1 {
            buf.put(Format.pad(labels[1], labelWidth, right: true), x: area.x, y: plot.bottom - 1, style: .fg(.muted))
        }
        for y in plot.y..<plot.bottom { buf.set(plot.x - 1, y, glyphs.vertical, .fg(.muted)) }

        let values = Sparkline.resample(points.map(\.value), to: plot.width)
        // A short series is stretched over the whole width, each point over a run of columns.
        let steps = plotHeight * 8
        for i in 0..<(values.isEmpty ? 0 : plot.width) {
            let v = values[min(values.count - 1, i * values.count / plot.width)]
            // The lowest value still gets a sliver, so a point is never invisible.
            var eighths = hi > lo ? Int(((v - lo) / (hi - lo) * Double(steps - 1)).rounded()) + 1 : steps / 2
            if !glyphs.isUnicode { eighths = max(8, (eighths + 4) / 8 * 8) }
            var y = plot.bottom - 1
            while eighths > 0, y >= plot.y {
                let piece = min(8, eighths)
                buf.set(plot.x + i, y, glyphs.levels[piece - 1], style)
                eighths -= piece
                y -= 1
            }
        }
        // The bars over the columns of their point, as a line at their height.
        let barGlyph: Unicode.Scalar = glyphs.isUnicode ? "━" : "-"
        for bar in bars where bar.index < points.count {
            let c0 = bar.index * plot.width / points.count
            let c1 = max(c0 + 1, (bar.index + 1) * plot.width / points.count)
            let f = hi > lo ? (bar.value - lo) / (hi - lo) : 0.5
            let y = plot.bottom - 1 - Int((f * Double(plotHeight - 1)).rounded())
            for x in (plot.x + c0)..<min(plot.right, plot.x + c1) { buf.set(x, y, barGlyph, Style(fg: .warning, bold: true)) }
        }
        let axisY = area.bottom - 1
        buf.set(plot.x - 1, axisY, glyphs.bottomLeft, .fg(.muted))
        for x in plot.x..<plot.right { buf.set(x, axisY, glyphs.horizontal, .fg(.muted)) }
        if let first = points.first?.step, let last = points.last?.step {
            let a = String(first), b = String(last)
            buf.put(a, x: plot.x, y: axisY, maxWidth: plot.width, style: .fg(.muted))
            if a.count + b.count + 1 <= plot.width {
                buf.put(b, x: plot.right - b.count, y: axisY, style: .fg(.muted))
            }
        }
    }
}
