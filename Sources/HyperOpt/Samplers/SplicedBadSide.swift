import Foundation

/// The bad side's kernel set, carried from one ask to the next and edited to the new bad side
/// instead of built again.
///
/// Between two asks of a study the bad side usually gains one observation: the newest set, or
/// the good side's worst one when the newest pushed it out. A kernel's width depends only on its
/// neighbours' values along each dim, so adding (or removing) an observation changes the widths
/// of at most two other kernels per dim; every other kernel keeps its centre, width and
/// constants, and only moves over by one slot. The weights change on every ask and are not kept
/// here.
///
/// Rows are identified by their index in the history's table, which the history keeps stable
/// for as long as its `generation` does; only completed sets are kept (running ones have no
/// stable row). Whenever something else changed (the space, the options, the clip of the widths,
/// many observations at once) `splice` refuses and the caller builds the set again.
struct SplicedBadSide {
    private(set) var kernels: KernelSet
    private let generation: Int
    private let options: ParzenEstimator.Options
    private let distributions: [Distribution]
    /// The bad side's rows, ascending (which is their age order).
    private var above: [Int]
    /// Per slot: its row.
    private var slotRow: [Int]
    /// Per numeric dim other than the axis: the rows sorted by value there, ties by row.
    private var sortedRows: [[Int]]
    private var minWidth: [Double]
    /// The newest row kept, when known.
    private var newestRow: Int?

    /// At most this many observations joining or leaving the bad side are edited in; more
    /// are built again.
    static let maxEdits = 8

    /// Keeps `kernels`, built from `table` (whose rows must be ascending and stable under
    /// `generation`).
    init(kernels: KernelSet, table: ObservationTable, options: ParzenEstimator.Options, generation: Int) {
        self.kernels = kernels
        self.generation = generation
        self.options = options
        distributions = kernels.domains.map(\.distribution)
        above = table.indices
        newestRow = table.indices.max()
        slotRow = kernels.observation.map { table.indices[$0] }
        let stride = table.stride
        sortedRows = kernels.domains.indices.map { j in
            guard kernels.kinds[j] != .categorical, j != kernels.axis else { return [] }
            return table.indices.sorted { a, b in
                let va = table.values[a * stride + j], vb = table.values[b * stride + j]
                return va != vb ? va < vb : a < b
            }
        }
        minWidth = kernels.domains.map { KernelSet.minWidth(n: table.indices.count, low: $0.low, high: $0.high, options: options) }
    }

    /// Edits the kernels to `table`'s observations; false (and the set unusable) when that is
    /// not possible, or would not be cheaper than a new build.
    mutating func splice(to table: ObservationTable, domains: [ParameterDomain], options: ParzenEstimator.Options,
                         generation: Int) -> Bool {
        guard generation == self.generation, options == self.options, let axis = kernels.axis,
              table.stride == kernels.dims, table.columns.count == kernels.dims,
              domains.count == distributions.count, zip(domains, distributions).allSatisfy({ $0.distribution == $1 })
        else { return false }
        let n = table.indices.count
        for (j, domain) in domains.enumerated()
        where KernelSet.minWidth(n: n, low: domain.low, high: domain.high, options: options) != minWidth[j] {
            return false
        }
        guard let (inserted, removed) = SplicedBadSide.difference(from: above, to: table.indices) else { return false }
        if inserted.isEmpty && removed.isEmpty { return true }

        let values = table.values, stride = table.stride
        func value(_ row: Int, _ j: Int) -> Double { values[row * stride + j] }
        let numeric = domains.indices.filter { kernels.kinds[$0] != .categorical }
        // Per dim, rows whose width must be measured again.
        var affected = [[Int]](repeating: [], count: domains.count)

        for r in removed {
            guard let slot = slot(of: r, axisValue: value(r, axis), exact: true) else { return false }
            if slot > 0 { affected[axis].append(slotRow[slot - 1]) }
            if slot + 1 < slotRow.count { affected[axis].append(slotRow[slot + 1]) }
            for j in numeric where j != axis {
                guard let q = rank(of: r, value: value(r, j), dim: j, values: values, stride: stride, exact: true)
                else { return false }
                if q > 0 { affected[j].append(sortedRows[j][q - 1]) }
                if q + 1 < sortedRows[j].count { affected[j].append(sortedRows[j][q + 1]) }
                sortedRows[j].remove(at: q)
            }
            kernels.remove(slot: slot)
            slotRow.remove(at: slot)
            if r == newestRow { newestRow = nil }
            renumber(after: r, by: -1)
        }
        for r in inserted {
            let older = renumber(after: r, by: 1)
            let slot = self.slot(of: r, axisValue: value(r, axis), exact: false) ?? slotRow.count
            kernels.insert(slot: slot, center: (0..<domains.count).map { value(r, $0) }, observation: older)
            slotRow.insert(r, at: slot)
            if let newest = newestRow, r > newest { newestRow = r }
            for j in numeric where j != axis {
                let q = rank(of: r, value: value(r, j), dim: j, values: values, stride: stride, exact: false)
                    ?? sortedRows[j].count
                sortedRows[j].insert(r, at: q)
            }
        }
        // New kernels, and the neighbours they now have.
        for r in inserted {
            guard let slot = slot(of: r, axisValue: value(r, axis), exact: true) else { return false }
            affected[axis] += slotRow[max(slot - 1, 0)...min(slot + 1, slotRow.count - 1)]
            for j in numeric where j != axis {
                guard let q = rank(of: r, value: value(r, j), dim: j, values: values, stride: stride, exact: true)
                else { return false }
                affected[j] += sortedRows[j][max(q - 1, 0)...min(q + 1, sortedRows[j].count - 1)]
            }
        }
        for j in numeric {
            let domain = domains[j], count = slotRow.count
            for r in affected[j] {
                // A neighbour that left too is not there any more.
                let slot = self.slot(of: r, axisValue: value(r, axis), exact: true)
                guard let slot else { continue }
                let q = j == axis ? slot : rank(of: r, value: value(r, j), dim: j, values: values, stride: stride, exact: true)
                guard let q else { continue }
                // The values at ranks q - 1, q and q + 1, the domain's ends standing in past either end.
                var near = [domain.low, 0, domain.high]
                for (k, rk) in (q - 1...q + 1).enumerated() where rk >= 0 && rk < count {
                    near[k] = j == axis ? kernels.mu[axis * kernels.stride + rk] : values[sortedRows[j][rk] * stride + j]
                }
                let w = KernelSet.width(previous: near[0], value: near[1], next: near[2], rank: q + 1, of: count,
                                        minWidth: minWidth[j], range: domain.high - domain.low, options: options)
                kernels.setWidth(w, slot: slot, dim: j)
            }
        }
        above = table.indices
        newestRow = above.last
        return true
    }

