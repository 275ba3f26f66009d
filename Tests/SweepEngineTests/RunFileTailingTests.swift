import Foundation
import XCTest
@testable import HyperOpt
@testable import SweepEngine

/// Issue 28: a trial's TensorBoard event file read by its tailer as the job writes it: a record
/// still being written waits, a corrupt one is counted and passed over, every point is kept (two
/// at one step too), and the file outranks stdout as a source.
final class RunFileTailingTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "runfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func path(_ name: String) -> String { dir + "/" + name }

    private func append(_ name: String, _ bytes: [UInt8]) throws {
        let p = path(name)
        if !FileManager.default.fileExists(atPath: p) { try Data().write(to: URL(fileURLWithPath: p)) }
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: p))
        h.seekToEndOfFile()
        h.write(Data(bytes))
        try h.close()
    }

    private func tailer() -> MetricTailer {
        MetricTailer(metricsPath: path("metrics.jsonl"), progressCSVPath: path("progress.csv"), stdoutPath: path("stdout.log"), stderrPath: path("stderr.log"))
    }

    /// Protobuf wire format, by hand, so the test does not read its input with the code it tests.
    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        repeat {
            out.append(UInt8(v & 0x7F) | (v > 0x7F ? 0x80 : 0))
            v >>= 7
        } while v > 0
        return out
    }

    static func lengthDelimited(_ field: UInt64, _ bytes: [UInt8]) -> [UInt8] {
        varint(field << 3 | 2) + varint(UInt64(bytes.count)) + bytes
    }

    /// One `Event` with one scalar: wall_time (1), step (2), summary (5) { value (1) { tag (1), simple_value (2) } }.
    static func scalarEvent(_ tag: String, step: Int64, _ value: Float) -> [UInt8] {
        let wall = withUnsafeBytes(of: Double(1_733_600_000).bitPattern.littleEndian, Array.init)
        let simple = withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
        let v = lengthDelimited(1, Array(tag.utf8)) + [2 << 3 | 5] + simple
        return [1 << 3 | 1] + wall + varint(2 << 3) + varint(UInt64(bitPattern: step)) + lengthDelimited(5, lengthDelimited(1, v))
    }

    func testAnEventFileIsReadAsWrittenEveryPointKept() throws {
        var t = tailer()
        let name = "events.out.tfevents.1733600000.box.1.0"
        t.follow(runFile: path(name))
        // The version record every writer starts with: no scalar.
        let version = [1 << 3 | 1] + [UInt8](repeating: 0, count: 8) + Self.lengthDelimited(3, Array("brain.Event:2".utf8))
        let records = [version, Self.scalarEvent("charts/episodic_return", step: 128, 1.5),
                       Self.scalarEvent("charts/episodic_return", step: 128, 2.5), Self.scalarEvent("losses/loss", step: 128, 0.25)]
        let bytes = records.flatMap(TFRecordFraming.frame)
        // Half of the second scalar's record: only the first scalar is whole.
        let cut = TFRecordFraming.frame(records[0]).count + TFRecordFraming.frame(records[1]).count + 9
        try append(name, Array(bytes[..<cut]))
        XCTAssertEqual(t.poll().rows, [MetricRow(step: 128, values: ["charts/episodic_return": 1.5])])
        XCTAssertEqual(t.poll().rows, [], "a half-written record waits")
        try append(name, Array(bytes[cut...]))
        XCTAssertEqual(t.poll().rows, [MetricRow(step: 128, values: ["charts/episodic_return": 2.5]), MetricRow(step: 128, values: ["losses/loss": 0.25])])
        XCTAssertEqual(t.runFilePaths.map(\.kind), ["tfevents"])
    }

    func testACorruptRecordIsCountedAndPassedOverAndTheFileOutranksStdout() throws {
        var t = tailer()
        let name = "events.out.tfevents.1733600000.box.1.0"
        t.follow(runFile: path(name))
        try append("stdout.log", Array("loss=9\n".utf8))
        XCTAssertEqual(t.poll().rows, [MetricRow(step: 0, values: ["loss": 9])], "stdout until a better source speaks")
        var bad = TFRecordFraming.frame(Self.scalarEvent("loss", step: 1, 3))
        bad[bad.count - 6] ^= 0xFF
        try append(name, bad + TFRecordFraming.frame(Self.scalarEvent("loss", step: 2, 4)))
        try append("stdout.log", Array("loss=10\n".utf8))
        XCTAssertEqual(t.poll().rows, [MetricRow(step: 2, values: ["loss": 4])], "the event file outranks stdout")
        // Data that is not an event, framed soundly: counted too.
        try append(name, TFRecordFraming.frame([0xFF, 0xFF, 0xFF]))
        let end = t.poll(final: true)
        XCTAssertEqual(end.rows, [])
        XCTAssertEqual(end.runFileNotes.count, 1)
        XCTAssertTrue(end.runFileNotes[0].contains("2 record(s) passed over (1 with a checksum that does not match, 1 not a TensorBoard event)"),
                      end.runFileNotes[0])
    }

    func testALostFramingIsSaidOnceAndStopsTheReading() throws {
        var t = tailer()
        let name = "events.out.tfevents.1733600000.box.1.0"
        t.follow(runFile: path(name))
        var good = TFRecordFraming.frame(Self.scalarEvent("loss", step: 1, 3))
        try append(name, good)
        XCTAssertEqual(t.poll().rows.count, 1)
        good[0] ^= 0x01
        try append(name, good)
        let u = t.poll()
        XCTAssertEqual(u.rows, [])
        XCTAssertEqual(u.runFileNotes.count, 1)
        XCTAssertTrue(u.runFileNotes[0].contains("checksum does not match"), u.runFileNotes[0])
        try append(name, TFRecordFraming.frame(Self.scalarEvent("loss", step: 2, 3)))
        XCTAssertEqual(t.poll().runFileNotes, [], "said once")
    }
}
