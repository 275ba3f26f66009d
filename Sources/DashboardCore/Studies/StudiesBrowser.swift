import Foundation
import HyperOpt

/// One study in the studies browser, as the store summarises it.
public struct StudyListRow: Sendable, Hashable {
    public var name: String
    public var direction: Direction
    public var counts: [TrialState: Int]
    public var best: Double?
    public var startedAt: Date?
    public var duration: TimeInterval?
    /// Its engine: `run node3:12` (host and pid), `done`, `stopped`; nil when not known.
    public var engine: String?

    public init(name: String, direction: Direction, counts: [TrialState: Int], best: Double?,
                startedAt: Date?, duration: TimeInterval?, engine: String? = nil) {
        self.engine = engine
        self.name = name
        self.direction = direction
        self.counts = counts
        self.best = best
        self.startedAt = startedAt
        self.duration = duration
    }
}

/// The model of `hypertop studies`: a table of the studies in one or more stores.
public struct StudiesBrowserState: Sendable {
    public var rows: [StudyListRow]
    /// What is being browsed, e.g. the store's path; shown in the title bar.
    public var source: String
    public var glyphs: Glyphs
    public var now: Date
    public var size: Size
    public var scroll = TableScroll()
    public var showHelp = false
    public var status: String?

    public init(rows: [StudyListRow], source: String, glyphs: Glyphs = .unicode, now: Date,
                size: Size = Size(width: 120, height: 40)) {
        self.rows = rows
        self.source = source
        self.glyphs = glyphs
        self.now = now
        self.size = size
        scroll.selected = rows.isEmpty ? nil : 0
    }

    public var selectedStudy: StudyListRow? { scroll.selected.flatMap { rows.indices.contains($0) ? rows[$0] : nil } }

    var pageRows: Int { max(1, size.height - 4) }

    mutating func select(_ row: Int) {
        scroll.selected = rows.isEmpty ? nil : min(max(row, 0), rows.count - 1)
        scroll = scroll.repaired(count: rows.count, visible: pageRows)
    }
}

/// Keys: move, Enter opens the selected study, `e` exports it (its result comes back as
/// `.effectResult`), `q` quits.
public func update(_ state: inout StudiesBrowserState, _ msg: DashboardMsg) -> [DashboardEffect] {
    switch msg {
    case .key(let key):
        if state.showHelp {
            state.showHelp = false
            return []
        }
        let row = state.scroll.selected ?? 0
        switch key {
        case .down, .char("j"): state.select(row + 1)
        case .up, .char("k"): state.select(row - 1)
        case .pageDown: state.select(row + state.pageRows)
        case .pageUp: state.select(row - state.pageRows)
        case .home, .char("g"): state.select(0)
        case .end, .char("G"): state.select(state.rows.count - 1)
        case .enter, .right:
            if let s = state.selectedStudy { return [.openStudy(s.name)] }
        case .char("e"):
            if let s = state.selectedStudy {
                state.status = "exporting \(s.name)"
                return [.exportStudy(s.name)]
            }
        case .char("?"): state.showHelp = true
        case .char("q"), .escape: return [.quit]
        default: break
        }
    case .event(.message(let text, _)), .effectResult(let text):
        state.status = text
    case .resize(let w, let h):
        state.size = Size(width: w, height: h)
        state.select(state.scroll.selected ?? 0)
    case .tick(let date):
        state.now = date
    case .interrupt:
        return [.interrupted]
    case .event, .events, .replaceStudy, .streamEnded, .notes:
        break
    }
    return []
}

public func render(_ state: StudiesBrowserState, size: Size) -> Buffer {
    var buf = Buffer(size: size)
    guard !size.isTooSmall else {
        renderTooSmall(size, &buf)
        return buf
    }
    let g = state.glyphs
    let v = buf.area.split(.vertical, [.length(1), .length(1), .fill(1), .length(1), .length(1)])
    let bar = Style(fg: .title, bg: .headerBar, bold: true)
    buf.fill(v[0], with: Cell(" ", style: bar))
    buf.put(" hypertop studies  \(state.source)  \(state.rows.count) stud\(state.rows.count == 1 ? "y" : "ies")",
            x: 0, y: 0, maxWidth: size.width, style: bar)

    let columns = [
        TableColumn("study", width: max(12, size.width - 103)),
        TableColumn("direction", width: 9),
        TableColumn("run", width: 4, alignRight: true),
        TableColumn("done", width: 5, alignRight: true),
        TableColumn("pruned", width: 6, alignRight: true),
        TableColumn("failed", width: 6, alignRight: true),
        TableColumn("best", width: 9, alignRight: true),
        TableColumn("started (UTC)", width: 16),
        TableColumn("duration", width: 8, alignRight: true),
        TableColumn("engine", width: 16),
    ]
    let rows = state.rows
    Table(columns: columns, count: rows.count, scroll: state.scroll) { i in
        let r = rows[i]
        func count(_ s: TrialState) -> TableCell {
            let n = r.counts[s] ?? 0
            return .text(String(n), n > 0 ? .fg(s.role) : .fg(.muted))
        }
        return [
            .text(r.name, .fg(.accent, bold: true)),
            .text(r.direction.rawValue, .fg(.muted)),
            count(.running), count(.complete), count(.pruned), count(.failed),
            .text(r.best.map { Format.number($0, width: 9) } ?? "-", .fg(.best)),
            .text(r.startedAt.map(utcMinute) ?? "-", .fg(.muted)),
            .text(r.duration.map(Format.duration) ?? "-"),
            .text(r.engine ?? "-", r.engine?.hasPrefix("run ") == true ? .fg(.running, bold: true) : .fg(.muted)),
        ]
    }.render(v[2], &buf, glyphs: g)
    if rows.isEmpty {
        buf.put("no studies in this store", x: 2, y: v[2].y + 2, style: .fg(.muted))
    }
    if let status = state.status { buf.put(" " + status, x: 0, y: v[3].y, maxWidth: size.width, style: .fg(.muted)) }
    var x = 0
    for (key, label) in [("?", "help"), ("q", "quit"), ("Enter", "open"), ("e", "export"), ("j/k", "move")] {
        x += buf.put(" " + key, x: x, y: v[4].y, style: Style(fg: .title, bold: true))
        x += buf.put(" " + label + " ", x: x, y: v[4].y, style: .fg(.muted))
    }
    if state.showHelp {
        let key = Style(fg: .title, bold: true)
        Dialog(title: "keys", lines: [
            [Span("j k  PgUp PgDn  ", key), Span("move")],
            [Span("Enter           ", key), Span("open the study: its trials, curves and summaries")],
            [Span("e               ", key), Span("export the study")],
            [Span("q               ", key), Span("quit")],
        ]).render(over: buf.area, &buf, glyphs: g)
    }
    return buf
}

/// `2026-11-30 10:29`: a calendar date in UTC, independent of the machine's zone.
func utcMinute(_ date: Date) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
    return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute))"
}
