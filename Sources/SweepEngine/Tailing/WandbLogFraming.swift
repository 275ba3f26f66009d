/// W&B's run files (`run-<id>.wandb`) are LevelDB logs behind a 7-byte header of W&B's own
/// (":W&B", the magic 0xBEE1 as a little-endian uint16, the version byte 0). The file is cut
/// into 32 KiB blocks counted from its first byte; a block holds chunks, each a 7-byte header
/// (CRC-32 of the type byte and the data, as zlib's, uint32 LE; the data's length, uint16 LE;
/// the type: FULL, or FIRST, MIDDLE..., LAST for a record cut at block ends) and its data. A
/// block's last bytes, when fewer than a chunk header, are zeros. wandb-core writes this
/// (core/pkg/leveldb, with its IEEE CRC), as the Python `datastore.py` did before it.
///
/// This takes the bytes of a file as they are appended (`append`) and hands back whole records
/// (`next`); a record still being written waits for the rest. A chunk that fails its checksum
/// is passed over and counted, and so is the record it belonged to; a header that is not W&B's
/// stops the reading. Pure: the reading is the tailer's.
struct WandbLogFraming {
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The file does not start with W&B's header.
        case notWandb(header: [UInt8])
        /// A W&B file of a format version this reader does not know.
        case unsupportedVersion(UInt8)

