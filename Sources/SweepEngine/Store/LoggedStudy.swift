import Foundation
import Synchronization
import GRDB
import HyperOpt

/// Metric key ids to names; ids of one study are dense, so an array beats hashing a million times.
struct MetricKeyNames: Sendable {
    private var base: UInt32 = 0
    private var names: [String?] = []

    mutating func add(_ id: UInt32, _ name: String) {
        if names.isEmpty { base = id }
        if id < base {
            names = [String?](repeating: nil, count: Int(base - id)) + names
            base = id
        }
        let i = Int(id - base)
        if i >= names.count { names += [String?](repeating: nil, count: i - names.count + 1) }
        names[i] = name
    }

    subscript(id: UInt32) -> String? {
        guard id >= base, Int(id - base) < names.count else { return nil }
        return names[Int(id - base)]
    }
}

/// Turns packed entries into a MetricRow's dictionary. Consecutive rows almost always carry the same
/// series in the same (key id) order: for those, `mapValues` on a template dictionary builds the
/// new dictionary with the template's layout, without hashing a key; a million rows make it count.
struct MetricRowDecoder {
    let keys: MetricKeyNames
    /// The key ids of the last layout, and a dictionary of those names whose values are positions.
    private var layout: [UInt32] = []
    private var template: [String: Double] = [:]
    private var values: [Double] = []

    init(keys: MetricKeyNames) { self.keys = keys }

    mutating func row(step: Int?, entries: UnsafeRawBufferPointer) -> MetricRow {
        values.removeAll(keepingCapacity: true)
        var same = true
        var i = 0
        MetricValues.unpack(entries) { key, value in
            if same && (i >= layout.count || layout[i] != key) { same = false }
            values.append(value)
            i += 1
        }
        if !same || i != layout.count { relayout(entries) }
        guard template.count == values.count else {
            // Unknown key ids or a repeated key: no template fits, build it the plain way.
            var plain: [String: Double] = [:]
            MetricValues.unpack(entries) { key, value in
                if let name = keys[key] { plain[name] = value }
            }
            return MetricRow(step: step, values: plain)
        }
        let current = values
        return MetricRow(step: step, values: template.mapValues { current[Int($0)] })
    }

    private mutating func relayout(_ entries: UnsafeRawBufferPointer) {
        layout.removeAll(keepingCapacity: true)
        template = [:]
        var position = 0.0
        MetricValues.unpack(entries) { key, _ in
            layout.append(key)
            if let name = keys[key] { template[name] = position }
            position += 1
        }
    }
}

/// A hypertop study's log as bytes copied out of one read transaction, replayed into a `Study`
/// outside it. Decoding a large study (a million metric rows) is split over the cores.
struct LoggedStudy: Sendable {
    let cursor: Int64
    private let payloads: [String]
    private let keys: MetricKeyNames
    /// Finished trials' packed rows, by trial number.
    private let packed: [(number: Int, data: Data)]
    /// Rows of running trials (and rows logged after a trial's finish), in logged order.
    private let live: [(number: Int, step: Int?, data: Data)]

    init(_ db: Database, studyID: Int) throws {
        cursor = try StudyStore.lastEventID(db)
        keys = try StudyStore.metricKeys(db, studyID)
        let numbers = try StudyStore.trialNumbers(db, studyID)
        payloads = try String.fetchAll(db, sql: "SELECT payload FROM hypertop_events WHERE study_id = ? ORDER BY event_id",
                                       arguments: [studyID])
        var packed: [(number: Int, data: Data)] = []
        packed.reserveCapacity(numbers.count)
        let blobs = try Row.fetchCursor(db, sql: #"SELECT trial_id, "rows" FROM hypertop_trial_metrics WHERE study_id = ?"#,
                                        arguments: [studyID])
        while let row = try blobs.next() {
            if let number = numbers[row[0]] { packed.append((number, row[1])) }
        }
        self.packed = packed
        var live: [(number: Int, step: Int?, data: Data)] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT trial_id, step, metric_values FROM hypertop_metrics WHERE study_id = ? ORDER BY metric_row_id
            """, arguments: [studyID])
        while let row = try rows.next() {
            if let number = numbers[row[0]] { live.append((number, row[1], row[2])) }
        }
        self.live = live
    }

    func replay() throws -> Study {
        // Jobs: payload halves and metric-row slices, balanced over the cores.
        let slices = packed.count < 64 ? 1 : 4
        let payloadHalves = payloads.count < 256 ? 1 : 2
        let events = SliceResults<Result<[EngineEvent], any Error>>(count: payloadHalves, initial: .success([]))
        let rows = SliceResults<[(Int, [MetricRow])]>(count: slices, initial: [])
        let payloadChunk = (payloads.count + payloadHalves - 1) / payloadHalves
        let rowChunk = (packed.count + slices - 1) / slices
        DispatchQueue.concurrentPerform(iterations: payloadHalves + slices) { job in
            if job < payloadHalves {
                let range = min(payloads.count, job * payloadChunk)..<min(payloads.count, (job + 1) * payloadChunk)
                events[job] = Result { try EventCoding.decodeAll(Array(payloads[range])) }
            } else {
                let s = job - payloadHalves
                let range = min(packed.count, s * rowChunk)..<min(packed.count, (s + 1) * rowChunk)
                var decoder = MetricRowDecoder(keys: keys)
                rows[s] = range.map { decodePacked(packed[$0], &decoder) }
            }
        }
        var byTrial: [Int: [MetricRow]] = Dictionary(minimumCapacity: packed.count)
        for slice in rows.all {
            for (number, trialRows) in slice { byTrial[number] = trialRows }
        }
        var decoder = MetricRowDecoder(keys: keys)
        for row in live {
            let decoded = row.data.withUnsafeBytes { decoder.row(step: row.step, entries: $0) }
            byTrial[row.number, default: []].append(decoded)
        }
        var study = Study()
        for half in events.all {
            // Metrics of a trial replay right after its launch: the result is the same Study, and
            // the rows go in as one event per trial instead of one per logged row.
            for event in try half.get() {
                study.apply(event)
                if case .launched(let launch) = event, let trialRows = byTrial.removeValue(forKey: launch.number) {
                    study.apply(.metrics(trial: launch.number, rows: trialRows))
                }
            }
        }
        return study
    }

    private func decodePacked(_ trial: (number: Int, data: Data), _ decoder: inout MetricRowDecoder) -> (Int, [MetricRow]) {
        var out: [MetricRow] = []
        trial.data.withUnsafeBytes { raw in
            MetricValues.unpackRows(raw) { _, step, entries in out.append(decoder.row(step: step, entries: entries)) }
        }
        return (trial.number, out)
    }
}

/// One result cell per job of a `concurrentPerform`: each job writes only its own cell, once,
/// and the cells are read after the call returns.
final class SliceResults<T: Sendable>: Sendable {
    private let cells: Mutex<[T]>

    init(count: Int, initial: T) {
        cells = Mutex(Array(repeating: initial, count: count))
    }

    subscript(job: Int) -> T {
        get { cells.withLock { $0[job] } }
        set { cells.withLock { $0[job] = newValue } }
    }

    var all: [T] { cells.withLock { $0 } }
}
