import Foundation
@testable import SweepEngine
import TestSupport
import XCTest

/// Issue 28: W&B's records, and a real offline run's file read through framing and decoding.
final class WandbRunFileTests: XCTestCase {
    private func item(_ path: [String], _ json: String, nested: Bool = true) -> WandbInternal_HistoryItem {
        var i = WandbInternal_HistoryItem()
        if nested { i.nestedKey = path } else { i.key = path.joined(separator: ".") }
        i.valueJson = json
        return i
    }

    private func history(step: Int64? = nil, _ items: [WandbInternal_HistoryItem]) throws -> (step: Int64?, values: [String: Double]) {
        var r = WandbInternal_Record()
        r.history.item = items
        if let step { r.history.step.num = step }
        guard case .history(let s, let values) = try WandbRecord.decode(r.serializedBytes()) else {
            XCTFail("not a history row")
            return (nil, [:])
        }
        XCTAssertEqual(Set(values.map(\.key)).count, values.count, "a key once")
        return (s, Dictionary(values.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Keys as W&B shows them: `key`, or `nested_key` joined with ".", in the record's order.
    func testAHistoryRowGivesItsNumbersByKeyInOrder() throws {
        var r = WandbInternal_Record()
        r.history.item = [item(["charts/episodic_return"], "12.5"), item(["loss"], "0.25", nested: false), item(["nested", "deep", "x"], "-3")]
        r.history.step.num = 42
        guard case .history(let step, let values) = try WandbRecord.decode(r.serializedBytes()) else { return XCTFail("not a history row") }
        XCTAssertEqual(step, 42)
        XCTAssertEqual(values.map(\.key), ["charts/episodic_return", "loss", "nested.deep.x"])
        XCTAssertEqual(values.map(\.value), [12.5, 0.25, -3])
    }

    /// The step is `step.num` when the row has a step (0 included), else its `_step` item.
    func testTheStepIsTheRowsStepElseItsStepItem() throws {
        XCTAssertEqual(try history(step: 0, [item(["_step"], "0"), item(["a"], "1")]).step, 0)
        XCTAssertEqual(try history(step: 7, [item(["_step"], "3")]).step, 7)
        XCTAssertEqual(try history([item(["_step"], "12"), item(["a"], "1")]).step, 12)
        XCTAssertEqual(try history([item(["_step"], "12", nested: false)]).step, 12)
        XCTAssertNil(try history([item(["a"], "1")]).step)
        XCTAssertNil(try history([item(["_step"], "1.5")]).step)
    }

    /// Numbers (with NaN and the infinities as W&B writes them) are kept; the rest, W&B's own
    /// `_` keys and the leaves of a media value are not.
    func testOnlyNumbersThatAreMetricsAreKept() throws {
        let kept = try history([
            item(["int"], "3"), item(["neg"], "-0.5"), item(["exp"], "1.7966730467037945e+09"), item(["big"], "1.1805916207174113e+21"),
            item(["nan"], "NaN"), item(["pinf"], "Infinity"), item(["ninf"], "-Infinity"), item(["spaced"], " 2 "),
        ]).values
        XCTAssertEqual(kept.count, 8)
        XCTAssertEqual(kept["int"], 3)
        XCTAssertEqual(kept["neg"], -0.5)
        XCTAssertEqual(kept["exp"], 1.7966730467037945e+09)
        XCTAssertEqual(kept["big"], 1.1805916207174113e+21)
        XCTAssertTrue(kept["nan"]?.isNaN == true)
        XCTAssertEqual(kept["pinf"], .infinity)
        XCTAssertEqual(kept["ninf"], -.infinity)
        XCTAssertEqual(kept["spaced"], 2)

        let dropped = try history([
            item(["s"], "\"3\""), item(["b"], "true"), item(["n"], "null"), item(["list"], "[1,2]"), item(["dict"], "{\"a\":1}", nested: false),
            item(["hex"], "0x10"), item(["inf"], "inf"), item(["lnan"], "nan"), item(["empty"], ""), item(["plus"], "+1"),
            item(["_step"], "4"), item(["_runtime"], "0.45"), item(["_timestamp"], "1.79e+09"), item(["_wandb", "runtime"], "3"),
            // wandb-core flattens a wandb.Image into leaves under its key, one of them _type.
            item(["img", "width"], "8"), item(["img", "height"], "8"), item(["img", "_type"], "\"image-file\""), item(["img", "path"], "\"media/x.png\""),
            item(["eval", "table", "nrows"], "1"), item(["eval", "table", "_type"], "\"table-file\""),
        ]).values
        XCTAssertEqual(dropped, [:])

        // Beside a media value, its siblings and keys that merely share a prefix are metrics.
        let beside = try history([item(["eval", "table", "_type"], "\"table-file\""), item(["eval", "table", "nrows"], "1"), item(["eval", "acc"], "0.9"), item(["eval", "tables"], "2")]).values
        XCTAssertEqual(beside, ["eval.acc": 0.9, "eval.tables": 2])
    }

    /// wandb 0.31's typed values: integers and numbers are kept, booleans and text are not, json is read.
    func testTypedValuesAreRead() throws {
        func typed(_ key: String, _ value: WandbInternal_HistoryItem.OneOf_Value) -> WandbInternal_HistoryItem {
            var i = WandbInternal_HistoryItem()
            i.nestedKey = [key]
            i.value = value
            return i
        }
        let values = try history([typed("i", .integer(-9_007_199_254_740_993)), typed("x", .number(0.1)), typed("j", .json("2.5")),
                                  typed("b", .boolean(true)), typed("t", .text("hello")), typed("jt", .json("\"x\""))]).values
        XCTAssertEqual(values, ["i": -9_007_199_254_740_992, "x": 0.1, "j": 2.5])
    }

    func testTheRunRecordGivesTheRunsIdentity() throws {
        var r = WandbInternal_Record()
        r.run.runID = "9x75nh2v"
        r.run.project = "proj"
        r.run.runGroup = "sweep-3"
        r.run.displayName = "trial-7"
        r.run.jobType = "train"
        r.run.entity = "someone"
        guard case .run(let info) = try WandbRecord.decode(r.serializedBytes()) else { return XCTFail("not the run record") }
        XCTAssertEqual(info, WandbRunInfo(id: "9x75nh2v", group: "sweep-3", name: "trial-7", jobType: "train", project: "proj"))
    }

    func testOtherRecordsAreOtherAndGarbageThrows() throws {
        guard case .other = try WandbRecord.decode([]) else { return XCTFail("an empty record is no row") }
        // A summary record (field 3) and a header (21), unknown to the trimmed proto.
        guard case .other = try WandbRecord.decode([0x08, 0x05, 0x1A, 0x00]) else { return XCTFail("a summary is no row") }
        guard case .other = try WandbRecord.decode([0xAA, 0x01, 0x00]) else { return XCTFail("a header is no row") }
        for garbage: [UInt8] in [[0x0F], [0x12, 0x10, 0x01], [0x8A, 0x01, 0x05, 0x0A], Array("{\"loss\": 1}".utf8)] {
            XCTAssertThrowsError(try WandbRecord.decode(garbage), "\(garbage)") { XCTAssertTrue($0 is WandbRecord.Malformed, "\($0)") }
        }
    }

    /// A real offline run (`WANDB_MODE=offline`), written by today's wandb (its wandb-core
    /// service): framing and decoding give exactly the history it logged, step by step, and the
    /// group, name and job type set through the environment. The file's layout is the one
    /// `WandbLogFraming.file` makes, records over several blocks included.
    func testARealOfflineRunFileGivesItsLoggedHistoryAndItsRun() throws {
        let python = try optunaPython()
        guard (try? runProgram(python, ["-c", "import wandb, numpy, PIL"]))?.status == 0 else {
            throw missingTool("wandb (with numpy and PIL) not found for \(python) (scripts/install-deps.sh --python)")
        }
        let dir = NSTemporaryDirectory() + "wandb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let tag = UUID().uuidString.prefix(8).lowercased()
        let (group, name, jobType) = ("sweep-\(tag)", "trial-\(tag)", "train-\(tag)")
        let script = """
            import glob, json, os, sys
            import numpy as np
            import wandb
            run = wandb.init(project=sys.argv[1])
            rows = []
            def flat(d, prefix=''):
                for k, v in d.items():
                    if isinstance(v, dict):
                        yield from flat(v, prefix + k + '.')
                    else:
                        yield prefix + k, v
            def log(d, step=None):
                s = run.step if step is None else step
                if step is None:
                    wandb.log(d)
                else:
                    wandb.log(d, step=step)
                rows.append({'step': s, 'values': {k: float(v).hex() for k, v in flat(d) if isinstance(v, (int, float)) and not isinstance(v, bool)}})
            for i in range(150):
                d = {'loss': 1.0 / (i + 1), 'charts/episodic_return': i * 0.5 - 7, 'count': i,
                     'nested': {'lr': 1e-3 * 0.99 ** i, 'deep': {'x': -i}}, 'label': 'step %d' % i, 'flag': i % 2 == 0, 'nothing': None}
                if i == 5:
                    d.update({'nan': float('nan'), 'pinf': float('inf'), 'ninf': float('-inf'), 'big': 123456789012345,
                              'text': 'x' * 70000, 'img': wandb.Image(np.zeros((4, 4, 3), dtype=np.uint8)), 'hist': wandb.Histogram([1, 2, 3])})
                log(d)
            for s in (300, 350, 1000):
                log({'eval/score': s / 7}, step=s)
            identity = {'id': run.id, 'project': run.project}
            wandb.finish()
            (path,) = glob.glob(os.environ['WANDB_DIR'] + '/wandb/offline-run-*/run-*.wandb')
            print(path)
            print(json.dumps(identity))
            for r in rows:
                print(json.dumps(r))
            """
        let env = ["WANDB_MODE=offline", "WANDB_SILENT=true", "WANDB_DIR=\(dir)", "WANDB_CONFIG_DIR=\(dir)/config", "WANDB_CACHE_DIR=\(dir)/cache",
                   "WANDB_DATA_DIR=\(dir)/data", "WANDB_RUN_GROUP=\(group)", "WANDB_NAME=\(name)", "WANDB_JOB_TYPE=\(jobType)"]
        let r = try runProgram("/usr/bin/env", env + [python, "-c", script, "proj-\(tag)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        guard lines.count > 2 else { return XCTFail("no output: \(r.stdout) \(r.stderr)") }
        let identity = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: String])
        let expected: [(step: Int64, values: [String: UInt64])] = try lines.dropFirst(2).map { line in
            let row = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let values = try XCTUnwrap(row["values"] as? [String: String])
            return (try XCTUnwrap((row["step"] as? NSNumber)?.int64Value), try values.mapValues { try XCTUnwrap(Double($0)).bitPattern })
        }
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: lines[0])))

        var framing = WandbLogFraming()
        framing.append(file)
        var records: [[UInt8]] = []
        while let record = try framing.next() { records.append(record) }
        XCTAssertEqual(framing.corruptRecords, 0)
        XCTAssertEqual(framing.offset, Int64(file.count))
        XCTAssertTrue(records.contains { $0.count > WandbLogFraming.blockSize }, "the row with the long text spans blocks")
        XCTAssertTrue(WandbLogFraming.file(records) == file, "wandb-core lays records out as WandbLogFraming.file does")

        var rows: [(step: Int64, values: [String: UInt64])] = []
        var runs: [WandbRunInfo] = []
        for record in records {
            switch try WandbRecord.decode(record) {
            case .history(let step, let values):
                XCTAssertEqual(Set(values.map(\.key)).count, values.count)
                rows.append((try XCTUnwrap(step), Dictionary(values.map { ($0.key, $0.value.bitPattern) }, uniquingKeysWith: { a, _ in a })))
            case .run(let info): runs.append(info)
            case .other: break
            }
        }
        XCTAssertEqual(rows.map(\.step), expected.map(\.step))
        for (got, want) in zip(rows, expected) {
            XCTAssertEqual(got.values, want.values, "step \(want.step)")
        }
        XCTAssertEqual(expected.count, 153)
        XCTAssertEqual(expected[5].values.count, 9, "loss, return, count, lr, x, nan, pinf, ninf, big; not the label, flag, text, image or histogram")
        XCTAssertEqual(runs.last, WandbRunInfo(id: try XCTUnwrap(identity["id"]), group: group, name: name, jobType: jobType, project: "proj-\(tag)"))

        // The same records whatever pieces the file arrives in.
        var g = SystemRandomNumberGenerator()
        var pieces = WandbLogFraming()
        var again: [[UInt8]] = []
        var i = 0
        while i < file.count {
            let n = Int.random(in: 1...3000, using: &g)
            pieces.append(file[i..<min(file.count, i + n)])
            i += n
            while let record = try pieces.next() { again.append(record) }
        }
        XCTAssertTrue(again == records)
    }
}