        var description: String {
            switch self {
            case .notWandb(let header):
                return "the file does not start with W&B's run-file header (it starts with \(header.map { String(format: "%02x", $0) }.joined(separator: " ")))"
            case .unsupportedVersion(let version):
                return "the W&B run file is of format version \(version); this hypertop reads version 0"
            }
        }
    }

    static let blockSize = 32 * 1024
    static let chunkHeaderBytes = 7
    static let fileHeader: [UInt8] = Array(":W&B".utf8) + [0xE1, 0xBE, 0]
    /// Longest record kept: W&B's history rows are a few hundred bytes, a row with a long text
    /// more; a longer one is passed over (and counted) rather than held in memory.
    static let maxRecord = 64 * 1024 * 1024

    enum ChunkType: UInt8 { case full = 1, first, middle, last }

    private var buffer = ByteQueue()
    /// The file offset of `buffer[0]`.
    private var position: Int64 = 0
    /// Bytes before this file offset are passed over as they come (a block's padding, or the
    /// rest of a block whose chunk header is impossible).
    private var skipUntil: Int64 = 0
    /// The record being put together from FIRST and MIDDLE chunks, and where it began.
    private var partial: [UInt8]?
    private var partialStart: Int64 = 0
    /// After a lost chunk, its record's remaining MIDDLE and LAST chunks are passed over quietly.
    private var droppingRecord = false
    /// Records (or parts of records) passed over: a chunk that fails its checksum or has an
    /// impossible header, a record left unfinished or begun in the middle, an oversized one.
    private(set) var corruptRecords = 0
    /// Once the header is found wrong, nothing more is read.
    private(set) var failure: Failure?

    /// The file offset reading goes on from: the first chunk of the record being put together,
    /// else the first byte not yet read. Never past the bytes appended.
    var offset: Int64 { partial == nil ? position : partialStart }

    mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard failure == nil else { return }
        buffer.append(bytes)
    }

    /// The next whole record's data, nil until one is whole; throws once the header is found wrong.
    mutating func next() throws -> [UInt8]? {
        while true {
            if let failure { throw failure }
            let available = buffer.count
            if position < skipUntil {
                let n = Int(min(Int64(available), skipUntil - position))
                consume(n)
                if position < skipUntil { return nil }
                continue
            }
            if position == 0 {
                // Refuse a file that is not W&B's as soon as its first bytes say so.
                let seen = Array(buffer[0..<min(available, Self.fileHeader.count)])
                if seen != Array(Self.fileHeader.prefix(seen.count)) {
                    if seen.count == Self.fileHeader.count && seen.prefix(6) == Self.fileHeader.prefix(6) {
                        failure = .unsupportedVersion(seen[6])
                    } else {
                        failure = .notWandb(header: seen)
                    }
                    throw failure!
                }
                guard seen.count == Self.fileHeader.count else { return nil }
                consume(Self.fileHeader.count)
                continue
            }
            let left = Self.blockSize - Int(position % Int64(Self.blockSize))
            if left < Self.chunkHeaderBytes {
                skipUntil = position + Int64(left)  // the block's zero padding
                continue
            }
            guard available >= Self.chunkHeaderBytes else { return nil }
            let checksum = buffer.uint32(at: 0)
            let length = Int(buffer[4]) | Int(buffer[5]) << 8
            let typeByte = buffer[6]
            if checksum == 0 && length == 0 && typeByte == 0 {
                // A zeroed block end (a file written through mmap or preallocated): nothing more
                // in this block. A record's FIRST and MIDDLE chunks end at their block's end, so
                // one being put together was cut short.
                if partial != nil { lose() }
                skipUntil = position + Int64(left)
                continue
            }
            guard let type = ChunkType(rawValue: typeByte), Self.chunkHeaderBytes + length <= left else {
                // Chunks never cross a block end: the rest of this block cannot be read.
                lose()
                skipUntil = position + Int64(left)
                continue
            }
            let total = Self.chunkHeaderBytes + length
            guard available >= total else { return nil }
            let chunkStart = position
            let valid = CRC32.ieee(buffer[6..<total]) == checksum
            let data = buffer[Self.chunkHeaderBytes..<total]
            consume(total)
            guard valid else {
                lose()
                continue
            }
            switch type {
            case .full, .first:
                if partial != nil { corruptRecords += 1 }  // the record before was left unfinished
                droppingRecord = false
                if type == .full {
                    partial = nil
                    return Array(data)
                }
                partial = Array(data)
                partialStart = chunkStart
            case .middle, .last:
                guard var record = partial else {
                    // The rest of a record whose beginning was lost: counted once, when first seen.
                    if !droppingRecord { corruptRecords += 1 }
                    droppingRecord = type == .middle
                    continue
                }
                guard record.count + data.count <= Self.maxRecord else {
                    partial = nil
                    corruptRecords += 1
                    droppingRecord = type == .middle
                    continue
                }
                record.append(contentsOf: data)
                partial = nil  // not held twice while it grows
                if type == .last { return record }
                partial = record
            }
        }
    }

    /// A chunk is lost: it, and the record it was part of, are counted once and passed over.
    private mutating func lose() {
        corruptRecords += 1
        partial = nil
        droppingRecord = true
    }

    private mutating func consume(_ n: Int) {
        buffer.removeFirst(n)
        position += Int64(n)
    }

    /// A run file holding `records`, chunked as wandb-core's writer chunks them (for tests and
    /// fixtures): a chunk header goes in a block only where it fits whole, else the block is
    /// padded with zeros; a record that reaches a block's end goes on in the next block.
    static func file(_ records: [[UInt8]]) -> [UInt8] {
        var out = fileHeader
        func chunk(_ type: ChunkType, _ data: ArraySlice<UInt8>) {
            let crc = CRC32.ieee(data, continuing: CRC32.ieee([type.rawValue]))
            out += (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) }
            out += [UInt8(truncatingIfNeeded: data.count), UInt8(truncatingIfNeeded: data.count >> 8), type.rawValue]
            out += data
        }
        for record in records {
            var rest = record[...]
            var first = true
            while true {
                var left = blockSize - out.count % blockSize
                if left < chunkHeaderBytes {
                    out += [UInt8](repeating: 0, count: left)
                    left = blockSize
                }
                let room = left - chunkHeaderBytes
                let piece = rest.prefix(room)
                rest = rest.dropFirst(piece.count)
                let end = rest.isEmpty
                chunk(first ? (end ? .full : .first) : (end ? .last : .middle), piece)
                if end { break }
                first = false
            }
        }
        return out
    }
}
