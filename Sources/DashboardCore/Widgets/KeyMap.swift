/// One entry of the key line at the bottom: "p pause".
public struct KeyHint: Sendable, Hashable {
    public var key: String
    public var label: String
    /// Lower ranks come first; the line shows as many as fit, so the most useful go first.
    public var rank: Int

    public init(_ key: String, _ label: String, rank: Int) {
        self.key = key
        self.label = label
        self.rank = rank
    }
}

/// A key binding (Bubbles' `key.Binding`): its keys, what `?` says of them, what the key line
/// shows, where the keys act and what they do. Declared once, it drives all three, so a key cannot
/// be bound and missing from the help.
struct Binding<Model>: Sendable {
    /// The keys it answers to, named in `?` in this order.
    let keys: [Key]
    /// Keys that do the same but `?` leaves out because the named ones stand for them: the arrows
    /// beside j/k, Right beside Enter, Left and Backspace beside Esc.
    let quietKeys: [Key]
    /// Its text in `?`; nil with `sharesRow`: its keys join the row above, which says it already.
    let help: @Sendable (Model) -> String?
    /// Its keys and text continue the `?` row above: related keys share a row ("o  O" reads
    /// "sort by the next column; reverse the order"), so the list fits 80x24.
    let sharesRow: Bool
    /// Where the keys act (which screen, which view): elsewhere the binding does not see them.
    let when: @Sendable (Model) -> Bool
    /// Whether the keys act whatever is open over the screen (a question, a form, the help, the
    /// filter being typed), which otherwise takes every key first.
    let anywhere: Bool
    /// Whether `?` and the key line offer it: a control the mode lacks is not offered, though its
    /// key still acts, to say why it does nothing.
    let offered: @Sendable (Model) -> Bool
    /// Its entries on the key line, as the state names them now ("pause" or "resume").
    let hints: @Sendable (Model) -> [KeyHint]
    let action: @Sendable (inout Model, Key) -> [DashboardEffect]

    init(_ keys: [Key], quiet: [Key] = [], help: String? = nil, sharesRow: Bool = false,
         when: @escaping @Sendable (Model) -> Bool = { _ in true }, anywhere: Bool = false,
         offered: @escaping @Sendable (Model) -> Bool = { _ in true },
         hints: @escaping @Sendable (Model) -> [KeyHint] = { _ in [] },
         action: @escaping @Sendable (inout Model, Key) -> [DashboardEffect]) {
        self.init(keys, quiet: quiet, helpText: { _ in help }, sharesRow: sharesRow, when: when, anywhere: anywhere, offered: offered,
                  hints: hints, action: action)
    }

    /// A binding whose `?` text depends on the state (what q does in this mode).
    init(_ keys: [Key], quiet: [Key] = [], helpText: @escaping @Sendable (Model) -> String?, sharesRow: Bool = false,
         when: @escaping @Sendable (Model) -> Bool = { _ in true }, anywhere: Bool = false,
         offered: @escaping @Sendable (Model) -> Bool = { _ in true },
         hints: @escaping @Sendable (Model) -> [KeyHint] = { _ in [] },
         action: @escaping @Sendable (inout Model, Key) -> [DashboardEffect]) {
        self.keys = keys
        quietKeys = quiet
        self.help = helpText
        self.sharesRow = sharesRow
        self.when = when
        self.anywhere = anywhere
        self.offered = offered
        self.hints = hints
        self.action = action
    }
}

/// A program's keys as one table (Bubbles' `help.KeyMap`): dispatch, the `?` list and the key
/// line all read it.
struct KeyMap<Model>: Sendable {
    let bindings: [Binding<Model>]

    init(_ bindings: [Binding<Model>]) {
        self.bindings = bindings
    }

    /// Hands `key` to the first binding that has it and acts here; nil when none does.
    func dispatch(_ key: Key, _ model: inout Model) -> [DashboardEffect]? {
        guard let binding = bindings.first(where: { ($0.keys.contains(key) || $0.quietKeys.contains(key)) && $0.when(model) }) else {
            return nil
        }
        return binding.action(&model, key)
    }

    /// Hands `key` to a binding that acts whatever is open over the screen (`anywhere`); nil
    /// when none has it. Asked before anything open takes the key.
    func dispatchAnywhere(_ key: Key, _ model: inout Model) -> [DashboardEffect]? {
        guard let binding = bindings.first(where: { $0.anywhere && ($0.keys.contains(key) || $0.quietKeys.contains(key)) && $0.when(model) }) else {
            return nil
        }
        return binding.action(&model, key)
    }

    /// The `?` rows: every offered binding's keys and text, related ones sharing a row.
    func helpRows(_ model: Model) -> [(keys: String, text: String)] {
        var rows: [(keys: String, text: String)] = []
        var rowShown = false
        for b in bindings where !b.keys.isEmpty {
            // A binding that shares a row goes with it: not listed when the row is not.
            guard b.offered(model), !b.sharesRow || rowShown else {
                if !b.sharesRow { rowShown = false }
                continue
            }
            rowShown = true
            let keys = b.keys.map(\.name).joined(separator: " ")
            let text = b.help(model)
            if b.sharesRow, var row = rows.popLast() {
                row.keys += "  " + keys
                if let text { row.text += "; " + text }
                rows.append(row)
            } else {
                rows.append((keys, text ?? ""))
            }
        }
        return rows
    }

    /// The `?` dialog: the rows, keys in one column.
    func helpDialog(_ model: Model) -> Dialog {
        let rows = helpRows(model)
        let key = Style(fg: .title, bold: true)
        let width = rows.map { $0.keys.count }.max() ?? 0
        var lines = rows.map { [Span(Format.pad($0.keys, width), key), Span("  " + $0.text)] }
        lines.append([])
        lines.append([Span("any key closes this help", .fg(.muted))])
        return Dialog(title: "keys", lines: lines)
    }

    /// The key line's entries here and now, most useful first. Neighbours with the same label
    /// make one entry ("iHtcl views").
    func hints(_ model: Model) -> [KeyHint] {
        let all = bindings.filter { $0.when(model) && $0.offered(model) }.flatMap { $0.hints(model) }
        var merged: [KeyHint] = []
        for hint in all.enumerated().sorted(by: { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }).map(\.element) {
            if let last = merged.last, last.label == hint.label, last.rank == hint.rank {
                merged[merged.count - 1].key += hint.key
            } else {
                merged.append(hint)
            }
        }
        return merged
    }
}

/// The keys that work here, as many as fit.
struct KeyLine: Widget {
    let hints: [KeyHint]

    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs) {
        guard !area.isEmpty else { return }
        var x = area.x
        for hint in hints {
            // Fits when its text does; the space that pads it from the next may fall off the edge.
            guard x + hint.key.count + hint.label.count + 2 <= area.right else { break }
            x += buf.put(" " + hint.key, x: x, y: area.y, style: Style(fg: .title, bold: true))
            x += buf.put(" " + hint.label + " ", x: x, y: area.y, style: .fg(.muted))
        }
    }
}

extension Key {
    /// How `?` names the key.
    var name: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .backspace: return "Backspace"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .delete: return "Del"
        case .function(let n): return "F\(n)"
        case .control(let c): return "Ctrl-" + c.uppercased()
        }
    }
}
