import Foundation
import HyperOpt

/// Each parameter's share of what the best trials have in common (PED-ANOVA), as bars, with
/// the way it pulls the score and the trials it rests on.
struct ImportanceView: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard area.height >= 2, area.width >= 20 else { return }
        let items = state.shownImportances
        let n = items.map(\.n).max() ?? 0
        if state.study.isMultiObjective {
            // Several objectives: which one ranks the trials, and Tab for the next.
            let k = state.importanceObjective, names = state.objectiveNames
            let name = k < names.count ? names[k] : "values[\(k)]"
            let directions = state.study.directions
            buf.put([Span(" objective \(k + 1) of \(directions.count): ", Style(fg: .title, bold: true)),
                     Span("\(name) \(directions[k].arrow(glyphs))", Style(fg: .best, bold: true)),
                     Span("  the top 10% of \(n) complete trials by it (PED-ANOVA)  Tab: next objective", .fg(.muted))],
                    x: area.x, y: area.y, maxWidth: area.width)
        } else {
            buf.put(" what the top 10% of \(n) complete trials have in common (PED-ANOVA, as optuna.importance)",
                    x: area.x, y: area.y, maxWidth: area.width, style: .fg(.title, bold: true))
        }
        guard n >= 2, items.contains(where: { $0.share > 0 }) else {
            buf.put(state.study.isMultiObjective ? " needs at least 2 complete trials with different values"
                                                 : " needs at least 2 complete trials with different scores", x: area.x, y: area.y + 2, maxWidth: area.width,
                    style: .fg(.muted))
            return
        }
        let arrow = glyphs.isUnicode ? "→" : "->"
        let nameWidth = min(24, max(8, items.map { Format.width(Format.shortName($0.name)) }.max() ?? 8))
        func text(_ item: ParamImportance) -> String { item.directionText(arrow: arrow, label: Format.shortName(item.name)) }
        let directionWidth = min(34, max(10, items.map { Format.width(text($0)) }.max() ?? 10))
        let barWidth = max(6, min(40, area.width - 2 - nameWidth - 1 - 5 - 2 - directionWidth - 8))
        for (i, item) in items.enumerated() {
            let y = area.y + 2 + i
            guard y < area.bottom else {
                buf.put(" +\(items.count - i) more", x: area.x, y: area.bottom - 1, style: .fg(.muted))
                break
            }
            let top = i == 0
            var x = area.x + 1
            buf.put(Format.pad(Format.truncate(Format.shortName(item.name), nameWidth, ellipsis: glyphs.ellipsis), nameWidth),
                    x: x, y: y, style: .fg(.accent, bold: top))
            x += nameWidth + 1
            Gauge(fraction: item.share, filled: .fg(top ? .best : .bar), showsTrack: true)
                .render(Rect(x: x, y: y, width: barWidth, height: 1), &buf, glyphs: glyphs)
            x += barWidth + 1
            buf.put(Format.pad("\(Int((item.share * 100).rounded()))%", 4, right: true), x: x, y: y, style: top ? .fg(.best, bold: true) : .plain)
            x += 6
            buf.put(Format.truncate(text(item), directionWidth, ellipsis: glyphs.ellipsis), x: x, y: y,
                    style: .fg(.muted))
            x += directionWidth + 1
            buf.put("n=\(item.n)", x: x, y: y, maxWidth: area.right - x, style: .fg(.muted))
        }
        let note = area.y + 3 + items.count
        if n < 20, note < area.bottom {
            buf.put(" few trials so far: read the order as a hint", x: area.x, y: note, maxWidth: area.width, style: .fg(.warning))
        }
    }
}
