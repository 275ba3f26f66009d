import Foundation
@testable import SweepEngine
import XCTest

/// Issue 28: the LevelDB-log framing of W&B's run files, fed bytes as the file grows.
final class WandbLogFramingTests: XCTestCase {
    private static let block = WandbLogFraming.blockSize

    /// Records laid out so that the file has every case of the format: a block that ends in 3
    /// bytes of padding, a block with exactly a chunk header's room left (an empty FIRST chunk
    /// there), records cut over two and over four blocks (FIRST, MIDDLE, LAST), empty records.
    private static let records: [[UInt8]] = {
        func bytes(_ n: Int, _ seed: UInt8) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31) &+ seed } }
        return [
            bytes(block - 7 - 7 - 3, 1),  // fills block 0 but for 3 bytes: padding
            bytes(block - 7 - 7, 2),  // fills block 1 but for 7 bytes: an empty FIRST there
            bytes(100, 3),  // its LAST in block 2
            [],
            bytes(100_000, 4),  // FIRST, MIDDLE, MIDDLE, LAST
            bytes(1, 5),
            [],
            bytes(40_000, 6),
            bytes(33, 7),
        ]
    }()

    private func readAll(_ bytes: [UInt8], pieces: Int) throws -> (records: [[UInt8]], framing: WandbLogFraming) {
        var framing = WandbLogFraming()
        var got: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            framing.append(bytes[i..<min(bytes.count, i + pieces)])
            i += pieces
            while let record = try framing.next() { got.append(record) }
        }
        return (got, framing)
    }

    /// Records as their lengths and CRCs, so that a failure prints a line, not megabytes.
    private func digest(_ records: [[UInt8]]) -> [String] { records.map { "\($0.count)/\(CRC32.ieee($0))" } }

    private func chunkType(_ file: [UInt8], at offset: Int) -> (length: Int, type: UInt8) {
        (Int(file[offset + 4]) | Int(file[offset + 5]) << 8, file[offset + 6])
    }

    /// The test file has the cases it claims, laid out as wandb-core lays them out.
    func testTheFileHasPaddingAnEmptyFirstChunkAndRecordsOverSeveralBlocks() {
        let file = WandbLogFraming.file(Self.records)
        XCTAssertEqual(Array(file[..<7]), Array(":W&B".utf8) + [0xE1, 0xBE, 0x00])
        XCTAssertEqual(chunkType(file, at: 7).type, 1)
        XCTAssertEqual(Array(file[Self.block - 3..<Self.block]), [0, 0, 0], "padding")
        XCTAssertEqual(chunkType(file, at: Self.block).type, 1)
        XCTAssertTrue(chunkType(file, at: 2 * Self.block - 7) == (0, 2), "an empty FIRST in the block's last 7 bytes")
        XCTAssertTrue(chunkType(file, at: 2 * Self.block) == (100, 4))
        let big = 2 * Self.block + 7 + 100 + 7  // after the LAST of 100 and the empty record
        XCTAssertEqual(chunkType(file, at: big).type, 2)
        XCTAssertTrue(chunkType(file, at: 3 * Self.block) == (Self.block - 7, 3), "a MIDDLE fills a whole block")
        XCTAssertEqual(chunkType(file, at: 4 * Self.block).type, 3)
        XCTAssertEqual(chunkType(file, at: 5 * Self.block).type, 4)
    }

    /// Whole, in pieces of any size, or byte by byte: the same records, each handed back the
    /// moment its last byte is there and not before.
    func testRecordsComeWholeAndOnlyOnceWholeHoweverTheBytesArrive() throws {
        let file = WandbLogFraming.file(Self.records)
        for pieces in [file.count, 32_768, 4096, 1000, 7, 3] {
            let (got, framing) = try readAll(file, pieces: pieces)
            XCTAssertEqual(digest(got), digest(Self.records), "in pieces of \(pieces)")
            XCTAssertEqual(framing.offset, Int64(file.count))
            XCTAssertEqual(framing.corruptRecords, 0)
            XCTAssertNil(framing.failure)
        }
        // Where each record's last byte is: the length of the file holding it and those before.
        let ends = Self.records.indices.map { WandbLogFraming.file(Array(Self.records[...$0])).count }
        var framing = WandbLogFraming()
        var got: [Int: Int] = [:]  // record -> bytes fed when it came
        for (fed, byte) in file.enumerated() {
            framing.append(CollectionOfOne(byte))
            while let record = try framing.next() {
                got[got.count] = fed + 1
                XCTAssertEqual(digest([record]), digest([Self.records[got.count - 1]]))
                XCTAssertEqual(framing.offset, Int64(fed + 1))
            }
            XCTAssertLessThanOrEqual(framing.offset, Int64(fed + 1))
        }
        XCTAssertEqual(got.count, Self.records.count)
        XCTAssertEqual((0..<got.count).map { got[$0]! }, ends)
    }

    /// A file cut anywhere (in a header, a chunk header, a chunk, between the chunks of a
    /// record) gives the records that are whole, then waits; nothing is counted as corrupt, and
    /// the rest, when it comes, gives the others.
    func testATruncatedFileGivesItsWholeRecordsThenWaits() throws {
        let file = WandbLogFraming.file(Self.records)
        let ends = Self.records.indices.map { WandbLogFraming.file(Array(Self.records[...$0])).count }
        for cut in [0, 3, 7, 10, 20_000, Self.block - 1, Self.block + 3, 2 * Self.block - 3, 2 * Self.block + 50, 3 * Self.block + 5, file.count - 1] {
            var framing = WandbLogFraming()
            framing.append(file[..<cut])
            var got: [[UInt8]] = []
            while let record = try framing.next() { got.append(record) }
            let whole = ends.filter { $0 <= cut }.count
            XCTAssertEqual(digest(got), digest(Array(Self.records.prefix(whole))), "cut at \(cut)")
            XCTAssertEqual(framing.corruptRecords, 0)
            XCTAssertNil(try framing.next(), "asked again, still waiting")
            XCTAssertLessThanOrEqual(framing.offset, Int64(cut))
            framing.append(file[cut...])
            while let record = try framing.next() { got.append(record) }
            XCTAssertEqual(digest(got), digest(Self.records), "cut at \(cut), then the rest")
        }
    }

    /// A chunk whose checksum fails is passed over and counted once with its record; the next
    /// records still read. A MIDDLE chunk lost loses its whole record, and its LAST is not counted again.
    func testACorruptChunkIsCountedAndPassedOver() throws {
        let records: [[UInt8]] = [Array("first".utf8), Array("second".utf8), Array("third".utf8)]
        var file = WandbLogFraming.file(records)
        file[7 + 7 + 5 + 7 + 2] ^= 0x20  // a byte of "second"
        let (got, framing) = try readAll(file, pieces: file.count)
        XCTAssertEqual(got, [records[0], records[2]])
        XCTAssertEqual(framing.corruptRecords, 1)

        var spanning = WandbLogFraming.file(Self.records)
        spanning[4 * Self.block + 100] ^= 0x01  // inside the second MIDDLE of the 100,000-byte record
        let (some, counted) = try readAll(spanning, pieces: 1000)
        XCTAssertEqual(digest(some), digest(Self.records.filter { $0.count != 100_000 }))
        XCTAssertEqual(counted.corruptRecords, 1)

        // The type byte is under the checksum too.
        var retyped = WandbLogFraming.file(records)
        retyped[7 + 6] = 4
        XCTAssertEqual(try readAll(retyped, pieces: 5).records, Array(records.dropFirst()))
    }

    /// A chunk header that cannot be (a length past the block's end, an unknown type) loses the
    /// rest of its block, counted; the next block reads.
    func testAnImpossibleChunkHeaderLosesTheRestOfItsBlock() throws {
        for (offset, byte) in [(5, UInt8(0xFF)), (6, UInt8(9))] {
            var file = WandbLogFraming.file(Self.records)
            let secondBlock = Self.block
            file[secondBlock + offset] = byte  // the record that fills block 1 and starts at its beginning
            let (got, framing) = try readAll(file, pieces: 777)
            // Block 1 held that record and the empty FIRST of the next one, whose LAST is passed over.
            XCTAssertEqual(digest(got), digest([Self.records[0]] + Self.records[3...]), "byte \(offset) set to \(byte)")
            XCTAssertEqual(framing.corruptRecords, 1, "byte \(offset) set to \(byte)")
            XCTAssertEqual(framing.offset, Int64(file.count))
        }
    }

    /// A FIRST chunk with no LAST before the next record, and a LAST with no FIRST, are counted.
    func testRecordsCutOffByTheWriterAreCounted() throws {
        func chunk(_ type: UInt8, _ data: [UInt8]) -> [UInt8] {
            let crc = CRC32.ieee([type] + data)
            return (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) } + [UInt8(data.count), 0, type] + data
        }
        let file = WandbLogFraming.fileHeader + chunk(2, [1, 2]) + chunk(1, [3]) + chunk(3, [4]) + chunk(4, [5]) + chunk(1, [6])
            + chunk(2, [7]) + chunk(3, [8]) + chunk(4, [9])
        let (got, framing) = try readAll(file, pieces: 2)
        XCTAssertEqual(got, [[3], [6], [7, 8, 9]])
        XCTAssertEqual(framing.corruptRecords, 2, "the unfinished [1, 2], and [4][5] whose FIRST is missing")
    }

    /// Bytes of zeros where a chunk header should be (a preallocated or mmap'd file): the rest
    /// of the block is empty, and reading goes on in the next one.
    func testAZeroedBlockEndIsEmpty() throws {
        let one = WandbLogFraming.file([Array("one".utf8)])
        let next = WandbLogFraming.file([[UInt8](repeating: 1, count: Self.block - 7 - 7 - 3), Array("two".utf8)])
        // The second record of `next` begins block 1; put zeros before it instead of the first.
        let file = one + [UInt8](repeating: 0, count: Self.block - one.count) + Array(next[Self.block...])
        let (got, framing) = try readAll(file, pieces: 100)
        XCTAssertEqual(got, [Array("one".utf8), Array("two".utf8)])
        XCTAssertEqual(framing.corruptRecords, 0)
    }

    /// A file that is not W&B's is refused from its first bytes; a W&B file of another version too.
    func testAWrongHeaderStopsTheReading() throws {
        var json = WandbLogFraming()
        json.append(Array("{\"".utf8))
        XCTAssertThrowsError(try json.next()) { XCTAssertEqual($0 as? WandbLogFraming.Failure, .notWandb(header: Array("{\"".utf8))) }
        json.append(WandbLogFraming.file([[1]]))
        XCTAssertThrowsError(try json.next(), "nothing more is read")

        var tfrecord = WandbLogFraming()
        tfrecord.append(TFRecordFraming.frame(Array("event".utf8)))
        XCTAssertThrowsError(try tfrecord.next()) { XCTAssertNotNil($0 as? WandbLogFraming.Failure) }

        var badMagic = WandbLogFraming.file([[1]])
        badMagic[4] = 0xE2
        var magic = WandbLogFraming()
        magic.append(badMagic)
        XCTAssertThrowsError(try magic.next()) { XCTAssertEqual($0 as? WandbLogFraming.Failure, .notWandb(header: Array(badMagic[..<7]))) }

        var newer = WandbLogFraming.file([[1]])
        newer[6] = 1
        var version = WandbLogFraming()
        version.append(newer)
        XCTAssertThrowsError(try version.next()) { XCTAssertEqual($0 as? WandbLogFraming.Failure, .unsupportedVersion(1)) }

        var partial = WandbLogFraming()
        partial.append(Array(":W&B".utf8) + [0xE1])
        XCTAssertNil(try partial.next(), "the start of W&B's header waits for the rest")
        XCTAssertNil(partial.failure)
    }

    /// Damage anywhere never crashes or hangs the reader, and what it hands back is only ever
    /// the file's own records, in order (the checksum vouches for each).
    func testDamagedFilesGiveOnlyTheirOwnRecords() throws {
        var g = SystemRandomNumberGenerator()
        let file = WandbLogFraming.file(Self.records)
        for _ in 0..<40 {
            var damaged = file
            for _ in 0..<Int.random(in: 1...20, using: &g) {
                damaged[Int.random(in: 7..<damaged.count, using: &g)] = UInt8.random(in: 0...255, using: &g)
            }
            if Bool.random(using: &g) { damaged.insert(contentsOf: [UInt8](repeating: 0xAB, count: Int.random(in: 1...50, using: &g)), at: Int.random(in: 7..<damaged.count, using: &g)) }
            let (got, _) = try readAll(damaged, pieces: Int.random(in: 1...5000, using: &g))
            var rest = Self.records[...]
            for record in got {
                guard let i = rest.firstIndex(of: record) else { return XCTFail("a record that is not the file's, or out of order") }
                rest = rest[(i + 1)...]
            }
        }
        for _ in 0..<40 {
            let noise = WandbLogFraming.fileHeader + (0..<Int.random(in: 0...100_000, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            XCTAssertEqual(try readAll(noise, pieces: Int.random(in: 1...9000, using: &g)).records, [])
        }
    }
}
