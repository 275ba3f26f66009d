import Foundation

/// The above side's kernel set, carried from one ask to the next and edited to the new above side
/// instead of built again.
///
/// Between two asks of a study the above side usually gains one observation: the newest set, or
/// the below side's worst one when the newest pushed it out. A kernel's width depends only on its
/// neighbours' values along each dim, so adding (or removing) an observation changes the widths
/// of at most two other kernels per dim; every other kernel keeps its centre, width and
/// constants, and only moves over by one slot. The weights change on every ask and are not kept
/// here.
///
/// Kernels are identified by a key: a completed set's row in the history's table, which the
/// history keeps stable for as long as its `generation` does; a running set (the constant liar's)
/// gets a key of its own from `runningBase` on, in launch order, and keeps it from ask to ask
/// while it runs (matched by its values). Whenever something else changed (the space, the
/// options, the clip of the widths, many observations at once) `splice` refuses and the caller
/// builds the set again.
struct IncrementalAbove {
    private(set) var kernels: KernelSet
    private let generation: Int
    private let options: ParzenEstimator.Options
    private let distributions: [Distribution]
    /// The above side's keys, ascending (which is their age order).
    private var above: [Int]
    /// Per slot: its key.
    private var slotKey: [Int]
    /// Per numeric dim other than the axis: the keys sorted by value there, ties by key.
    private var sortedKeys: [[Int]]
    private var minWidth: [Double]
    /// The newest key kept, when known.
    private var newestKey: Int?
    /// The values of the running sets kept, by key.
    private var running: [Int: [Double]] = [:]
    private var nextRunningKey = runningBase

    /// At most this many observations joining or leaving the above side are edited in; more
    /// are built again.
    static let maxEdits = 8
    /// Keys from here on are running sets'; below it, completed sets' rows.
    static let runningBase = 1 << 48

    /// Keeps `kernels`, built from `table`, whose rows below `completedRows` are completed sets
    /// (ascending, and stable under `generation`) and the others running sets (launch order).
    init(kernels: KernelSet, table: ObservationTable, completedRows: Int, options: ParzenEstimator.Options,
         generation: Int) {
        self.kernels = kernels
        self.generation = generation
        self.options = options
        distributions = kernels.domains.map(\.distribution)
        above = []
        slotKey = []
        sortedKeys = []
        minWidth = kernels.domains.map { KernelSet.minWidth(n: table.indices.count, low: $0.low, high: $0.high, options: options) }
        let keys = keys(of: table, completedRows: completedRows)
        above = keys
        newestKey = keys.last
        slotKey = kernels.observation.map { keys[$0] }
        sortedKeys = kernels.domains.indices.map { j in
            guard kernels.kinds[j] != .categorical, j != kernels.axis else { return [] }
            return keys.sorted { a, b in
                let va = value(a, j, table), vb = value(b, j, table)
                return va != vb ? va < vb : a < b
            }
        }
    }

    /// The keys of `table`'s rows (and the values of running sets that are new): a running set
    /// takes the key of the first kept running set with the same values that keeps the keys
    /// ascending, or a new key.
    private mutating func keys(of table: ObservationTable, completedRows: Int) -> [Int] {
        // No running set (the rows are ascending, so the last one tells).
        if table.indices.last.map({ $0 < completedRows }) ?? true { return table.indices }
        let stride = table.stride
        var kept = running.keys.sorted()
        var keys = [Int]()
        keys.reserveCapacity(table.indices.count)
        var last = -1
        for row in table.indices {
            guard row >= completedRows else {
                keys.append(row)
                last = row
                continue
            }
            let values = Array(table.values[row * stride..<(row + 1) * stride])
            if let at = kept.firstIndex(where: { $0 > last && running[$0] == values }) {
                last = kept.remove(at: at)
            } else {
                last = nextRunningKey
                nextRunningKey += 1
                running[last] = values
            }
            keys.append(last)
        }
        return keys
    }

    /// Value of the set with `key` in dim `j`.
    @inline(__always)
    private func value(_ key: Int, _ j: Int, _ table: ObservationTable) -> Double {
        key < IncrementalAbove.runningBase ? table.values[key * table.stride + j] : running[key]?[j] ?? .nan
    }

