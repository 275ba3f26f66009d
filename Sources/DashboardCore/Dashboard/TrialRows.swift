import Foundation
import HyperOpt

extension DashboardState {
    /// Recomputes which trials the table shows and in what order. Called once per message that
    /// can change it, so a frame never sorts.
    mutating func rebuildRows() {
        let trials = study.trials
        let needle = filterText.lowercased()
        var indexes: [Int] = []
        indexes.reserveCapacity(trials.count)
        for (i, t) in trials.enumerated() {
            if let f = stateFilter, t.state != f { continue }
            if !needle.isEmpty, !matches(t, needle) { continue }
            indexes.append(i)
        }
        let column = TrialColumn.sorting(by: sort, self)
        let (criterion, now) = (criterion, now)
        let keys = indexes.map { column.key(trials[$0], criterion, now) }
        var order = Array(indexes.indices)
        order.sort { a, b in
            let (ka, kb) = (keys[a], keys[b])
            // Trials without a value (no score yet) stay at the bottom in both directions.
            if ka.isMissing != kb.isMissing { return kb.isMissing }
            let c = SortKey.compare(ka, kb)
            if c != 0 { return descending ? c > 0 : c < 0 }
            return indexes[a] < indexes[b]
        }
        rows = order.map { indexes[$0] }
    }

    private func matches(_ t: TrialRecord, _ needle: String) -> Bool {
        if "#\(t.number)" == needle || String(t.number) == needle { return true }
        if t.state.rawValue.lowercased().contains(needle) { return true }
        for (name, value) in t.launch.params where "\(Format.shortName(name))=\(value)".lowercased().contains(needle) {
            return true
        }
        return false
    }
}

/// A sortable cell value.
enum SortKey {
    case number(Double)
    case text(String)
    case missing

    var isMissing: Bool {
        if case .missing = self { return true }
        return false
    }

    static func compare(_ a: SortKey, _ b: SortKey) -> Int {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.text(let x), .text(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.number, .text): return -1
        case (.text, .number): return 1
        case (.missing, .missing): return 0
        case (.missing, _): return 1
        case (_, .missing): return -1
        }
    }
}
