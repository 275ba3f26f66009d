import HyperOpt

/// Mean score per choice or quantile bin of each parameter, as bars with the best bin marked:
/// the answer to "min or max?" at a glance. Blocks flow down columns; when they cannot all fit,
/// each parameter shrinks to one line with a bar per bin.
struct SummaryPanel: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard area.height >= 2, area.width >= 20 else { return }
        let g = state.glyphs
        buf.fill(area)
        // Several objectives: the first one's, by its name.
        let scoreName = state.study.isMultiObjective ? state.objectiveNames.first ?? "score" : "score"
        buf.put("\(scoreName) by parameter (mean\(g.plusMinus)std, n)", x: area.x, y: area.y, maxWidth: area.width,
                style: .fg(.title, bold: true))
        var body = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let summaries = state.summaries
        guard summaries.contains(where: { !$0.bins.isEmpty }) else {
            buf.put("no complete trial yet", x: body.x + 1, y: body.y, maxWidth: body.width - 1, style: .fg(.muted))
            return
        }
        let columnCount = max(1, (body.width + 1) / 39)
        let columnWidth = (body.width - (columnCount - 1)) / columnCount
        let columns = (0..<columnCount).map {
            Rect(x: body.x + $0 * (columnWidth + 1), y: body.y, width: columnWidth, height: body.height)
        }
        let blocks = summaries.map { s in max(1, s.bins.count) + 1 }
        // Importance first (the key i opens it in full), when the blocks still fit below it.
        let importances = state.importances.filter { $0.share > 0 }
        let importanceRows = importances.isEmpty ? 0 : importances.count + 2
        if importanceRows > 0, flow(blocks, columns: columnCount, rows: body.height - importanceRows) != nil {
            renderImportance(importances, Rect(x: body.x, y: body.y, width: body.width, height: importanceRows - 1), &buf, g)
            body = Rect(x: body.x, y: body.y + importanceRows, width: body.width, height: body.height - importanceRows)
        }
        let columnsHere = (0..<columnCount).map {
            Rect(x: body.x + $0 * (columnWidth + 1), y: body.y, width: columnWidth, height: body.height)
        }
        if let placement = flow(blocks, columns: columnCount, rows: body.height) {
            for (s, (column, row)) in zip(summaries, placement) {
                renderBlock(s, columnsHere[column], row, &buf, g)
            }
        } else {
            // One line each; only as many columns as the lines need, so each line gets more room.
            let needed = min(columnCount, (summaries.count + body.height - 1) / max(1, body.height))
            let width = (body.width - (needed - 1)) / max(1, needed)
            let barCells = summaries.map(\.bins.count).max() ?? 0
            for (i, s) in summaries.prefix(needed * body.height).enumerated() {
                let column = i / body.height
                let line = Rect(x: body.x + column * (width + 1), y: body.y + i % body.height, width: width, height: 1)
                renderCompact(s, line, barCells: barCells, &buf, g)
            }
        }
    }
}

/// Each parameter's importance as a bar and a percentage, the largest first.
private func renderImportance(_ items: [ParamImportance], _ area: Rect, _ buf: inout Buffer, _ g: Glyphs) {
    buf.put("importance (PED-ANOVA, i for more)", x: area.x, y: area.y, maxWidth: area.width, style: .fg(.accent, bold: true))
    let nameWidth = min(14, max(6, area.width / 3))
    let barWidth = max(4, area.width - 1 - nameWidth - 1 - 5)
    for (i, item) in items.enumerated() where i + 1 < area.height {
        let y = area.y + 1 + i
        buf.put(Format.pad(Format.truncate(Format.shortName(item.name), nameWidth, ellipsis: g.ellipsis), nameWidth),
                x: area.x + 1, y: y, style: i == 0 ? .fg(.best, bold: true) : .plain)
        Gauge(fraction: item.share, filled: .fg(i == 0 ? .best : .bar), showsTrack: false)
            .render(Rect(x: area.x + 2 + nameWidth, y: y, width: barWidth, height: 1), &buf, glyphs: g)
        buf.put(Format.pad("\(Int((item.share * 100).rounded()))%", 4, right: true), x: area.x + 2 + nameWidth + barWidth, y: y,
                style: i == 0 ? .fg(.best, bold: true) : .fg(.muted))
    }
}

