import Foundation

/// What one TPE sampler remembers between asks, purely to save work: the internal rows of the
/// sets it has already converted, and their order along each numeric parameter. A study only
/// appends sets and updates scores, so each ask converts just the new sets.
///
/// It never changes a result: an entry is reused only when its parameter set equals the one in
/// the context (the very same `ParamSetValues` when the study passes the sets it holds, which
/// is every ask of a running study; equal values otherwise), and the orders are the ones a
/// stable sort would give. The sampler owns it (`TPECache`): no two asks share it.
struct HistoryMemo: Sendable {
    private var names: [String] = []
    private var distributions: [Distribution] = []
    private var params: [ParamSetValues] = []
    private var valid: [Bool] = []
    private var rows: [Double] = []
    private var dims = 0
    /// Per dim: indices of the valid entries sorted by value (ties by index), or nil.
    private var orders: [[Int]?] = []
    /// Changes whenever an entry already held changes (or all are dropped), never when entries
    /// are only appended: whoever saw rows 0..<k under one generation may trust them under it.
    private(set) var generation = 0

    init() {}

    mutating func update(_ completed: [Observation], converter: RowConverter) {
        let d = converter.domains.count
        if dims != d || params.count > completed.count || !sameSpace(converter) {
            reset(converter)
        }
        var row = [Double](repeating: 0, count: d)
        var changed = false
        let known = params.count
        var stale: [Int] = []
        completed.withUnsafeBufferPointer { now in
            params.withUnsafeBufferPointer { then in
                for i in 0..<known where now[i].values != then[i] { stale.append(i) }
            }
        }
        for i in stale {
            params[i] = completed[i].values
            valid[i] = converter.convert(params[i].params, into: &row)
            if valid[i] { replaceRow(i, with: row) }
            changed = true
        }
        if changed {
            generation += 1
            orders = (0..<d).map { j in sortedOrder(dim: j, converter: converter) }
        }
        for i in known..<completed.count {
            params.append(completed[i].values)
            let ok = converter.convert(completed[i].params, into: &row)
            valid.append(ok)
            rows.append(contentsOf: row)
            if ok { insert(i) }
        }
    }

    private func sameSpace(_ converter: RowConverter) -> Bool {
        names == converter.names && distributions == converter.domains.map(\.distribution)
    }

    private mutating func reset(_ converter: RowConverter) {
        generation += 1
        names = converter.names
        distributions = converter.domains.map(\.distribution)
        dims = converter.domains.count
        params = []
        valid = []
        rows = []
        orders = converter.domains.map { $0.isCategorical ? nil : [] }
    }

    private mutating func replaceRow(_ i: Int, with row: [Double]) {
        for j in 0..<dims { rows[i * dims + j] = row[j] }
    }

    private func sortedOrder(dim j: Int, converter: RowConverter) -> [Int]? {
        guard !converter.domains[j].isCategorical else { return nil }
        return params.indices.filter { valid[$0] }.sorted { a, b in
            let va = rows[a * dims + j], vb = rows[b * dims + j]
            return va != vb ? va < vb : a < b
        }
    }

    /// Inserts entry i (the newest) after every entry with a value not above its own.
    private mutating func insert(_ i: Int) {
        for j in 0..<dims {
            guard var order = orders[j] else { continue }
            orders[j] = nil // so the insert below does not copy the array
            let v = rows[i * dims + j]
            var lo = 0, hi = order.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if rows[order[mid] * dims + j] <= v { lo = mid + 1 } else { hi = mid }
            }
            order.insert(i, at: lo)
            orders[j] = order
        }
    }

    /// Per entry: whether its set fits the space.
    var validity: [Bool] { valid }
    func row(_ i: Int) -> ArraySlice<Double> { rows[i * dims..<(i + 1) * dims] }
    /// Every entry's row (shared, not copied: the memo only changes it on the next update).
    var allRows: [Double] { rows }
    /// Per dim: the valid entries sorted by value (ties by index), nil for categorical dims.
    var sortedOrders: [[Int]?] { orders }
}
