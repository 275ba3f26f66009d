import Foundation
import HyperOpt

/// One column of the studies table, declared once with its two forms: a wide terminal gets the
/// wide one, a narrower the narrow one, where the column has it (duration, pruned and failed go;
/// pruned/failed come back as one).
struct StudyColumn: Sendable {
    struct Form: Sendable {
        let title: String
        let width: Constraint
        let alignRight: Bool
    }

    let wide: Form?
    let narrow: Form?
    /// The cell of a study's row; `narrow`: for the narrow form.
    let cell: @Sendable (StudyListRow, StudiesBrowserState, _ narrow: Bool) -> TableCell

    init(wide: (String, Int)?, narrow: (String, Int)?, alignRight: Bool = false,
         cell: @escaping @Sendable (StudyListRow, StudiesBrowserState, Bool) -> TableCell) {
        self.wide = wide.map { Form(title: $0.0, width: .length($0.1), alignRight: alignRight) }
        self.narrow = narrow.map { Form(title: $0.0, width: .length($0.1), alignRight: alignRight) }
        self.cell = cell
    }

    /// The study's name takes what the others leave, at least 12 cells.
    private init(study: String) {
        let form = Form(title: study, width: .min(12), alignRight: false)
        wide = form
        narrow = form
        cell = { r, _, _ in .text(r.name, .fg(.accent, bold: true)) }
    }

    static let all: [StudyColumn] = [
        StudyColumn(wide: (" ", 1), narrow: (" ", 1)) { r, s, _ in
            .text(s.marked.contains(r.name) ? String(s.glyphs.bestMark) : " ", .fg(.best, bold: true))
        },
        StudyColumn(study: "study"),
        // Several objectives: `min,max` (each direction's first three letters), `2 obj` where narrow.
        StudyColumn(wide: ("direction", 9), narrow: ("dir", 3)) { r, _, narrow in
            if let ds = r.directions, ds.count > 1 {
                return .text(narrow ? "\(ds.count)ob" : ds.map { String($0.rawValue.prefix(3)) }.joined(separator: ","), .fg(.muted))
            }
            return .text(narrow ? String(r.direction.rawValue.prefix(3)) : r.direction.rawValue, .fg(.muted))
        },
        StudyColumn(wide: ("run", 4), narrow: ("run", 3), alignRight: true) { r, _, _ in count(r, .running) },
        StudyColumn(wide: ("done", 5), narrow: ("done", 4), alignRight: true) { r, _, _ in count(r, .complete) },
        StudyColumn(wide: ("pruned", 6), narrow: nil, alignRight: true) { r, _, _ in count(r, .pruned) },
        StudyColumn(wide: ("failed", 6), narrow: nil, alignRight: true) { r, _, _ in count(r, .failed) },
        StudyColumn(wide: nil, narrow: ("pr/fl", 5), alignRight: true) { r, _, _ in
            let (pruned, failed) = (r.counts[.pruned] ?? 0, r.counts[.failed] ?? 0)
            return .text("\(pruned)/\(failed)", failed > 0 ? .fg(.failed) : pruned > 0 ? .fg(.pruned) : .fg(.muted))
        },
        // A study of several objectives has a front, not one best value.
        StudyColumn(wide: ("best", 9), narrow: ("best", 9), alignRight: true) { r, _, _ in
            r.directions.map { $0.count > 1 } == true ? .text("front", .fg(.muted))
                : .text(r.best.map { Format.number($0, width: 9) } ?? "-", .fg(.best))
        },
        // Narrow: the start without its year.
        StudyColumn(wide: ("started (UTC)", 16), narrow: ("started", 11)) { r, _, narrow in
            .text(r.startedAt.map { narrow ? String(utcMinute($0).dropFirst(5)) : utcMinute($0) } ?? "-", .fg(.muted))
        },
        StudyColumn(wide: ("duration", 8), narrow: nil, alignRight: true) { r, _, _ in .text(r.duration.map(Format.duration) ?? "-") },
        // Narrow: the running engine's host and pid without "run".
        StudyColumn(wide: ("engine", 16), narrow: ("engine", 11)) { r, _, narrow in
            let running = r.engine?.isRunning == true
            return .text((narrow ? r.engine?.narrowText : r.engine?.text) ?? "-", running ? Style(fg: .running, bold: true) : .fg(.muted))
        },
        StudyColumn(wide: ("best so far", 12), narrow: ("best so far", 11)) { r, s, _ in
            let (history, glyphs) = (r.history, s.glyphs)
            return .paint { rect, buf in Sparkline(history, style: .fg(.best)).render(rect, &buf, glyphs: glyphs) }
        },
    ]

    private static func count(_ r: StudyListRow, _ state: TrialState) -> TableCell {
        let n = r.counts[state] ?? 0
        return .text(String(n), n > 0 ? .fg(state.role) : .fg(.muted))
    }

    /// Cells the forms take at their least, one between neighbours.
    static func leastWidth(_ forms: [Form]) -> Int {
        forms.reduce(max(0, forms.count - 1)) { total, form in
            switch form.width {
            case .length(let n), .min(let n): return total + n
            case .percentage, .fill: return total
            }
        }
    }

    /// The columns in `width` cells, each in the form that fits and with its width: the wide forms
    /// where they fit, else the narrow ones (some columns have none).
    static func layout(_ width: Int) -> [(column: StudyColumn, form: Form, width: Int, narrow: Bool)] {
        let wide = leastWidth(all.compactMap(\.wide)) <= width
        let columns = all.compactMap { c in (wide ? c.wide : c.narrow).map { (c, $0) } }
        // The table keeps cells free at its right (15 when wide, 1 when narrow) as long as the
        // study column has its 12: the widths the browser has always had.
        let tableWidth = max(width - (wide ? 15 : 1), leastWidth(columns.map(\.1)))
        let cells = Rect(x: 0, y: 0, width: tableWidth, height: 1).split(.horizontal, columns.map(\.1.width), spacing: 1)
        return zip(columns, cells).map { ($0.0, $0.1, $1.width, !wide) }
    }
}
