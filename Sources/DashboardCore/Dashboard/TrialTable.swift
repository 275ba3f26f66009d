import Foundation
import HyperOpt

struct TrialTablePanel: Widget {
    let state: DashboardState

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard !area.isEmpty else { return }
        // The columns that fit, with their widths: narrow parameter columns first, then drop the last ones.
        let all = TrialColumn.columns(state)
        let shown = zip(all, area.columns(all.map(\.width))).compactMap { column, rect in rect.map { (column, $0.width) } }
        let header = shown.map { TableColumn($0.0.title, width: $0.1, alignRight: $0.0.alignRight) }
        let trials = state.study.trials

        if state.rows.isEmpty {
            Table(columns: header, count: 0, scroll: TableScroll(), row: { _ in [] })
                .render(area, &buf, glyphs: glyphs)
            let why = trials.isEmpty ? "no trial launched yet" : "no trial matches the filter (Esc clears it)"
            buf.put(why, x: area.x + 2, y: area.y + 2, maxWidth: area.width - 2, style: .fg(.muted))
            return
        }

        let table = Table(
            columns: header, count: state.rows.count,
            scroll: TableScroll(selected: state.selectedRow, offset: state.offset),
            sortedColumn: shown.firstIndex { $0.0.sort == state.sort }, descending: state.descending
        ) { row in
            let t = trials[state.rows[row]]
            return shown.map { column, width in column.cell(t, state, width) }
        }
        table.render(area, &buf, glyphs: state.glyphs)
    }
}