    /// The rows that joined and left, between an ascending list and another list; nil when
    /// there are too many or the other list is not ascending.
    static func difference(from old: [Int], to new: [Int]) -> (inserted: [Int], removed: [Int])? {
        var inserted: [Int] = [], removed: [Int] = []
        return old.withUnsafeBufferPointer { a in
            new.withUnsafeBufferPointer { b in
                /// Whether a[i...] equals b[j...] in the same number of elements.
                func sameRest(_ i: Int, _ j: Int) -> Bool {
                    a.count - i == b.count - j && (i == a.count
                        || memcmp(a.baseAddress! + i, b.baseAddress! + j, (a.count - i) * MemoryLayout<Int>.stride) == 0)
                }
                // The common start, in big steps: usually it is all of `old`.
                var i = 0
                let common = min(a.count, b.count)
                if common > 0, memcmp(a.baseAddress!, b.baseAddress!, common * MemoryLayout<Int>.stride) == 0 {
                    i = common
                } else {
                    while i + 64 <= common && memcmp(a.baseAddress! + i, b.baseAddress! + i, 64 * MemoryLayout<Int>.stride) == 0 {
                        i += 64
                    }
                    while i < common && a[i] == b[i] { i += 1 }
                }
                var j = i
                // Every element of `new` past the common start is checked against the one before it
                // (a rest equal to `old`'s is ascending already).
                while !sameRest(i, j) {
                    if j < b.count && (i == a.count || b[j] <= a[i]) {
                        guard j == 0 || b[j] > b[j - 1] else { return nil }
                        if i < a.count && b[j] == a[i] {
                            i += 1
                        } else {
                            inserted.append(b[j])
                        }
                        j += 1
                    } else {
                        removed.append(a[i])
                        i += 1
                    }
                    if inserted.count + removed.count > maxEdits { return nil }
                }
                guard j == 0 || j == b.count || b[j] > b[j - 1] else { return nil }
                return (inserted, removed)
            }
        }
    }

    /// Adds `delta` to the age index of every kernel whose row is newer than `row`; returns how
    /// many kernels are older.
    @discardableResult
    private mutating func renumber(after row: Int, by delta: Int) -> Int {
        let count = slotRow.count
        // The newest of all, as a new set usually is: nothing to renumber.
        if let newest = newestRow, row > newest { return count }
        var older = 0
        slotRow.withUnsafeBufferPointer { rows in
            kernels.observation.withUnsafeMutableBufferPointer { index in
                for s in 0..<count {
                    let newer = rows[s] > row
                    index[s] &+= newer ? delta : 0
                    older &+= newer ? 0 : 1
                }
            }
        }
        return older
    }

    /// The slot of `row` (exact), or the slot it would take: slots are sorted by axis value,
    /// ties by row.
    private func slot(of row: Int, axisValue v: Double, exact: Bool) -> Int? {
        let base = (kernels.axis ?? 0) * kernels.stride
        var lo = 0, hi = slotRow.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let m = kernels.mu[base + mid]
            if m < v || (m == v && slotRow[mid] < row) { lo = mid + 1 } else { hi = mid }
        }
        if exact { return lo < slotRow.count && slotRow[lo] == row ? lo : nil }
        return lo
    }

    /// The rank of `row` along dim `j` (exact), or the rank it would take.
    private func rank(of row: Int, value v: Double, dim j: Int, values: [Double], stride: Int, exact: Bool) -> Int? {
        let order = sortedRows[j]
        var lo = 0, hi = order.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let m = values[order[mid] * stride + j]
            if m < v || (m == v && order[mid] < row) { lo = mid + 1 } else { hi = mid }
        }
        if exact { return lo < order.count && order[lo] == row ? lo : nil }
        return lo
    }
}
