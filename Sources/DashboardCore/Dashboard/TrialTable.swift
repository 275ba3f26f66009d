import Foundation
import HyperOpt

/// The trial table's columns for a given width: parameter columns narrow first, then the state
/// column, so that the sparkline keeps some room on an 80-column terminal.
struct TrialColumns {
    var columns: [TableColumn]
    var sortOrder: [SortColumn]
    /// Whether the repeat column is shown: only when parameter sets are repeated.
    var showsRepeat: Bool
    /// The parameters with a column; the last ones give theirs up when even narrow columns do
    /// not fit (the detail view shows them all).
    var params: [Parameter]

    init(_ state: DashboardState, width: Int) {
        var params = state.spec?.space.parameters ?? []
        let maxNumber = state.study.trials.last?.number ?? 0
        let numberWidth = max(3, String(maxNumber).count + 1)
        let nEpochs = state.spec?.nEpochs
        let progressWidth = nEpochs.map { max(5, 2 * String($0).count + 1) } ?? 6
        let repeats = (state.spec?.maxTrialsPerParam ?? 1) > 1
        showsRepeat = repeats
        var paramWidths = params.map { min(10, max(6, Format.shortName($0.name).count)) }
        func total(_ curve: Int) -> Int {
            let separators = paramWidths.count + (repeats ? 7 : 6)
            return numberWidth + 5 + paramWidths.reduce(0, +) + (repeats ? 3 : 0) + progressWidth + 6 + 6 + 6 + curve + separators
        }
        // Parameter columns give way first, so the sparkline keeps some room.
        while total(12) > width, let i = paramWidths.indices.max(by: { paramWidths[$0] < paramWidths[$1] }),
              paramWidths[i] > 5 {
            paramWidths[i] -= 1
        }
        while total(0) > width, !params.isEmpty {
            params.removeLast()
            paramWidths.removeLast()
        }
        self.params = params
        // A sliver of a sparkline says nothing: below four cells there is none.
        let room = width - total(0)
        let curve = room >= 4 ? room : 0

        columns = [TableColumn("#", width: numberWidth, alignRight: true), TableColumn("state", width: 5)]
        sortOrder = [.number, .state]
        for (p, w) in zip(params, paramWidths) {
            columns.append(TableColumn(Format.shortName(p.name), width: w, alignRight: p.distribution.isNumeric))
            sortOrder.append(.param(p.name))
        }
        if repeats {
            columns.append(TableColumn("rep", width: 3, alignRight: true))
            sortOrder.append(.repeatIndex)
        }
        columns += [
            TableColumn(nEpochs == nil ? "step" : "epoch", width: progressWidth, alignRight: true),
            TableColumn("value", width: 6, alignRight: true),
            TableColumn("score", width: 6, alignRight: true),
            TableColumn("time", width: 6, alignRight: true),
            TableColumn("curve", width: curve),
        ]
        sortOrder += [.progress, .latest, .score, .duration]
    }
}

extension Distribution {
    var isNumeric: Bool {
        if case .categorical = self { return false }
        return true
    }
}

struct TrialTablePanel: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard !area.isEmpty else { return }
        let layout = TrialColumns(state, width: area.width)
        let params = layout.params
        let criterion = state.criterion
        let nEpochs = state.spec?.nEpochs
        let bestParamSet = state.best?.paramSet
        let glyphs = state.glyphs
        let range = state.criterionRange
        let trials = state.study.trials
        let curveIndex = layout.columns.count - 1
        let paramWidths = layout.columns[2..<(2 + params.count)].map(\.width)

        if state.rows.isEmpty {
            Table(columns: layout.columns, count: 0, scroll: TableScroll(), row: { _ in [] })
                .render(area, &buf, glyphs: glyphs)
            let why = trials.isEmpty ? "no trial launched yet" : "no trial matches the filter (Esc clears it)"
            buf.put(why, x: area.x + 2, y: area.y + 2, maxWidth: area.width - 2, style: .fg(.muted))
            return
        }

        let table = Table(
            columns: layout.columns, count: state.rows.count,
            scroll: TableScroll(selected: state.selectedRow, offset: state.offset),
            sortedColumn: layout.sortOrder.firstIndex(of: state.sort), descending: state.descending
        ) { row in
            let t = trials[state.rows[row]]
            var cells: [TableCell] = [
                .text(String(t.number), t.launch.paramSet == bestParamSet ? .fg(.best, bold: true) : .plain),
                .text(t.state.shortLabel, .fg(t.state.role, bold: t.state == .running)),
            ]
            for (p, w) in zip(params, paramWidths) {
                cells.append(.text(t.launch.params[p.name].map { Format.param($0, width: w) } ?? "-"))
            }
            let evaluations = t.evaluations(criterion)
            let progress: String
            if let nEpochs {
                progress = "\(evaluations)/\(nEpochs)"
            } else if let step = t.metrics.lastStep {
                progress = Format.number(Double(step), width: 6)
            } else {
                progress = "-"
            }
            if layout.showsRepeat { cells.append(.text(String(t.launch.repeatIndex), .fg(.muted))) }
            cells.append(.text(progress))
            cells.append(.text(t.latest(criterion).map { Format.number($0, width: 6) } ?? "-"))
            cells.append(.text(t.score.map { Format.number($0, width: 6) } ?? "-",
                               t.launch.paramSet == bestParamSet ? .fg(.best, bold: true) : .plain))
            cells.append(.text(Format.duration(t.duration(now: state.now)), .fg(.muted)))
            if layout.columns[curveIndex].width > 0 {
                let values = t.series(criterion).map(\.value)
                let role: ColorRole = t.state == .failed ? .failed : .accent
                cells.append(.paint { rect, buf in
                    Sparkline(values, range: range, style: .fg(role)).render(rect, &buf, glyphs: glyphs)
                })
            }
            return cells
        }
        table.render(area, &buf, glyphs: glyphs)
    }
}
