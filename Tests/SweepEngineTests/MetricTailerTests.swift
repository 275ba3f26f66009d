import Foundation
import XCTest
@testable import HyperOpt
@testable import SweepEngine

final class MetricTailerTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "tail-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func path(_ name: String) -> String { dir + "/" + name }

    private func append(_ name: String, _ text: String) throws {
        let p = path(name)
        if !FileManager.default.fileExists(atPath: p) { try Data().write(to: URL(fileURLWithPath: p)) }
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: p))
        h.seekToEndOfFile()
        h.write(Data(text.utf8))
        try h.close()
    }

    private func tailer() -> MetricTailer {
        MetricTailer(metricsPath: path("metrics.jsonl"), progressCSVPath: path("progress.csv"), stdoutPath: path("stdout.log"), stderrPath: path("stderr.log"))
    }

    func testJSONLinesAreReadIncrementallyIncludingPartialLines() throws {
        var t = tailer()
        try append("metrics.jsonl", "{\"step\": 1, \"eval/success_rate\": 0.25, \"note\": \"x\", \"flag\": true}\n{\"step\": 2, \"eval/succ")
        var u = t.poll()
        XCTAssertEqual(u.rows, [MetricRow(step: 1, values: ["step": 1, "eval/success_rate": 0.25])])
        try append("metrics.jsonl", "ess_rate\": 0.5}\n")
        u = t.poll()
        XCTAssertEqual(u.rows, [MetricRow(step: 2, values: ["step": 2, "eval/success_rate": 0.5])])
        XCTAssertTrue(t.poll().rows.isEmpty, "nothing is read twice")
    }

    func testNaNAndInfinityAreValuesAndGarbageIsCountedNotFatal() throws {
        var t = tailer()
        try append("metrics.jsonl", "{\"step\": 1, \"r\": NaN, \"s\": -Infinity, \"label\": \"NaN here\"}\nnot json at all\n[1, 2]\n{\"step\": 2, \"r\": 1}\n")
        let u = t.poll()
        XCTAssertEqual(u.malformed, 2)
        XCTAssertEqual(u.rows.count, 2)
        XCTAssertTrue(u.rows[0].values["r"]?.isNaN ?? false)
        XCTAssertEqual(u.rows[0].values["s"], -.infinity)
        XCTAssertNil(u.rows[0].values["label"])
        XCTAssertEqual(t.malformedLines, 2)
    }

    func testNaNAsLastValue() throws {
        var t = tailer()
        try append("metrics.jsonl", "{\"step\": 1, \"eval/success_rate\": NaN}\n")
        let u = t.poll()
        XCTAssertEqual(u.malformed, 0)
        XCTAssertTrue(u.rows.first?.values["eval/success_rate"]?.isNaN ?? false, "\(u.rows)")
    }

    func testStableBaselinesTableOnStdout() throws {
        var t = tailer()
        try append("stdout.log", """
        Using cpu device
        ---------------------------------
        | eval/              |          |
        |    mean_reward     | -12.5    |
        |    success_rate    | 0.4      |
        | time/              |          |
        |    total_timesteps | 2000     |
        ---------------------------------
        hyperopt_score=0.75
        """ + "\n")
        let u = t.poll()
        XCTAssertEqual(u.rows, [
            MetricRow(step: 2000, values: ["eval/mean_reward": -12.5, "eval/success_rate": 0.4, "time/total_timesteps": 2000]),
            MetricRow(values: ["hyperopt_score": 0.75]),
        ])
        XCTAssertEqual(u.stdout.first, "Using cpu device")
    }

    func testProgressCSVRewriteDoesNotDuplicateRows() throws {
        var t = tailer()
        try append("progress.csv", "time/total_timesteps,eval/success_rate\n100,0.1\n")
        XCTAssertEqual(t.poll().rows.map(\.step), [100])
        // SB3 rewrites the file with a wider header when a new key appears.
        try "time/total_timesteps,eval/success_rate,train/loss\n100,0.1,\n200,0.2,3.5\n".write(toFile: path("progress.csv"), atomically: false, encoding: .utf8)
        let u = t.poll()
        XCTAssertEqual(u.rows, [MetricRow(step: 200, values: ["time/total_timesteps": 200, "eval/success_rate": 0.2, "train/loss": 3.5])])
        try append("progress.csv", "300,0.3\n")
        XCTAssertEqual(t.poll().malformed, 1, "a row with the wrong number of fields is counted and skipped")
    }

    func testPreferredSourceWinsSoRowsAreNotCountedTwice() throws {
        var t = tailer()
        try append("metrics.jsonl", "{\"step\": 1, \"eval/success_rate\": 0.3}\n")
        try append("stdout.log", "eval/success_rate=0.3\nhyperopt_score=2\n")
        let u = t.poll()
        XCTAssertEqual(u.rows, [MetricRow(step: 1, values: ["step": 1, "eval/success_rate": 0.3]), MetricRow(values: ["hyperopt_score": 2])])
    }

    func testHugeLineIsCut() throws {
        var t = tailer()
        try append("stdout.log", String(repeating: "z", count: 300_000) + "\nok\n")
        let u = t.poll()
        XCTAssertEqual(u.stdout.count, 2)
        XCTAssertLessThanOrEqual(u.stdout[0].utf8.count, 64 * 1024)
        XCTAssertEqual(u.stdout[1], "ok")
    }
}
