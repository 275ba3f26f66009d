import Foundation

/// A trial's metric rows, kept by column: a step per row, and per metric the rows that report it
/// with their values. About 12 bytes per value and 8 per row, against a dictionary per row (some
/// 1.1 KB for four metrics), so a job that logs a million rows costs tens of megabytes, not a
/// gigabyte. The store holds every row too; this is what scoring, pruning and the charts read.
public struct MetricSeries: Sendable, Hashable {
    struct Column: Sendable, Hashable {
        var rows: [Int32] = []
        var values: [Double] = []
    }

    /// The step of each row; `noStep` where the row had none.
    private var steps: [Int] = []
    private var names: [String] = []
    private var columnOf: [String: Int] = [:]
    private var columns: [Column] = []
    private static let noStep = Int.min

    public init() {}

    public init(_ rows: some Sequence<MetricRow>) {
        append(contentsOf: rows)
    }

    /// Metric names in the order they first appeared.
    public var keys: [String] { names }

    /// The step of the last row (nil when it had none, or there is no row).
    /// Rows appended so far.
    public var rowCount: Int { steps.count }
    public var lastStep: Int? { steps.last.flatMap { $0 == Self.noStep ? nil : $0 } }

    public mutating func append(_ row: MetricRow) {
        // Past 2^31 rows a trial's further rows are not kept here (the store still has them).
        guard steps.count < Int(Int32.max) else { return }
        let index = Int32(steps.count)
        steps.append(row.step ?? Self.noStep)
        for (name, value) in row.values {
            let c: Int
            if let known = columnOf[name] {
                c = known
            } else {
                c = columns.count
                columnOf[name] = c
                names.append(name)
                columns.append(Column())
            }
            columns[c].rows.append(index)
            columns[c].values.append(value)
        }
    }

    public mutating func append(contentsOf rows: some Sequence<MetricRow>) {
        for row in rows { append(row) }
    }

    /// Every value of one metric, in row order.
    public func values(_ key: String) -> [Double] {
        columnOf[key].map { columns[$0].values } ?? []
    }

    /// How many rows report `key`.
    public func count(of key: String) -> Int {
        columnOf[key].map { columns[$0].values.count } ?? 0
    }

    /// The last value of `key`, with the step of its row (or the row's index when it had no step).
    public func last(_ key: String) -> (step: Int, value: Double)? {
        guard let c = columnOf[key], let row = columns[c].rows.last, let value = columns[c].values.last else { return nil }
        return (step(at: Int(row)), value)
    }

    /// The series of one metric, as (step or row index, value) pairs.
    public func series(_ key: String) -> [(step: Int, value: Double)] {
        guard let c = columnOf[key] else { return [] }
        let column = columns[c]
        return zip(column.rows, column.values).map { (step(at: Int($0.0)), $0.1) }
    }

    private func step(at row: Int) -> Int {
        steps[row] == Self.noStep ? row : steps[row]
    }

    /// The same rows, whatever order the metrics first appeared in.
    public static func == (a: MetricSeries, b: MetricSeries) -> Bool {
        guard a.steps == b.steps, a.columns.count == b.columns.count else { return false }
        return a.columnOf.allSatisfy { name, c in b.columnOf[name].map { b.columns[$0] == a.columns[c] } ?? false }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(steps)
        hasher.combine(Set(names))
    }
}

extension MetricSeries: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { steps.count }

    /// Row `i` as it was appended (built on demand: prefer `values(_:)` and `series(_:)`).
    public subscript(i: Int) -> MetricRow {
        var values: [String: Double] = [:]
        for (c, column) in columns.enumerated() {
            if let at = Self.find(Int32(i), in: column.rows) { values[names[c]] = column.values[at] }
        }
        return MetricRow(step: steps[i] == Self.noStep ? nil : steps[i], values: values)
    }

    private static func find(_ row: Int32, in rows: [Int32]) -> Int? {
        var lo = 0, hi = rows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if rows[mid] < row { lo = mid + 1 } else { hi = mid }
        }
        return lo < rows.count && rows[lo] == row ? lo : nil
    }
}
