import DashboardCore
import Foundation
import HyperOpt
import XCTest

/// What each trial costs the machine, as the dashboard shows it: the table's cpu%, mem and gpu
/// columns, the header's meters and eta, the detail's history; plain-text goldens at the sizes
/// the dashboard promises.
final class UsageScreenTests: XCTestCase {
    static let mib: UInt64 = 1 << 20

    /// The fixture study, its finished trials with what they used, then `samples` measurements of
    /// the machine and the running trials a second apart (the last running trial used nothing).
    static func state(size: Size, gpus: Int, samples: Int = 12) -> DashboardState {
        var events: [EngineEvent] = []
        for e in Fixture.events(finished: 9, running: 3, failed: [4]) {
            if case .finished(let o) = e {
                events.append(.resourceTotals(trial: o.number, totals: ResourceTotals(
                    cpuSeconds: 60 + Double(o.number) * 7, peakRSSBytes: UInt64(300 + o.number * 90) * mib,
                    peakGPUBytes: gpus > 0 ? UInt64(1200 + o.number * 100) * mib : nil)))
            }
            events.append(e)
        }
        var s = DashboardState(mode: .live, glyphs: .unicode, now: Fixture.t0, size: size)
        _ = update(&s, .events(events))
        let start = Fixture.t0.addingTimeInterval(300 - Double(samples))
        for k in 0..<samples {
            var trials: [Int: TrialUsage] = [:]
            for n in 9..<12 {
                let idle = n == 11
                let cpu = idle ? 0 : 60 + Double((n * 7 + k * 13) % 40)
                let rss = UInt64(idle ? 40 : 500 + n * 40 + k * 10) * mib
                trials[n] = TrialUsage(cpuPercent: cpu, cpuSeconds: Double(k) * cpu / 100, rssBytes: rss, peakRSSBytes: rss,
                                       threads: idle ? 1 : 9, processes: idle ? 1 : 2,
                                       gpuBytes: gpus > 0 ? (idle ? 0 : 2000 * mib) : nil, peakGPUBytes: gpus > 0 ? 2000 * mib : nil,
                                       gpuPercent: gpus > 0 ? (idle ? 0 : 55) : nil, idleSeconds: idle ? Double(k) : 0, idle: idle && k >= 2)
            }
            let machine = MachineUsage(cpuPercent: 71, cpus: 8, memoryUsed: 5_300 * mib, memoryTotal: 15_900 * mib,
                                       gpus: (0..<gpus).map { GPUUse(index: $0, name: "NVIDIA H100", utilization: 48 + Double($0) * 20,
                                                                     memoryUsed: UInt64(4000 + $0 * 1000) * mib, memoryTotal: 81_559 * mib) },
                                       gpuNote: gpus > 0 ? nil : "no GPU: libnvidia-ml.so.1 not found (no NVIDIA driver)")
            _ = update(&s, .event(.usage(UsageSample(at: start.addingTimeInterval(Double(k)), machine: machine, trials: trials))))
        }
        _ = update(&s, .tick(Fixture.t0.addingTimeInterval(300)))
        return s
    }

    func testColumnsAndMetersWithTwoGPUs120x40() {
        let s = Self.state(size: Size(width: 120, height: 40), gpus: 2)
        let buf = render(s, size: Size(width: 120, height: 40))
        assertGolden(buf, "usage-120x40")
        let text = buf.plainText().joined(separator: "\n")
        XCTAssertTrue(text.contains("gpu0["), text)
        XCTAssertTrue(text.contains("eta "), "the budget's end at this pace:\n\(text)")
    }

