import Foundation
import HyperOpt

/// One study in the studies browser, as the store summarises it.
public struct StudyListRow: Sendable, Hashable {
    public var name: String
    public var direction: Direction
    /// Each objective's direction when the study has several; nil for one.
    public var directions: [Direction]?
    public var counts: [TrialState: Int]
    public var best: Double?
    public var startedAt: Date?
    public var duration: TimeInterval?
    /// Its engine: running (host and pid), done, stopped; nil when not known.
    public var engine: EngineStatus?
    /// The best so far (of the best set's mean) after each finished trial, for the sparkline
    /// and the compare view.
    public var history: [Double] = []
    /// The best set's parameters, in the search space's order.
    public var bestParams: [(name: String, value: ParamValue)] = []

    public static func == (a: StudyListRow, b: StudyListRow) -> Bool {
        a.name == b.name && a.direction == b.direction && a.directions == b.directions && a.counts == b.counts && a.best == b.best && a.startedAt == b.startedAt
            && a.duration == b.duration && a.engine == b.engine && a.history == b.history
            && a.bestParams.map(\.name) == b.bestParams.map(\.name) && a.bestParams.map(\.value) == b.bestParams.map(\.value)
    }

    public func hash(into h: inout Hasher) { h.combine(name) }

    public init(name: String, direction: Direction, counts: [TrialState: Int], best: Double?,
                startedAt: Date?, duration: TimeInterval?, engine: EngineStatus? = nil) {
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
    /// Studies marked with Space for the compare view.
    public var marked: [String] = []
    /// The studies being compared (c), in the order they were marked.
    public var comparing: [String]?
    /// A question before a change to the store.
    public var confirm: BrowserConfirm?

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

/// What the browser asks before it changes the store.
public enum BrowserConfirm: Sendable, Hashable {
    case delete(String)
    /// The new name being typed.
    case rename(String, draft: TextField)
}

/// Keys (`StudiesBrowserState.keyMap`): move, Enter opens the selected study, `e` exports it (its
/// result comes back as `.effectResult`), Space marks studies and `c` compares them, `D` deletes
/// and `R` renames (both ask first), `q` quits.
public func update(_ state: inout StudiesBrowserState, _ msg: DashboardMsg) -> [DashboardEffect] {
    switch msg {
    case .key(let key):
        if let effects = StudiesBrowserState.keyMap.dispatchAnywhere(key, &state) { return effects }
        if state.showHelp {
            state.showHelp = false
            return []
        }
        if let confirm = state.confirm { return confirmKey(&state, confirm, key) }
        return StudiesBrowserState.keyMap.dispatch(key, &state) ?? []
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

private func confirmKey(_ state: inout StudiesBrowserState, _ confirm: BrowserConfirm, _ key: Key) -> [DashboardEffect] {
    switch confirm {
    case .delete(let name):
        if key == .char("y") || key == .char("Y") {
            state.confirm = nil
            state.rows.removeAll { $0.name == name }
            state.marked.removeAll { $0 == name }
            state.select(state.scroll.selected ?? 0)
            state.status = "deleting \(name)"
            return [.deleteStudy(name)]
        }
        if key == .char("n") || key == .char("N") || key == .escape { state.confirm = nil }
    case .rename(let name, var draft):
        switch key {
        case .escape: state.confirm = nil
        case .enter:
            let new = draft.text.trimmingCharacters(in: .whitespaces)
            guard !new.isEmpty, new != name else { state.confirm = nil; return [] }
            guard !state.rows.contains(where: { $0.name == new }) else {
                state.status = "a study named \(new) exists already"
                return []
            }
            state.confirm = nil
            if let i = state.rows.firstIndex(where: { $0.name == name }) { state.rows[i].name = new }
            state.marked = state.marked.map { $0 == name ? new : $0 }
            state.status = "renaming \(name) to \(new)"
            return [.renameStudy(name, to: new)]
        default:
            if draft.edit(key) { state.confirm = .rename(name, draft: draft) }
        }
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

    if let comparing = state.comparing {
        renderCompare(state, comparing, v[2], &buf)
        if let status = state.status { buf.put(" " + status, x: 0, y: v[3].y, maxWidth: size.width, style: .fg(.muted)) }
        KeyLine(hints: StudiesBrowserState.keyMap.hints(state)).render(v[4], &buf, glyphs: g)
        return buf
    }
    let layout = StudyColumn.layout(size.width)
    let rows = state.rows
    Table(columns: layout.map { TableColumn($0.form.title, width: $0.width, alignRight: $0.form.alignRight) }, count: rows.count,
          scroll: state.scroll) { i in
        layout.map { $0.column.cell(rows[i], state, $0.narrow) }
    }.render(v[2], &buf, glyphs: g)
    if rows.isEmpty {
        buf.put("no studies in this store", x: 2, y: v[2].y + 2, style: .fg(.muted))
    }
    if let status = state.status { buf.put(" " + status, x: 0, y: v[3].y, maxWidth: size.width, style: .fg(.muted)) }
    KeyLine(hints: StudiesBrowserState.keyMap.hints(state)).render(v[4], &buf, glyphs: g)
    if state.showHelp {
        StudiesBrowserState.keyMap.helpDialog(state).render(over: buf.area, &buf, glyphs: g)
    }
    switch state.confirm {
    case .delete(let name)?:
        let key = Style(fg: .title, bold: true)
        Dialog(title: "delete study \(name)?", lines: [
            [Span("Its trials, metrics and notes go from the store for good.")],
            [],
            [Span("y", key), Span(" delete    "), Span("n", key), Span(" keep it")],
        ]).render(over: buf.area, &buf, glyphs: g)
    case .rename(let name, let draft)?:
        let key = Style(fg: .title, bold: true)
        Dialog(title: "rename study \(name)", lines: [
            [Span("> ", key)] + draft.spans(),
            [],
            [Span("Enter", key), Span(" renames  "), Span("Esc", key), Span(" cancels")],
        ]).render(over: buf.area, &buf, glyphs: g)
    case nil:
        break
    }
    return buf
}

/// Two or more studies side by side: their best-so-far overlaid (each its own colour, x the
/// share of each study's finished trials), and their best sets in columns.
func renderCompare(_ state: StudiesBrowserState, _ names: [String], _ area: Rect, _ buf: inout Buffer) {
    let g = state.glyphs
    let rows = names.compactMap { n in state.rows.first { $0.name == n } }
    let roles: [ColorRole] = [.best, .accent, .complete, .warning, .pruned, .failed]
    let parts = area.split(.vertical, [.fill(1), .length(min(area.height / 2, 4 + (rows.first?.bestParams.count ?? 0) + 1))], spacing: 1)
    var legend: [Span] = [Span(" best so far, each study over its finished trials:  ", Style(fg: .title, bold: true))]
    for (i, r) in rows.enumerated() {
        legend.append(Span(g.isUnicode ? "⣿ " : "* ", .fg(roles[i % roles.count], bold: true)))
        legend.append(Span(r.name + "  ", .fg(roles[i % roles.count])))
    }
    buf.put(legend, x: area.x, y: area.y, maxWidth: area.width)
    let chart = Rect(x: parts[0].x, y: parts[0].y + 1, width: parts[0].width, height: parts[0].height - 1)
    if let range = valueRange(rows.flatMap(\.history)), chart.height >= 3 {
        let labelWidth = 8
        let plot = Rect(x: chart.x + labelWidth + 1, y: chart.y, width: chart.width - labelWidth - 2, height: chart.height - 1)
        buf.put(axisLabel(range.hi, labelWidth), x: chart.x, y: plot.y, style: .fg(.muted))
        buf.put(axisLabel(range.lo, labelWidth), x: chart.x, y: plot.bottom - 1, style: .fg(.muted))
        for y in plot.y..<plot.bottom { buf.set(plot.x - 1, y, g.vertical, .fg(.muted)) }
        var canvas = DotCanvas(plot, braille: g.isUnicode)
        for (i, r) in rows.enumerated().reversed() where !r.history.isEmpty {
            var last: (Int, Int)?
            for (k, v) in r.history.enumerated() {
                let c = canvas.column(Double(k), 0, Double(max(1, r.history.count - 1))), y = canvas.row(v, range.lo, range.hi)
                if let (lc, ly) = last { canvas.line(lc, ly, c, ly, roles[i % roles.count], rank: -i); canvas.line(c, ly, c, y, roles[i % roles.count], rank: -i) }
                last = (c, y)
            }
        }
        canvas.render(&buf)
        for x in plot.x..<plot.right { buf.set(x, plot.bottom, g.horizontal, .fg(.muted)) }
        buf.put("first trial", x: plot.x, y: plot.bottom, style: .fg(.muted))
        buf.put("last", x: plot.right - 4, y: plot.bottom, style: .fg(.muted))
    } else {
        buf.put(" no study has a score yet", x: chart.x, y: chart.y, style: .fg(.muted))
    }
    // The best sets side by side.
    let table = parts[1]
    let names = Array(Set(rows.flatMap { $0.bestParams.map(\.name) })).sorted { a, b in
        let order = rows.first?.bestParams.map(\.name) ?? []
        return (order.firstIndex(of: a) ?? Int.max, a) < (order.firstIndex(of: b) ?? Int.max, b)
    }
    let first = min(24, max(15, names.map { Format.width(Format.shortName($0)) }.max() ?? 15))
    let width = max(10, min(22, (table.width - first - 2) / max(1, rows.count)))
    var y = table.y
    func line(_ label: String, _ cells: [(String, Style)], _ labelStyle: Style = .fg(.muted)) {
        guard y < table.bottom else { return }
        buf.put(" " + Format.pad(Format.truncate(label, first, ellipsis: g.ellipsis), first), x: table.x, y: y, style: labelStyle)
        for (i, (text, style)) in cells.enumerated() {
            buf.put(Format.pad(Format.truncate(text, width - 1, ellipsis: g.ellipsis), width - 1, right: true),
                    x: table.x + first + 2 + i * width, y: y, style: style)
        }
        y += 1
    }
    line("study", rows.enumerated().map { ($0.element.name, Style(fg: roles[$0.offset % roles.count], bold: true)) }, Style(fg: .title, bold: true))
    line("best (set mean)", rows.map { ($0.best.map { Format.number($0, width: 9) } ?? "-", Style(fg: .best, bold: true)) })
    line("trials", rows.map { (String($0.counts.values.reduce(0, +)), .plain) })
    for n in names {
        line(Format.shortName(n), rows.map { r in (r.bestParams.first { $0.name == n }.map { Format.param($0.value, width: width - 1) } ?? "-", .fg(.accent)) })
    }
}

/// `2026-11-30 10:29`: a calendar date in UTC, independent of the machine's zone.
func utcMinute(_ date: Date) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
    return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute))"
}