/// Places blocks of the given heights down columns without splitting one; nil if they don't fit.
private func flow(_ heights: [Int], columns: Int, rows: Int) -> [(Int, Int)]? {
    var out: [(Int, Int)] = []
    var column = 0, row = 0
    for h in heights {
        if row + h > rows {
            column += 1
            row = 0
        }
        if column >= columns || h > rows { return nil }
        out.append((column, row))
        row += h
    }
    return out
}

private func binFractions(_ s: ParamSummary) -> [Double?] {
    let means = s.bins.compactMap(\.mean)
    guard let lo = means.min(), let hi = means.max() else { return s.bins.map { _ in nil } }
    // Bars start a little above zero so the worst bin still shows it was measured.
    return s.bins.map { b in b.mean.map { hi > lo ? 0.15 + 0.85 * ($0 - lo) / (hi - lo) : 1 } }
}

private func renderBlock(_ s: ParamSummary, _ column: Rect, _ row: Int, _ buf: inout Buffer, _ g: Glyphs) {
    let y = column.y + row
    buf.put(Format.truncate(s.name, column.width, ellipsis: g.ellipsis), x: column.x, y: y, style: .fg(.accent, bold: true))
    if s.bins.isEmpty {
        buf.put("  no scores yet", x: column.x, y: y + 1, maxWidth: column.width, style: .fg(.muted))
        return
    }
    let labelWidth = min(12, s.bins.map { Format.width($0.label) }.max() ?? 1)
    let statsWidth = 10, countWidth = 3
    let barWidth = max(3, column.width - 1 - labelWidth - 1 - 1 - statsWidth - 1 - countWidth - 2)
    for (i, (bin, fraction)) in zip(s.bins, binFractions(s)).enumerated() {
        let by = y + 1 + i
        let isBest = i == s.best
        var x = column.x + 1
        buf.put(Format.pad(Format.truncate(bin.label, labelWidth, ellipsis: g.ellipsis), labelWidth),
                x: x, y: by, style: isBest ? .fg(.best, bold: true) : .plain)
        x += labelWidth + 1
        let bar = Rect(x: x, y: by, width: barWidth, height: 1)
        if let fraction {
            Gauge(fraction: fraction, filled: .fg(isBest ? .best : .bar), showsTrack: false).render(bar, &buf, glyphs: g)
        } else {
            buf.put(Format.pad("-", barWidth), x: x, y: by, style: .fg(.muted))
        }
        x += barWidth + 1
        buf.put(Format.pad(meanText(bin.mean, bin.std, glyphs: g), statsWidth), x: x, y: by, style: isBest ? .fg(.best, bold: true) : .plain)
        x += statsWidth + 1
        buf.put(Format.pad(String(bin.n), countWidth, right: true), x: x, y: by, style: .fg(.muted))
        x += countWidth + 1
        if isBest { buf.set(x, by, g.bestMark, .fg(.best, bold: true)) }
    }
}

private func renderCompact(_ s: ParamSummary, _ line: Rect, barCells: Int, _ buf: inout Buffer, _ g: Glyphs) {
    let nameWidth = min(13, line.width / 3)
    buf.put(Format.truncate(s.name, nameWidth, ellipsis: g.ellipsis), x: line.x, y: line.y, style: .fg(.accent, bold: true))
    var x = line.x + nameWidth + 1
    let top = g.levels.count - 1
    for (i, fraction) in binFractions(s).enumerated() where x < line.right {
        let glyph = fraction.map { g.levels[min(top, Int(($0 * Double(top)).rounded()))] } ?? g.track
        buf.set(x, line.y, glyph, .fg(i == s.best ? .best : .bar))
        x += 1
    }
    x = line.x + nameWidth + 1 + barCells
    guard let b = s.best else { return }
    let bin = s.bins[b]
    let text = "  best \(bin.label): \(meanText(bin.mean, bin.std, glyphs: g)), n=\(bin.n)"
    buf.put(text, x: x, y: line.y, maxWidth: line.right - x, style: .fg(.best))
}