    func testColumnsAndMetersWithoutAGPU80x24() {
        var s = Self.state(size: Size(width: 80, height: 24), gpus: 0)
        _ = update(&s, .key(.end))
        let buf = render(s, size: Size(width: 80, height: 24))
        assertGolden(buf, "usage-80x24")
        let lines = buf.plainText()
        XCTAssertTrue(lines.contains { $0.contains("no GPU") }, "the header says there is no GPU")
        XCTAssertFalse(lines.contains { $0.contains(" gpu ") }, "no gpu column without a GPU")
        XCTAssertTrue(lines.contains { $0.range(of: #"^\s*11 .*idle"#, options: .regularExpression) != nil }, "trial 11 used nothing: idle")
    }

    func testTheDetailShowsTheTrialsCPUAndMemoryHistory() {
        var s = Self.state(size: Size(width: 120, height: 40), gpus: 2)
        _ = update(&s, .key(.end))
        _ = update(&s, .key(.char("k")))
        _ = update(&s, .key(.enter))
        XCTAssertEqual(s.screen, .detail(trial: 10))
        let buf = render(s, size: Size(width: 120, height: 40))
        assertGolden(buf, "usage-detail-120x40")
        XCTAssertTrue(buf.plainText().contains { $0.contains("cpu % (history)") })
    }

    func testAFinishedTrialsDetailShowsWhatItUsedInAll() {
        var s = Self.state(size: Size(width: 80, height: 24), gpus: 0)
        _ = update(&s, .key(.enter))
        XCTAssertEqual(s.screen, .detail(trial: 0))
        let text = render(s, size: Size(width: 80, height: 24)).plainText().joined(separator: "\n")
        XCTAssertTrue(text.contains("60.0 CPU s"), text)
        XCTAssertTrue(text.contains("peak mem 300M"), text)
    }

    func testTheTableSortsByWhatTrialsCost() {
        var s = Self.state(size: Size(width: 120, height: 40), gpus: 2)
        XCTAssertTrue(s.sortColumns.contains(.cpu) && s.sortColumns.contains(.memory) && s.sortColumns.contains(.gpu), "\(s.sortColumns)")
        while s.sort != .memory { _ = update(&s, .key(.char("o"))) }
        // Ascending: the idle trial's 40 MB first, the finished trials' peaks (300 MB and up) after.
        XCTAssertEqual(s.study.trials[s.rows[0]].number, 11)
        let memory = s.rows.map { s.study.trials[$0].memoryBytes ?? 0 }
        XCTAssertEqual(memory, memory.sorted())
        XCTAssertTrue(render(s, size: Size(width: 120, height: 40)).plainText()[2].contains("sort memory"))
    }

    /// A trial's cpu% is green while it keeps the cores it was given busy, yellow while it mostly
    /// waits, red when it takes more than it was given (from the other trials).
    func testTheCPUCellIsColouredByTheShareOfTheCoresTheTrialWasGiven() {
        var s = Self.state(size: Size(width: 120, height: 40), gpus: 0)
        var launch = Fixture.launch(12)
        launch.placement = ResourcePool.Placement(cpus: [0])
        _ = update(&s, .event(.launched(launch)))
        let machine = MachineUsage(cpuPercent: 50, cpus: 8, memoryUsed: 1, memoryTotal: 2)
        func use(_ cpu: Double) -> TrialUsage { TrialUsage(cpuPercent: cpu, cpuSeconds: 1, rssBytes: 1 << 20, peakRSSBytes: 1 << 20, threads: 4, processes: 1) }
        func cellStyle(_ cpu: Double) -> ColorRole? {
            _ = update(&s, .event(.usage(UsageSample(at: Fixture.t0.addingTimeInterval(301), machine: machine, trials: [12: use(cpu)]))))
            _ = update(&s, .key(.end))
            let buf = render(s, size: Size(width: 120, height: 40))
            let lines = buf.plainText()
            guard let y = lines.firstIndex(where: { $0.hasPrefix(" 12 RUN") }), let header = lines.first(where: { $0.contains("cpu%") }),
                  let x = header.range(of: "cpu%").map({ header.distance(from: header.startIndex, to: $0.upperBound) - 1 }) else { return nil }
            return buf[x, y].style.fg
        }
        XCTAssertEqual(cellStyle(250), .failed, "2.5 cores on the 1 it was given")
        XCTAssertEqual(cellStyle(95), .running)
        XCTAssertEqual(cellStyle(20), .warning)
    }

    /// Sizes and percentages fit the 4-cell columns, as top writes them.
    func testSizesAndPercentagesFitFourCells() {
        let cases: [(UInt64, String)] = [(0, "0"), (1023, "1K"), (512 << 10, "512K"), (130 << 20, "130M"), (999 << 20, "999M"),
                                         (1_048_051_712, "1.0G"), (1_288_490_189, "1.2G"), (14 << 30, "14G"), (3 << 40, "3.0T")]
        for (bytes, text) in cases { XCTAssertEqual(Format.bytes(bytes), text, "\(bytes) bytes") }
        XCTAssertEqual(["0.5", "0.0", "12", "398", "1234", "-"], [0.5, -1, 12.4, 398, 1234, .nan].map(Format.percent))
        XCTAssertTrue(cases.allSatisfy { Format.bytes($0.0).count <= 4 })
    }

    func testAStudyNothingMeasuredHasNoUsageColumnsAndNoMeters() {
        let s = Fixture.state()
        XCTAssertFalse(s.sortColumns.contains(.cpu))
        let text = render(s, size: Size(width: 120, height: 40)).plainText()
        XCTAssertFalse(text[4].contains("cpu["), "no fifth header row: \(text[4])")
    }
}
