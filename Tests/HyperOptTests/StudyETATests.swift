import Foundation
import HyperOpt
import XCTest

/// The header's `eta`: when the budget will be spent at the current pace.
final class StudyETATests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func spec(maxTrials: Int, nJobs: Int, minutes: Double? = nil) -> StudySpec {
        StudySpec(studyName: "eta", maxTrials: maxTrials, nJobs: nJobs, direction: .maximize, maxDurationMinutes: minutes, space: SearchSpace([]))
    }

    /// A study of `durations.count` finished trials of those run times, then `running` trials
    /// started `runningFor` seconds before `now`.
    func study(_ spec: StudySpec, durations: [Double], running: [Double], now: Date) -> Study {
        var s = Study()
        s.apply(.started(StudyInfo(spec: spec, sweepDir: "/tmp/eta", stopFile: "stop", pauseFile: "pause", startedAt: t0)))
        var n = 0
        for d in durations {
            let start = t0.addingTimeInterval(Double(n))
            s.apply(.launched(TrialLaunch(number: n, paramSet: n, repeatIndex: 0, params: [:], runDir: "/tmp/eta/\(n)", command: [], startedAt: start)))
            s.apply(.finished(TrialOutcome(number: n, state: .complete, score: 1, reason: nil, exitStatus: 0, signal: nil,
                                           endedAt: start.addingTimeInterval(d))))
            n += 1
        }
        for r in running {
            s.apply(.launched(TrialLaunch(number: n, paramSet: n, repeatIndex: 0, params: [:], runDir: "/tmp/eta/\(n)", command: [],
                                          startedAt: now.addingTimeInterval(-r))))
            n += 1
        }
        return s
    }

    func testNoEstimateBeforeATrialFinished() {
        let now = t0.addingTimeInterval(100)
        XCTAssertNil(StudyETA.remaining(study(spec(maxTrials: 10, nJobs: 2), durations: [], running: [10, 20], now: now), now: now))
    }

    func testTheTrialsLeftFillTheSlotsInWavesOfTheMedianDuration() throws {
        let now = t0.addingTimeInterval(1000)
        // Median 100 s (of 60, 100, 500); two running for 30 s and 150 s; 10 - 5 = 5 trials left on 2 slots.
        let s = study(spec(maxTrials: 10, nJobs: 2), durations: [60, 100, 500], running: [30, 150], now: now)
        let eta = try XCTUnwrap(StudyETA.remaining(s, now: now))
        // Slots free at 0 (ran past the median) and 70 s; 5 runs: 3 on the first (300 s), 2 on the second (70 + 200).
        XCTAssertEqual(eta.seconds, 300, accuracy: 1e-9)
        XCTAssertFalse(eta.byTimeLimit)
    }

    func testTheTimeLimitEndsItFirstWhenItComesFirst() throws {
        let now = t0.addingTimeInterval(1000)
        // 20 minutes in all, 1000 s gone: 200 s left, less than the 300 s the budget needs.
        let s = study(spec(maxTrials: 10, nJobs: 2, minutes: 20), durations: [60, 100, 500], running: [30, 150], now: now)
        let eta = try XCTUnwrap(StudyETA.remaining(s, now: now))
        XCTAssertEqual(eta.seconds, 200, accuracy: 1e-9)
        XCTAssertTrue(eta.byTimeLimit)
    }

    func testAStoppingStudyWaitsOnlyForItsRunningTrials() throws {
        let now = t0.addingTimeInterval(1000)
        var s = study(spec(maxTrials: 10, nJobs: 2), durations: [100], running: [40], now: now)
        s.apply(.phase(.stopping, reason: nil))
        XCTAssertEqual(try XCTUnwrap(StudyETA.remaining(s, now: now)).seconds, 60, accuracy: 1e-9)
        s.apply(.phase(.done, reason: nil))
        XCTAssertNil(StudyETA.remaining(s, now: now), "a done study has no eta")
    }
}
