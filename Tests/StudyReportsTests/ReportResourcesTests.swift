import Foundation
import HyperOpt
import StudyReports
import XCTest

/// The report's Resources section and the export's usage columns: what the trials cost the
/// machine, where the engine measured it; nothing for a study nothing measured.
final class ReportResourcesTests: XCTestCase {
    let images = ["history.svg", "importance.svg", "slices.svg"]

    /// Six trials of `seconds[i]` CPU seconds and `(i + 1) * 100` MiB peak, each 10 s long.
    func study(measured: Bool) -> Study {
        let spec = StudySpec(studyName: "res", maxTrials: 6, nJobs: 2, direction: .maximize,
                             space: SearchSpace([Parameter(name: "x", distribution: .float(low: 0, high: 1, log: false, step: nil))]),
                             sampler: .random, criterion: "acc")
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        var study = Study()
        study.apply(.started(StudyInfo(spec: spec, sweepDir: "d", stopFile: "s", pauseFile: "p", startedAt: t0)))
        let seconds = [5.0, 40, 12, 3600, 7, 20]
        for i in 0..<6 {
            study.apply(.launched(TrialLaunch(number: i, paramSet: i, repeatIndex: 0, params: ["x": .float(Double(i) / 10)], runDir: "d/\(i)",
                                              command: ["job"], startedAt: t0)))
            if measured {
                study.apply(.resourceTotals(trial: i, totals: ResourceTotals(cpuSeconds: seconds[i], peakRSSBytes: UInt64(i + 1) * 100 << 20,
                                                                             peakGPUBytes: i == 3 ? 3 << 30 : nil)))
            }
            study.apply(.finished(TrialOutcome(number: i, state: .complete, score: Double(i), reason: nil, exitStatus: 0, signal: nil,
                                               endedAt: t0.addingTimeInterval(10))))
        }
        return study
    }

    func testTheReportSaysWhatTheTrialsCostAndTheCostliestFirst() throws {
        let md = StudyReport.markdown(study(measured: true), notes: StudyNotes(), storage: "r.db", images: images)
        let lines = md.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try XCTUnwrap(lines.firstIndex(of: "## Resources"), md)
        XCTAssertTrue(lines[start + 2].hasPrefix("6 trials measured: 1.0 CPU hours in all (3684 CPU s); peak resident memory per trial: median 400M, most 600M; GPU memory per trial: most 3.0G."),
                      lines[start + 2])
        let rows = lines[(start + 6)...].prefix(5)
        XCTAssertEqual(rows.map { $0.split(separator: "|")[0].trimmingCharacters(in: .whitespaces) }, ["#3", "#1", "#5", "#2", "#4"], md)
        XCTAssertEqual(rows.first, "| #3 | COMPLETE | 3600.0 | 36000 | 400M | 3.0G | 3 |", "an hour of CPU in 10 s: 100 cores")
    }

    func testNothingMeasuredNoSectionAndEmptyColumns() {
        let s = study(measured: false)
        XCTAssertFalse(StudyReport.markdown(s, notes: StudyNotes(), storage: "r.db", images: images).contains("## Resources"))
        let csv = StudyExport.csv(s).split(separator: "\n")
        XCTAssertTrue(csv[0].hasSuffix(",cpu_seconds,peak_rss_mb,gpu_peak_mb"), String(csv[0]))
        XCTAssertTrue(csv[1].hasSuffix(",,,"), String(csv[1]))
        let measured = StudyExport.csv(study(measured: true)).split(separator: "\n")
        XCTAssertTrue(measured[4].hasSuffix(",3600.0,400.0,3072.0"), String(measured[4]))
        XCTAssertTrue(StudyExport.json(study(measured: true)).contains(#""cpu_seconds": 3600.0, "peak_rss_mb": 400.0, "gpu_peak_mb": 3072.0"#))
    }
}
