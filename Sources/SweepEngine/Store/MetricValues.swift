import Foundation

/// Binary forms of metric rows. Binary because reopening a study reads every row of every trial
/// (a million for 10,000 trials) and this decodes without parsing.
/// - one row's values (`hypertop_metrics.metric_values`): per entry a little-endian UInt32 key id
///   then a little-endian Float64 (12 bytes an entry);
/// - a finished trial's rows (`hypertop_trial_metrics.rows`): per row a little-endian Int64 event
///   id, Int64 step (Int64.min for none), UInt32 entry count, then its entries as above.
enum MetricValues {
    static let entrySize = 12
    static let rowHeaderSize = 20
    static let noStep = Int64.min

    typealias Entry = (key: UInt32, value: Double)

    static func pack(_ entries: [Entry]) -> Data {
        var data = Data(count: entries.count * entrySize)
        data.withUnsafeMutableBytes { raw in
            for (i, e) in entries.enumerated() { store(e, raw, i * entrySize) }
        }
        return data
    }

    /// Calls `body` with each (key id, value); stops at a truncated tail rather than reading past it.
    static func unpack(_ raw: UnsafeRawBufferPointer, _ body: (UInt32, Double) -> Void) {
        var offset = 0
        while offset + entrySize <= raw.count {
            body(load(raw, offset, UInt32.self), Double(bitPattern: load(raw, offset + 4, UInt64.self)))
            offset += entrySize
        }
    }

    /// Calls `row` for each packed row with its event id, step and entries' bytes.
    static func unpackRows(_ raw: UnsafeRawBufferPointer, _ row: (Int64, Int?, UnsafeRawBufferPointer) -> Void) {
        var offset = 0
        while offset + rowHeaderSize <= raw.count {
            let eventID = load(raw, offset, Int64.self)
            let step = load(raw, offset + 8, Int64.self)
            let count = Int(load(raw, offset + 16, UInt32.self))
            offset += rowHeaderSize
            let size = min(count * entrySize, raw.count - offset)
            row(eventID, step == noStep ? nil : Int(step), UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + size)]))
            offset += size
        }
    }

    private static func store(_ e: Entry, _ raw: UnsafeMutableRawBufferPointer, _ offset: Int) {
        raw.storeBytes(of: e.key.littleEndian, toByteOffset: offset, as: UInt32.self)
        raw.storeBytes(of: e.value.bitPattern.littleEndian, toByteOffset: offset + 4, as: UInt64.self)
    }

    private static func load<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, _ offset: Int, _: T.Type) -> T {
        T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
