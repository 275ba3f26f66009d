/// The bytes of a run file as they are appended, read from the front: the buffer of the framing
/// readers (`TFRecordFraming`, `WandbLogFraming`). Indices count from the first unread byte.
/// What was read is dropped once it is half the buffer, so holding a long file costs only what
/// is still unread.
struct ByteQueue {
    private var bytes: [UInt8] = []
    private var start = 0

    /// Bytes appended and not yet read.
    var count: Int { bytes.count - start }

    mutating func append<C: Collection>(_ more: C) where C.Element == UInt8 {
        if start > 0 && start >= bytes.count / 2 {
            bytes.removeFirst(start)
            start = 0
        }
        bytes.append(contentsOf: more)
    }

    subscript(i: Int) -> UInt8 { bytes[start + i] }

    subscript(range: Range<Int>) -> ArraySlice<UInt8> { bytes[start + range.lowerBound..<start + range.upperBound] }

    /// The little-endian uint32 at `i`, as both framings store their checksums.
    func uint32(at i: Int) -> UInt32 {
        UInt32(self[i]) | UInt32(self[i + 1]) << 8 | UInt32(self[i + 2]) << 16 | UInt32(self[i + 3]) << 24
    }

    /// Marks the first `n` unread bytes read.
    mutating func removeFirst(_ n: Int) { start += n }
}
