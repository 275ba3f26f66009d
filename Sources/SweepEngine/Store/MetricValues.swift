import Foundation

/// Packs one metric row's values for `hypertop_metrics.metric_values`: per entry a little-endian
/// UInt32 key id then a little-endian Float64. Binary because a study is reopened by reading
/// every row of every trial (a million rows for 10,000 trials), and this decodes without parsing.
enum MetricValues {
    static let entrySize = 12

    static func pack(_ entries: [(key: UInt32, value: Double)]) -> Data {
        var bytes = [UInt8](repeating: 0, count: entries.count * entrySize)
        bytes.withUnsafeMutableBytes { raw in
            for (i, e) in entries.enumerated() {
                raw.storeBytes(of: e.key.littleEndian, toByteOffset: i * entrySize, as: UInt32.self)
                raw.storeBytes(of: e.value.bitPattern.littleEndian, toByteOffset: i * entrySize + 4, as: UInt64.self)
            }
        }
        return Data(bytes)
    }

    /// Calls `body` with each (key id, value); stops at a truncated tail rather than reading past it.
    static func unpack(_ data: Data, _ body: (UInt32, Double) -> Void) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset + entrySize <= raw.count {
                let key = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt64.self))
                body(key, Double(bitPattern: bits))
                offset += entrySize
            }
        }
    }
}