    /// Edits the kernels to `table`'s observations (rows from `completedRows` on are running
    /// sets); false (and the set unusable) when that is not possible, or would not be cheaper
    /// than a new build.
    mutating func splice(to table: ObservationTable, completedRows: Int, domains: [ParameterDomain],
                         options: ParzenEstimator.Options, generation: Int) -> Bool {
        guard generation == self.generation, options == self.options, let axis = kernels.axis,
              table.stride == kernels.dims, table.columns.count == kernels.dims,
              domains.count == distributions.count, zip(domains, distributions).allSatisfy({ $0.distribution == $1 })
        else { return false }
        let n = table.indices.count
        for (j, domain) in domains.enumerated()
        where KernelSet.minWidth(n: n, low: domain.low, high: domain.high, options: options) != minWidth[j] {
            return false
        }
        let keys = keys(of: table, completedRows: completedRows)
        guard let (inserted, removed) = IncrementalAbove.difference(from: above, to: keys) else { return false }
        if inserted.isEmpty && removed.isEmpty { return true }

        let numeric = domains.indices.filter { kernels.kinds[$0] != .categorical }
        // Per dim, keys whose width must be measured again.
        var affected = [[Int]](repeating: [], count: domains.count)

        for r in removed {
            guard let slot = slot(of: r, axisValue: value(r, axis, table), exact: true) else { return false }
            if slot > 0 { affected[axis].append(slotKey[slot - 1]) }
            if slot + 1 < slotKey.count { affected[axis].append(slotKey[slot + 1]) }
            for j in numeric where j != axis {
                guard let q = rank(of: r, value: value(r, j, table), dim: j, table: table, exact: true)
                else { return false }
                if q > 0 { affected[j].append(sortedKeys[j][q - 1]) }
                if q + 1 < sortedKeys[j].count { affected[j].append(sortedKeys[j][q + 1]) }
                sortedKeys[j].remove(at: q)
            }
            kernels.remove(slot: slot)
            slotKey.remove(at: slot)
            if r == newestKey { newestKey = nil }
            renumber(after: r, by: -1)
        }
        for r in inserted {
            let older = renumber(after: r, by: 1)
            let slot = self.slot(of: r, axisValue: value(r, axis, table), exact: false) ?? slotKey.count
            kernels.insert(slot: slot, center: (0..<domains.count).map { value(r, $0, table) }, observation: older)
            slotKey.insert(r, at: slot)
            if let newest = newestKey, r > newest { newestKey = r }
            for j in numeric where j != axis {
                let q = rank(of: r, value: value(r, j, table), dim: j, table: table, exact: false) ?? sortedKeys[j].count
                sortedKeys[j].insert(r, at: q)
            }
        }
        // New kernels, and the neighbours they now have.
        for r in inserted {
            guard let slot = slot(of: r, axisValue: value(r, axis, table), exact: true) else { return false }
            affected[axis] += slotKey[max(slot - 1, 0)...min(slot + 1, slotKey.count - 1)]
            for j in numeric where j != axis {
                guard let q = rank(of: r, value: value(r, j, table), dim: j, table: table, exact: true) else { return false }
                affected[j] += sortedKeys[j][max(q - 1, 0)...min(q + 1, sortedKeys[j].count - 1)]
            }
        }
        for j in numeric {
            let domain = domains[j], count = slotKey.count
            for r in affected[j] {
                // A neighbour that left too is not there any more.
                let slot = self.slot(of: r, axisValue: value(r, axis, table), exact: true)
                guard let slot else { continue }
                let q = j == axis ? slot : rank(of: r, value: value(r, j, table), dim: j, table: table, exact: true)
                guard let q else { continue }
                // The values at ranks q - 1, q and q + 1, the domain's ends standing in past either end.
                var near = [domain.low, 0, domain.high]
                for (k, rk) in (q - 1...q + 1).enumerated() where rk >= 0 && rk < count {
                    near[k] = j == axis ? kernels.mu[axis * kernels.stride + rk] : value(sortedKeys[j][rk], j, table)
                }
                let w = KernelSet.width(previous: near[0], value: near[1], next: near[2], rank: q + 1, of: count,
                                        minWidth: minWidth[j], range: domain.high - domain.low, options: options)
                kernels.setWidth(w, slot: slot, dim: j)
            }
        }
        for r in removed where r >= IncrementalAbove.runningBase { running[r] = nil }
        above = keys
        newestKey = above.last
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

    /// Adds `delta` to the age index of every kernel newer than the one with `key`; returns how
    /// many kernels are older.
    @discardableResult
    private mutating func renumber(after key: Int, by delta: Int) -> Int {
        let count = slotKey.count
        // The newest of all, as a new set usually is: nothing to renumber.
        if let newest = newestKey, key > newest { return count }
        var older = 0
        slotKey.withUnsafeBufferPointer { keys in
            kernels.observation.withUnsafeMutableBufferPointer { index in
                for s in 0..<count {
                    let newer = keys[s] > key
                    index[s] &+= newer ? delta : 0
                    older &+= newer ? 0 : 1
                }
            }
        }
        return older
    }

    /// The slot of `key` (exact), or the slot it would take: slots are sorted by axis value,
    /// ties by key.
    private func slot(of key: Int, axisValue v: Double, exact: Bool) -> Int? {
        let base = (kernels.axis ?? 0) * kernels.stride
        var lo = 0, hi = slotKey.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let m = kernels.mu[base + mid]
            if m < v || (m == v && slotKey[mid] < key) { lo = mid + 1 } else { hi = mid }
        }
        if exact { return lo < slotKey.count && slotKey[lo] == key ? lo : nil }
        return lo
    }

    /// The rank of `key` along dim `j` (exact), or the rank it would take.
    private func rank(of key: Int, value v: Double, dim j: Int, table: ObservationTable, exact: Bool) -> Int? {
        let order = sortedKeys[j]
        var lo = 0, hi = order.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let m = value(order[mid], j, table)
            if m < v || (m == v && order[mid] < key) { lo = mid + 1 } else { hi = mid }
        }
        if exact { return lo < order.count && order[lo] == key ? lo : nil }
        return lo
    }
}
