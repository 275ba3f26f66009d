/// TensorBoard's event files are TFRecord streams: each record is its length (uint64, little
/// endian), the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
/// This takes the bytes of a file as they are appended (`append`) and hands back whole records
/// (`next`); a record still being written waits for the rest. Pure: the reading is the tailer's.
struct TFRecordFraming {
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// A length whose CRC does not match: the framing is lost from here on.
        case lengthChecksum(offset: Int64)
        /// A length no event has: the framing is lost from here on.
        case tooLong(offset: Int64, length: UInt64)

        var description: String {
            switch self {
            case .lengthChecksum(let offset): return "the record at byte \(offset) has a length whose checksum does not match"
            case .tooLong(let offset, let length): return "the record at byte \(offset) says it is \(length) bytes long"
            }
        }
    }

    /// Longest record taken: TensorBoard's scalars are a few dozen bytes, images and graphs more.
    static let maxRecord: UInt64 = 64 * 1024 * 1024
    static let headerBytes = 12, footerBytes = 4

    private var buffer = ByteQueue()
    /// The file offset of the next record not yet handed back.
    private(set) var offset: Int64 = 0
    /// Records whose data did not match their checksum: passed over (their length was sound).
    private(set) var corruptRecords = 0
    /// Once the framing is lost, nothing more is read.
    private(set) var failure: Failure?

    mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard failure == nil else { return }
        buffer.append(bytes)
    }

    /// The next whole record's data, nil until one is whole; throws once the framing is lost.
    mutating func next() throws -> [UInt8]? {
        while true {
            if let failure { throw failure }
            guard buffer.count >= Self.headerBytes else { return nil }
            let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(buffer[$1]) << (8 * UInt64($1)) }
            let lengthCRC = buffer.uint32(at: 8)
            guard CRC32.masked(CRC32.castagnoli(buffer[0..<8])) == lengthCRC else {
                failure = .lengthChecksum(offset: offset)
                throw failure!
            }
            guard length <= Self.maxRecord else {
                failure = .tooLong(offset: offset, length: length)
                throw failure!
            }
            let total = Self.headerBytes + Int(length) + Self.footerBytes
            guard buffer.count >= total else { return nil }
            let data = Array(buffer[Self.headerBytes..<Self.headerBytes + Int(length)])
            let dataCRC = buffer.uint32(at: Self.headerBytes + Int(length))
            buffer.removeFirst(total)
            offset += Int64(total)
            if CRC32.masked(CRC32.castagnoli(data)) == dataCRC { return data }
            corruptRecords += 1
        }
    }

    /// One record framed as TensorBoard writes it (for tests and fixtures).
    static func frame(_ data: [UInt8]) -> [UInt8] {
        let length = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(data.count) >> (8 * UInt64($0))) }
        func le(_ w: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * UInt32($0))) } }
        return length + le(CRC32.masked(CRC32.castagnoli(length))) + data + le(CRC32.masked(CRC32.castagnoli(data)))
    }
}
