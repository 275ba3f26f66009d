import Foundation
import HyperOpt
@testable import StudyReports
import XCTest

final class StudyChartsTests: XCTestCase {
    private func study(_ scores: [Double]) -> Study {
        let space = SearchSpace([Parameter(name: "++lr", distribution: .float(low: 1e-4, high: 1e-2, log: true, step: nil))])
        let spec = StudySpec(studyName: "s", maxTrials: scores.count, nJobs: 1, direction: .maximize, space: space, criterion: "r")
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        var study = Study(info: StudyInfo(spec: spec, sweepDir: "", stopFile: "", pauseFile: "", startedAt: t0))
        for (i, score) in scores.enumerated() {
            study.apply(.launched(TrialLaunch(number: i, paramSet: i, repeatIndex: 0, params: ["++lr": .float(1e-3 + Double(i) * 1e-7)],
                                              runDir: "", command: [], startedAt: t0)))
            study.apply(.finished(TrialOutcome(number: i, state: .complete, score: score, reason: nil, exitStatus: 0, signal: nil,
                                               endedAt: t0.addingTimeInterval(Double(i)))))
        }
        return study
    }

    /// The best-so-far line is a step line: each trial moves right at the old record's height,
    /// then up to the new one. Built in one pass (issue 27, L2: it re-read the whole path per point,
    /// quadratic; the time is measured by Benchmarks/report.sh).
    func testTheBestSoFarIsAStepLineThroughEveryTrial() throws {
        let scores = (0..<3_000).map { Double(($0 * 7_919) % 1_000) / 1_000 }
        let svg = StudyCharts(study(scores)).history()
        let d = try XCTUnwrap(svg.components(separatedBy: "<path class=\"best\" d=\"").dropFirst().first?.components(separatedBy: "\"").first)
        let points = d.split(separator: " ").map { item -> (Double, Double) in
            let xy = item.drop { $0 == "M" || $0 == "L" }.split(separator: ",").compactMap { Double($0) }
            return (xy[0], xy[1])
        }
        XCTAssertEqual(points.count, 1 + 2 * (scores.count - 1), "a start, then a horizontal and a vertical move per trial")
        for k in stride(from: 1, to: points.count, by: 2) {
            XCTAssertEqual(points[k].1, points[k - 1].1, "the move right keeps the record's height (point \(k))")
            XCTAssertEqual(points[k].0, points[k + 1].0, "the move up stays at the trial (point \(k))")
        }
        // The line's heights, top of the plot as the best grows: never down for a maximized study.
        let heights = points.map(\.1)
        XCTAssertTrue(zip(heights, heights.dropFirst()).allSatisfy { $1 <= $0 }, "SVG y shrinks upwards; the record never drops")
        XCTAssertLessThan(heights.last!, heights.first!)
    }
}
