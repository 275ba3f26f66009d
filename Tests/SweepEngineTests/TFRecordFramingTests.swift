import Foundation
@testable import SweepEngine
import TestSupport
import XCTest

/// Issue 28 (first step): the CRCs and the TFRecord framing of TensorBoard's event files.
final class TFRecordFramingTests: XCTestCase {
    /// The published check values (the CRC catalogue's "123456789"; RFC 3720's iSCSI vectors).
    func testCRCsMatchTheirPublishedCheckValues() {
        XCTAssertEqual(CRC32.castagnoli(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32.castagnoli([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32.castagnoli([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32.castagnoli((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32.castagnoli((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
        XCTAssertEqual(CRC32.ieee(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.ieee([UInt8]()), 0)
        // In pieces, as a file is read.
        let text = Array("The quick brown fox jumps over the lazy dog".utf8)
        XCTAssertEqual(CRC32.ieee(text[20...], continuing: CRC32.ieee(text[..<20])), CRC32.ieee(text))
        XCTAssertEqual(CRC32.castagnoli(text[7...], continuing: CRC32.castagnoli(text[..<7])), CRC32.castagnoli(text))
    }

    /// CRC-32 against zlib's (Python's `zlib.crc32`) on random data of every length up to 300.
    func testIEEEIsZlibs() throws {
        let python = try optunaPython()
        var g = SystemRandomNumberGenerator()
        let blobs = (0..<300).map { n in (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) } }
        let hex = blobs.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n")
        let file = NSTemporaryDirectory() + "crc-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data((hex + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let r = try runProgram(python, ["-c", "import sys, zlib\nfor l in open(sys.argv[1]).read().split('\\n')[:-1]: print(zlib.crc32(bytes.fromhex(l)))", file])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").map { UInt32($0) }, blobs.map { CRC32.ieee($0) })
    }

    func testRecordsComeWholeHoweverTheBytesArrive() throws {
        let datas: [[UInt8]] = [[], Array("event one".utf8), [UInt8](repeating: 7, count: 1000), Array("last".utf8)]
        let bytes = datas.flatMap(TFRecordFraming.frame)
        for piece in [1, 3, 12, 17, 4096] {
            var framing = TFRecordFraming()
            var got: [[UInt8]] = []
            var i = 0
            while i < bytes.count {
                framing.append(bytes[i..<min(bytes.count, i + piece)])
                i += piece
                while let record = try framing.next() { got.append(record) }
            }
            XCTAssertEqual(got, datas, "in pieces of \(piece)")
            XCTAssertEqual(framing.offset, Int64(bytes.count))
        }
    }

    func testACorruptRecordIsPassedOverAndABadLengthStopsTheReading() throws {
        var bytes = TFRecordFraming.frame(Array("a".utf8)) + TFRecordFraming.frame(Array("bb".utf8)) + TFRecordFraming.frame(Array("c".utf8))
        bytes[13 + 12 + 4] ^= 0x40  // the second record's data
        var framing = TFRecordFraming()
        framing.append(bytes)
        XCTAssertEqual(try framing.next(), Array("a".utf8))
        XCTAssertEqual(try framing.next(), Array("c".utf8), "the record whose data fails its checksum is passed over")
        XCTAssertEqual(framing.corruptRecords, 1)

        var lost = TFRecordFraming()
        var broken = TFRecordFraming.frame(Array("a".utf8)) + TFRecordFraming.frame(Array("b".utf8))
        broken[17 + 2] ^= 0x01  // the second record's length
        lost.append(broken)
        XCTAssertEqual(try lost.next(), Array("a".utf8))
        XCTAssertThrowsError(try lost.next()) { XCTAssertEqual($0 as? TFRecordFraming.Failure, .lengthChecksum(offset: 17)) }
        lost.append(TFRecordFraming.frame(Array("c".utf8)))
        XCTAssertThrowsError(try lost.next(), "nothing more is read once the framing is lost")
    }

    /// A file torch's `SummaryWriter` wrote, read record by record as TensorBoard's own loader
    /// reads it.
    func testTheRecordsOfATorchSummaryWriterFileAreTensorBoardsOwn() throws {
        let python = try optunaPython()
        guard (try? runProgram(python, ["-c", "import torch.utils.tensorboard, tensorboard"]))?.status == 0 else {
            throw missingTool("torch's SummaryWriter and tensorboard not found for \(python) (scripts/install-deps.sh --python)")
        }
        let dir = NSTemporaryDirectory() + "tfevents-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runProgram(python, ["-c", """
            import glob, sys
            from torch.utils.tensorboard import SummaryWriter
            from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
            w = SummaryWriter(sys.argv[1])
            for step in range(60):
                w.add_scalar('charts/episodic_return', step * 0.5, global_step=step * 128)
                w.add_scalar('losses/value_loss', 1.0 / (step + 1), global_step=step * 128)
            w.close()
            (path,) = glob.glob(sys.argv[1] + '/events.out.tfevents.*')
            print(path)
            for record in RawEventFileLoader(path).Load():
                print(record.hex())
            """, dir])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let path = try XCTUnwrap(lines.first)
        var framing = TFRecordFraming()
        framing.append([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        var ours: [String] = []
        while let record = try framing.next() { ours.append(record.map { String(format: "%02x", $0) }.joined()) }
        XCTAssertEqual(ours, Array(lines.dropFirst()))
        XCTAssertEqual(ours.count, 121, "the file's version event, then 120 scalars")
        XCTAssertEqual(framing.corruptRecords, 0)
    }
}
