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
        XCTAssertEqual(u.rows, [MetricRow(step: 1, values: ["eval/success_rate": 0.25])])
        try append("metrics.jsonl", "ess_rate\": 0.5}\n")
        u = t.poll()
        XCTAssertEqual(u.rows, [MetricRow(step: 2, values: ["eval/success_rate": 0.5])])
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

    /// Issue 27 (M9): stdout skipped in a flood is a gap in the metrics while stdout carries them,
    /// and none once metrics come from their own file (read whole).
    func testStdoutSkippedInAFloodIsAMetricsGapOnlyWhileItCarriesTheMetrics() throws {
        var t = tailer()
        try append("stdout.log", "eval/success_rate=0.5\n")
        XCTAssertEqual(t.poll().rows.count, 1)
        try append("stdout.log", String(repeating: String(repeating: "y", count: 1023) + "\n", count: 65 * 1024) + "eval/success_rate=0.6\n")
        let u = t.poll(final: true)
        XCTAssertEqual(u.skipped.count, 1)
        XCTAssertEqual(u.rows.map { $0.values["eval/success_rate"] }, [0.6])
        XCTAssertTrue(t.metricsGap?.hasPrefix("its metrics were not all read (64") == true, t.metricsGap ?? "nil")
        XCTAssertTrue(t.metricsGap?.contains(" of stdout.log was skipped, printed faster than it could be followed; metrics written to $HYPERTOP_METRICS are read whole)") == true,
                      t.metricsGap ?? "nil")

        try FileManager.default.removeItem(atPath: path("stdout.log"))
        var fromFile = tailer()
        try append("metrics.jsonl", "{\"step\": 1, \"eval/success_rate\": 0.5}\n")
        XCTAssertEqual(fromFile.poll().rows.count, 1)
        try append("stdout.log", String(repeating: String(repeating: "y", count: 1023) + "\n", count: 5 * 1024))
        XCTAssertEqual(fromFile.poll(final: true).skipped.count, 1, "output only: skipped beyond its smaller backlog")
        XCTAssertNil(fromFile.metricsGap, "stdout is only output once the metrics file delivers rows")
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
            MetricRow(step: 2001, values: ["hyperopt_score": 0.75]),
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
        XCTAssertEqual(u.rows, [MetricRow(step: 1, values: ["eval/success_rate": 0.3]), MetricRow(step: 2, values: ["hyperopt_score": 2])], "a row without a step gets the one after the last")
    }

    func testHugeLineIsCut() throws {
        var t = tailer()
        try append("stdout.log", String(repeating: "z", count: 300_000) + "\nok\n")
        let u = t.poll()
        XCTAssertEqual(u.stdout.count, 2)
        XCTAssertLessThanOrEqual(u.stdout[0].utf8.count, 64 * 1024)
        XCTAssertEqual(u.stdout[1], "ok")
    }

    // MARK: Issue 12, D19: parsed as Python's json reads it

    func testDuplicateKeyTakesTheLastValueAsPythonDoes() throws {
        var t = tailer()
        try append("metrics.jsonl", "{\"step\": 1, \"r\": 1, \"r\": 2}\n{\"step\": 2, \"r\": 1, \"r\": \"x\"}\n")
        let u = t.poll()
        XCTAssertEqual(u.malformed, 0)
        XCTAssertEqual(u.rows.map { $0.values["r"] }, [2, nil], "the last value of a repeated key counts, even a non-number")
    }

    func testNumbersBeyondADoubleAreInfiniteNotDropped() throws {
        var t = tailer()
        try append("metrics.jsonl", "{\"step\": 1, \"r\": 1e309, \"s\": -1e309, \"u\": 1e-400}\n")
        let u = t.poll()
        XCTAssertEqual(u.malformed, 0)
        XCTAssertEqual(u.rows.first?.values["r"], .infinity)
        XCTAssertEqual(u.rows.first?.values["s"], -.infinity)
        XCTAssertEqual(u.rows.first?.values["u"], 0)
    }

    func testRowsWithoutAStepFollowTheLastStep() throws {
        var t = tailer()
        try append("metrics.jsonl", "{\"r\": 0}\n{\"step\": 0, \"r\": 1}\n{\"r\": 2}\n{\"step\": 5, \"r\": 3}\n{\"r\": 4}\n")
        let u = t.poll()
        XCTAssertEqual(u.rows.map(\.step), [0, 0, 1, 5, 6])
    }

    /// Issue 27 (L13): the JSON `step` key was charted as a metric of its own.
    func testAStepKeyIsTheRowsStepNotAMetric() throws {
        var t = tailer()
        try append("metrics.jsonl", "{\"step\": 10, \"loss\": 1}\n{\"global_step\": 20, \"loss\": 0.5}\n{\"epoch\": 3, \"loss\": 0.25}\n"
                   + "{\"time/total_timesteps\": 4000, \"loss\": 0.125}\n{\"step\": 50}\n")
        let u = t.poll()
        XCTAssertEqual(u.rows, [MetricRow(step: 10, values: ["loss": 1]), MetricRow(step: 20, values: ["loss": 0.5]),
                                MetricRow(step: 3, values: ["loss": 0.25]),
                                MetricRow(step: 4000, values: ["time/total_timesteps": 4000, "loss": 0.125]),
                                MetricRow(step: 50, values: ["step": 50])],
                       "a counter key is the step; SB3's logged timesteps stay a metric; a row of only a step keeps it")
        var csv = MetricTailer(metricsPath: path("none.jsonl"), progressCSVPath: path("progress.csv"), stdoutPath: path("stdout.log"), stderrPath: path("stderr.log"))
        try append("progress.csv", "step,loss\n1,0.5\n")
        XCTAssertEqual(csv.poll().rows, [MetricRow(step: 1, values: ["loss": 0.5])])
    }

    func testStrictJSONGrammar() {
        for bad in ["{\"a\": 01}", "{\"a\": 1,}", "{'a': 1}", "{\"a\": .5}", "{\"a\": 1} x", "{\"a\u{01}\": 1}", "{\"a\": -}",
                    "{\"a\": 1e}", "{\"a\": [1, 2}", "{\"a\": tru}", "{\"a\" 1}", "{\"a\": \"\\q\"}", "[1]", "5", "{", "{\"a\": nan}"] {
            XCTAssertNil(JSONLinesParser.parse(bad) as MetricRow??, "\(bad) is not JSON")
        }
        let good = JSONLinesParser.parse("{\"a\": 1e5, \"b\": -0.0, \"c\": [1, {\"d\": 2}], \"e\": null, \"f\": \"x\\\"y\", \"\\u0041\\ud83d\\ude00\": 3, \"g\": false}")
        XCTAssertEqual(good??.values, ["a": 1e5, "b": -0.0, "A\u{1F600}": 3])
    }

    // MARK: Issue 12, D3/D11: bounded whatever the job writes

    func testAnEndedJobsFileIsReadToItsEndInBoundedBatches() throws {
        var t = tailer()
        let rows = 250_000
        var text = ""
        for i in 0..<rows { text += "{\"step\": \(i), \"eval/success_rate\": 0.5}\n" }
        try append("metrics.jsonl", text)
        XCTAssertGreaterThan(text.utf8.count, 2 * FileTail.maxPerPoll)
        var polls = 0, total = 0
        var u: MetricTailer.Update
        repeat {
            u = t.poll(final: true)
            total += u.rows.count
            polls += 1
            XCTAssertLessThanOrEqual(u.rows.count * 30, FileTail.maxPerPoll + FileTail.chunk, "one poll reads a bounded amount")
        } while u.more
        XCTAssertEqual(total, rows, "every row is read, over \(polls) polls")
        XCTAssertGreaterThanOrEqual(polls, 2)
    }

    func testShownOutputFloodIsSkippedToItsEnd() throws {
        var t = tailer()
        try append("metrics.jsonl", "{\"step\": 1, \"eval/success_rate\": 0.3}\n")
        _ = t.poll()
        let line = String(repeating: "y", count: 1023) + "\n"
        try append("stderr.log", String(repeating: line, count: 6 * 1024) + "last words\n")
        let u = t.poll()
        XCTAssertEqual(u.skipped.count, 1)
        XCTAssertGreaterThan(u.skipped.first?.bytes ?? 0, Int64(5 * 1024 * 1024))
        XCTAssertEqual(u.stderr.last, "last words")
        XCTAssertTrue(u.stderr.dropLast().allSatisfy { $0.hasPrefix("yyyy") && $0.utf8.count <= MetricTailer.shownLineLength + 3 },
                      "no line is a fragment of a skipped one, and shown lines are cut")
        XCTAssertFalse(u.more)
    }

    func testStdoutThatMayCarryMetricsIsReadInFull() throws {
        var t = tailer()
        var text = ""
        for i in 0..<200_000 { text += "eval/success_rate=0.\(i % 10)\n" }
        try append("stdout.log", text)
        var total = 0
        var u: MetricTailer.Update
        repeat {
            u = t.poll(final: true)
            total += u.rows.count
            XCTAssertTrue(u.skipped.isEmpty)
        } while u.more
        XCTAssertEqual(total, 200_000)
    }

    /// D3a: a failed job's reason is found in the last 64 KB of its stderr, never the whole file
    /// (300 MB took 18 s and 0.9 GB); a FIFO or a link to /dev/zero in its place is not read.
    func testTheFailureLineIsReadFromTheEndOfStderrOnly() throws {
        let junk = String(repeating: String(repeating: "e", count: 1023) + "\n", count: 4096)
        try append("stderr.log", junk + "Traceback (most recent call last):\nValueError: bad lr\n")
        let tail = TrialFiles(runDir: dir).stderrTail()
        XCTAssertLessThan(tail.joined(separator: "\n").utf8.count, 64 * 1024 + 1, "only the end of a 4 MB log")
        XCTAssertEqual(FailureLine.pick(tail), "ValueError: bad lr")
        try FileManager.default.removeItem(atPath: path("stderr.log"))
        XCTAssertEqual(mkfifo(path("stderr.log"), 0o644), 0)
        XCTAssertEqual(TrialFiles(runDir: dir).stderrTail(), [], "a FIFO is not opened (the open would block)")
        try FileManager.default.removeItem(atPath: path("stderr.log"))
        try FileManager.default.createSymbolicLink(atPath: path("stderr.log"), withDestinationPath: "/dev/zero")
        XCTAssertEqual(TrialFiles(runDir: dir).stderrTail(), [], "a device is not read")
    }

    func testMetricSeriesKeepsRowsAsAppended() {
        let rows = [MetricRow(step: 3, values: ["a": 1, "b": 2]), MetricRow(values: ["b": .nan]), MetricRow(step: 9, values: ["a": 4])]
        let series = MetricSeries(rows)
        XCTAssertEqual(series.count, 3)
        XCTAssertEqual(series[0], rows[0])
        XCTAssertEqual(series[2], rows[2])
        XCTAssertTrue(series[1].values["b"]?.isNaN ?? false)
        XCTAssertNil(series[1].step)
        XCTAssertEqual(series.values("a"), [1, 4])
        XCTAssertEqual(series.series("b").map(\.step), [3, 1], "a row without a step is placed at its index")
        XCTAssertEqual(series.last("a")?.step, 9)
        XCTAssertEqual(series.count(of: "b"), 2)
        XCTAssertEqual(series.lastStep, 9)
        XCTAssertEqual(Set(series.keys), ["a", "b"])
    }
}
