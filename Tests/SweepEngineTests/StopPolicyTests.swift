import Foundation
import HyperOpt
import XCTest
@testable import SweepEngine

/// The reasons a study stops launching, in one value (see `StopPolicy`).
final class StopPolicyTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_000)

    func testTheStopFileStopsAndItsReturnCancelsOnlyItsOwnStop() {
        var s = StopPolicy()
        XCTAssertTrue(s.mayLaunch)
        XCTAssertNil(s.stopFile(deleted: false), "a file that is there says nothing")
        XCTAssertEqual(s.stopFile(deleted: true), "Stopping: stop file delete_me_to_stop_hyperopt was deleted; running trials will finish")
        XCTAssertNil(s.stopFile(deleted: true), "said once")
        XCTAssertFalse(s.mayLaunch)
        XCTAssertEqual(s.phase(paused: true), .stopping)
        XCTAssertEqual(s.stopFile(deleted: false), "Stop cancelled: the stop file was re-created")
        XCTAssertTrue(s.mayLaunch)
        XCTAssertEqual(s.phase(paused: true), .paused)
        // Another stop is not the file's to cancel.
        XCTAssertTrue(s.stop("stop_when_stagnant: ..."))
        XCTAssertNil(s.stopFile(deleted: false))
        XCTAssertFalse(s.mayLaunch)
        XCTAssertFalse(s.stop("another"), "the first reason stands")
        XCTAssertEqual(s.reason, "stop_when_stagnant: ...")
    }

    func testTheTimeLimitReplacesAFileStopAndThenKills() {
        var s = StopPolicy()
        _ = s.stopFile(deleted: true)
        XCTAssertNil(s.deadline(now: t0.addingTimeInterval(59), startedAt: t0, maxMinutes: 1, graceMinutes: 2))
        XCTAssertEqual(s.deadline(now: t0.addingTimeInterval(60), startedAt: t0, maxMinutes: 1, graceMinutes: 2),
                       "Stopping: max_duration_minutes (1.0) reached")
        XCTAssertNil(s.deadline(now: t0.addingTimeInterval(61), startedAt: t0, maxMinutes: 1, graceMinutes: 2), "said once")
        XCTAssertNil(s.stopFile(deleted: false), "re-creating the stop file does not cancel the time limit")
        XCTAssertFalse(s.mayLaunch)
        XCTAssertFalse(s.pastHardKill(t0.addingTimeInterval(179)))
        XCTAssertTrue(s.pastHardKill(t0.addingTimeInterval(180)), "the grace is 2 minutes")
    }

    func testFailingJobsAbortAndNoStopFileUndoesIt() {
        var s = StopPolicy()
        _ = s.stopFile(deleted: true)
        XCTAssertEqual(s.abort("3 first trials failed"), "Stopping: 3 first trials failed")
        XCTAssertNil(s.abort("again"), "the first abort stands")
        XCTAssertNil(s.stopFile(deleted: false))
        XCTAssertEqual(s.reason, "3 first trials failed")
        XCTAssertEqual(s.aborted, "3 first trials failed")
        var other = StopPolicy()
        XCTAssertTrue(other.stop("a request"))
        XCTAssertNil(other.abort("failures"), "an earlier stop's reason stays; the abort is still recorded")
        XCTAssertEqual(other.aborted, "failures")
    }

    func testAnExhaustedSpaceReopensOnRequest() {
        var s = StopPolicy()
        s.exhaust("all 4 sets ran 3 times")
        XCTAssertFalse(s.mayLaunch)
        XCTAssertEqual(s.phase(paused: false), .running, "exhausted is not stopping")
        XCTAssertEqual(s.endReason, "all 4 sets ran 3 times")
        s.reopen()
        XCTAssertTrue(s.mayLaunch)
        XCTAssertEqual(s.endReason, "max_trials reached")
    }

    func testSignalsEscalateAndTheTerminalClosesOnce() {
        var s = StopPolicy()
        XCTAssertEqual(s.signal(SIGHUP).action, .stopLaunching)
        XCTAssertEqual(s.signal(SIGHUP).action, .none, "a second report of the closed terminal")
        XCTAssertEqual(s.signal(SIGINT).action, .terminateTrials(reason: "killed by Ctrl-C"))
        XCTAssertEqual(s.signal(SIGINT).action, .killTrialsNow)
        XCTAssertEqual(s.endReason, "stopped by SIGHUP: the terminal closed (SIGHUP); waiting for running trials; Ctrl-C or SIGTERM kills them")
        var term = StopPolicy()
        let first = term.signal(SIGTERM)
        XCTAssertEqual(first.action, .terminateTrials(reason: "killed by SIGTERM"), "SIGTERM terminates at once")
        XCTAssertEqual(first.say, "Stopping: SIGTERM received")
        XCTAssertEqual(term.signal(SIGINT).action, .killTrialsNow)
        XCTAssertTrue(term.endReason.hasPrefix(StudyPhase.stoppedBy + "SIGTERM: "))
        var ctrlC = StopPolicy()
        XCTAssertEqual(ctrlC.signal(SIGINT).say, "Stopping: interrupted (Ctrl-C); waiting for running trials; press Ctrl-C again to kill them")
    }

    /// W&B's `metric.target`: a finished trial reaching it, in the study's direction, stops
    /// launching for good (a re-created stop file does not undo it).
    func testTheTargetStopsOnceAFinishedTrialReachesIt() {
        var s = StopPolicy()
        XCTAssertNil(s.target(0.1, score: 0.2, trial: 0, direction: .minimize, criterion: "loss"), "not reached")
        XCTAssertTrue(s.mayLaunch)
        XCTAssertEqual(s.target(0.1, score: 0.1, trial: 1, direction: .minimize, criterion: "loss"),
                       "Stopping: metric.target reached: trial #1's loss 0.1 is at or below the target 0.1; running trials will finish")
        XCTAssertFalse(s.mayLaunch)
        XCTAssertEqual(s.phase(paused: false), .stopping)
        XCTAssertNil(s.target(0.1, score: 0.05, trial: 2, direction: .minimize, criterion: "loss"), "said once")
        var up = StopPolicy()
        XCTAssertNil(up.target(0.9, score: 0.5, trial: 0, direction: .maximize, criterion: "acc"), "below a maximized target")
        _ = up.stopFile(deleted: true)
        XCTAssertEqual(up.target(0.9, score: 0.95, trial: 3, direction: .maximize, criterion: "acc"),
                       "Stopping: metric.target reached: trial #3's acc 0.95 is at or above the target 0.9; running trials will finish")
        XCTAssertNil(up.stopFile(deleted: false), "re-creating the stop file does not undo the target")
        XCTAssertFalse(up.mayLaunch)
        var other = StopPolicy()
        XCTAssertTrue(other.stop("stop_when_stagnant: ..."))
        XCTAssertNil(other.target(0.1, score: 0, trial: 0, direction: .minimize, criterion: "loss"), "an earlier stop's reason stands")
    }

    /// Issue 27, M5: the exit status follows the last signal that counted (128 + it).
    func testTheLastCountedSignalGivesTheExitStatus() {
        var p = StopPolicy()
        XCTAssertNil(p.lastSignal, "no signal: the study's own end decides")
        _ = p.signal(SIGINT)
        XCTAssertEqual(p.lastSignal, SIGINT)
        _ = p.signal(SIGHUP)
        XCTAssertEqual(p.lastSignal, SIGINT, "a closed terminal after Ctrl-C is not a new stop")
        _ = p.signal(SIGTERM)
        XCTAssertEqual(p.lastSignal, SIGTERM)
    }
}
