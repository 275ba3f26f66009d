import Foundation
import XCTest
@testable import HyperOpt
@testable import SweepEngine

/// stable-baselines3's real logger output (Fixtures/sb3, made with SB3 2.9.2; see its README),
/// read the way a trial's files are read.
final class SB3LogTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sb3")
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "sb3-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func rows(stdout: String? = nil, csv: String? = nil) throws -> [MetricRow] {
        if let stdout { try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent(stdout).path, toPath: dir + "/stdout.log") }
        if let csv { try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent(csv).path, toPath: dir + "/progress.csv") }
        var tailer = MetricTailer(metricsPath: dir + "/metrics.jsonl", progressCSVPath: dir + "/progress.csv",
                                  stdoutPath: dir + "/stdout.log", stderrPath: dir + "/stderr.log")
        let update = tailer.poll(final: true)
        XCTAssertEqual(update.malformed, 0)
        return update.rows
    }

    func column(_ rows: [MetricRow], _ key: String) -> [Double?] { rows.map { $0.values[key] } }

    func testPPOStdoutTables() throws {
        let r = try rows(stdout: "ppo_cartpole_stdout.txt")
        XCTAssertEqual(r.map(\.step), [1000, 2000, 2048, 3000, 4000, 4096])
        XCTAssertEqual(column(r, "eval/mean_reward"), [500, 317, nil, 500, 322, nil])
        XCTAssertEqual(column(r, "eval/success_rate"), [0, 0.333, nil, 0.667, 1, nil])
        XCTAssertEqual(r[3].values["train/approx_kl"], 0.007937546, "float32 printed in full")
        XCTAssertEqual(r[3].values.keys.filter { $0.hasPrefix("train/") }.count, 10)
        XCTAssertEqual(column(r, "rollout/ep_rew_mean"), [nil, nil, 25.7, nil, nil, 29.9])
    }

    func testPPOProgressCSV() throws {
        let r = try rows(csv: "ppo_cartpole_progress.csv")
        XCTAssertEqual(r.map(\.step), [1000, 2000, 2048, 3000, 4000, 4096])
        XCTAssertEqual(column(r, "eval/mean_reward"), [500, 317, nil, 500, 321.5, nil])
        XCTAssertEqual(column(r, "eval/success_rate"), [0, 1.0 / 3, nil, 2.0 / 3, 1, nil])
        XCTAssertEqual(r[3].values["train/value_loss"], 62.654105979204175)
        XCTAssertEqual(r[2].values["rollout/ep_rew_mean"], 25.658227848101266)
    }

    func testSACStdoutTablesFollowOneAnotherWithoutABlankLine() throws {
        let r = try rows(stdout: "sac_pendulum_stdout.txt")
        XCTAssertEqual(r.map(\.step), [150, 200, 300, 400, 450, 600, 600])
        XCTAssertEqual(column(r, "eval/mean_reward"), [-1230, nil, -1270, nil, -1430, -1660, nil])
        XCTAssertEqual(column(r, "train/n_updates"), [49, 99, 199, 299, 349, 499, nil])
        XCTAssertEqual(r[5].values["train/actor_loss"], 17)
    }

    func testSACProgressCSV() throws {
        let r = try rows(csv: "sac_pendulum_progress.csv")
        XCTAssertEqual(r.map(\.step), [150, 200, 300, 400, 450, 600, 600])
        XCTAssertEqual(column(r, "eval/mean_reward"), [-1227.8433455, nil, -1265.8775225, nil, -1428.0507754999999, -1664.8937185, nil])
        XCTAssertEqual(column(r, "rollout/ep_rew_mean").compactMap { $0 }, [-1067.534324, -1420.672592, -1406.7067453333332])
    }

    func testLoggerQuirks() throws {
        let table = try rows(stdout: "logger_quirks_stdout.txt")
        XCTAssertEqual(table.map(\.step), [1000, 2000])
        XCTAssertEqual(table[0].values["eval/mean_reward"], 123_000, "3 significant digits: 1.23e+05")
        XCTAssertEqual(table[1].values["rollout/ep_rew_mean"], 12)
        try FileManager.default.removeItem(atPath: dir + "/stdout.log")
        let csv = try rows(csv: "logger_quirks_progress.csv")
        XCTAssertEqual(csv[0].values["eval/mean_reward"], 123456.789)
        XCTAssertEqual(csv[1].values.count, 3)
    }

    /// SB3 rewrites progress.csv from its start when a dump brings new keys (earlier rows padded
    /// with commas): rows already read are not delivered again, and the new ones are.
    func testProgressCSVRewrittenWithNewColumnsMidRun() throws {
        let final = try String(contentsOf: Self.fixtures.appendingPathComponent("sac_pendulum_progress.csv"), encoding: .utf8)
        let lines = final.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false)
        // The file as SB3 wrote it after its first dump: only the columns row 1 has.
        let firstRow = lines[1].split(separator: ",", omittingEmptySubsequences: false)
        let kept = header.indices.filter { !firstRow[$0].isEmpty }
        let early = [kept.map { header[$0] }.joined(separator: ","), kept.map { firstRow[$0] }.joined(separator: ",")].joined(separator: "\n") + "\n"
        try early.write(toFile: dir + "/progress.csv", atomically: false, encoding: .utf8)
        var tailer = MetricTailer(metricsPath: dir + "/m.jsonl", progressCSVPath: dir + "/progress.csv", stdoutPath: dir + "/o", stderrPath: dir + "/e")
        let first = tailer.poll()
        XCTAssertEqual(first.rows.map(\.step), [150])
        // SB3 seeks to 0 and writes the whole file again, without truncating.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: dir + "/progress.csv"))
        handle.write(Data(final.utf8))
        try handle.close()
        let rest = tailer.poll(final: true)
        XCTAssertEqual(rest.rows.map(\.step), [200, 300, 400, 450, 600, 600])
        XCTAssertEqual(rest.rows[1].values["eval/mean_reward"], -1265.8775225)
    }
}
