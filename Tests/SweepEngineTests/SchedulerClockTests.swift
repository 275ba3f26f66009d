import Foundation
import XCTest
@testable import HyperOpt
@testable import SweepEngine
import Synchronization
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The scheduler's rules on a fake launcher and a manual clock: hours of a study in
/// milliseconds, with exact times instead of waits.
final class SchedulerClockTests: XCTestCase {
    func testASlotIsRefilledOnTheTickItsJobEnds() async throws {
        let f = try SweepFixture(maxTrials: 5, nJobs: 2)
        defer { f.remove() }
        let (scheduler, _, _) = f.fakeScheduler(ScriptedParams(script: (0..<5).map { SweepFixture.params(x: Double($0) / 10) })) { n in
            n == 0 ? .reporting(0.5, count: 100) : .reporting(0.5, count: 3)
        }
        let study = await scheduler.run()
        XCTAssertEqual(study.trials.map(\.state), Array(repeating: .complete, count: 5))
        let slowEnd = try XCTUnwrap(study.trial(0)?.outcome?.endedAt)
        for n in 2...4 {
            let start = try XCTUnwrap(study.trial(n)?.launch.startedAt)
            let previousEnd = try XCTUnwrap(study.trial(n - 1)?.outcome?.endedAt)
            XCTAssertEqual(start, previousEnd, "trial \(n) starts on the tick trial \(n - 1) ended")
            XCTAssertLessThan(start, slowEnd, "no batch barrier: trial \(n) did not wait for the slow trial 0")
        }
    }

    /// Issue 27 (L8): events are stamped when what they say was seen, not at the tick's start. A
    /// poll that takes 8 s (a slow cluster queue) sees trial 0's end: the end is stamped after
    /// the poll, never before the job ended, and the launch that refills its slot when it happens.
    func testEventsAreStampedWhenSeenNotAtTheTicksStart() async throws {
        let f = try SweepFixture(maxTrials: 2, nJobs: 1)
        defer { f.remove() }
        let later = LauncherBox()
        let (scheduler, launcher, clock) = f.fakeScheduler(ScriptedParams(script: [SweepFixture.params(x: 0.1), SweepFixture.params(x: 0.2)])) { n in
            // Trial 0 ends at 10.2 s; the poll of the tick at 10 s, which sees it, takes 8 s.
            n == 0 ? FakeJob(duration: 10.2, actions: [(9.5, { later.launcher?.slowNextPoll(by: 8) })]) : FakeJob(duration: 1)
        }
        later.launcher = launcher
        let t0 = clock.now()
        let study = await scheduler.run()
        let first = try XCTUnwrap(study.trial(0))
        let ended = try XCTUnwrap(first.outcome?.endedAt)
        XCTAssertEqual(ended.timeIntervalSince(t0), 18, accuracy: 0.01, "stamped when the slow poll saw the end (the tick began at 10 s)")
        XCTAssertGreaterThanOrEqual(ended.timeIntervalSince(first.launch.startedAt), 10.2, "a trial never ends before its job did")
        let second = try XCTUnwrap(study.trial(1))
        XCTAssertEqual(second.launch.startedAt.timeIntervalSince(t0), 18, accuracy: 0.01, "launched after the slow poll, and stamped so")
        XCTAssertEqual(second.outcome.map { $0.endedAt.timeIntervalSince(second.launch.startedAt) } ?? 0, 1, accuracy: 0.51)
    }

    /// max_duration_minutes stops launching; after the deadline's grace the jobs get SIGTERM, and
    /// one that ignores it SIGKILL after kill_grace_seconds.
    func testDeadlineThenGraceThenTermThenKill() async throws {
        var f = try SweepFixture(maxTrials: 10, nJobs: 1)
        f.spec.maxDurationMinutes = 1
        f.spec.deadlineGraceMinutes = 1
        f.spec.killGraceSeconds = 10
        defer { f.remove() }
        let (scheduler, launcher, _) = f.fakeScheduler { _ in FakeJob(duration: 10_000, ignoresTerm: true) }
        let study = await scheduler.run()
        XCTAssertEqual(study.trials.count, 1, "nothing is launched after the deadline")
        let started = try XCTUnwrap(study.trial(0)?.launch.startedAt)
        let signals = launcher.signals(trial: 0)
        XCTAssertEqual(signals.map(\.0), [SIGTERM, SIGKILL])
        XCTAssertEqual(signals[0].1.timeIntervalSince(started), 120, accuracy: 0.5, "SIGTERM at deadline + grace")
        XCTAssertEqual(signals[1].1.timeIntervalSince(signals[0].1), 10, accuracy: 0.5, "SIGKILL after kill_grace_seconds")
        XCTAssertEqual(study.trials[0].state, .failed)
        XCTAssertTrue(study.trials[0].outcome?.reason?.contains("time limit") ?? false, study.trials[0].outcome?.reason ?? "")
        XCTAssertEqual(study.phaseReason, "max_duration_minutes (1.0) reached")
    }

    func testKillingATrialEscalatesAfterTheGraceAndItsSlotIsRefilled() async throws {
        var f = try SweepFixture(maxTrials: 2, nJobs: 1)
        f.spec.killGraceSeconds = 7
        defer { f.remove() }
        let box = SchedulerBox()
        let (scheduler, launcher, clock) = f.fakeScheduler { n in
            n == 0 ? FakeJob(duration: 1000, ignoresTerm: true, actions: [(3, { box.killTrial(0) })]) : .reporting(0.4, count: 2)
        }
        box.hold(scheduler, clock)
        let study = await scheduler.run()
        let signals = launcher.signals(trial: 0)
        XCTAssertEqual(signals.map(\.0), [SIGTERM, SIGKILL])
        XCTAssertEqual(signals[1].1.timeIntervalSince(signals[0].1), 7, accuracy: 0.5)
        XCTAssertEqual(study.trials.map(\.state), [.failed, .complete])
        XCTAssertEqual(study.trials[0].outcome?.reason, "killed by the user")
    }

    /// Ctrl-C once: no more launches, running trials finish; twice: SIGTERM to every job.
    func testInterruptOnceLetsTrialsFinishTwiceTerminatesThem() async throws {
        for times in [1, 2] {
            let f = try SweepFixture(maxTrials: 10, nJobs: 2)
            defer { f.remove() }
            let box = SchedulerBox()
            let (scheduler, launcher, clock) = f.fakeScheduler { n in
                var job = FakeJob.reporting(0.5, count: 10)
                if n == 1 { job.actions = [(2, { box.interrupt(times: times) })] }
                return job
            }
            box.hold(scheduler, clock)
            let study = await scheduler.run()
            XCTAssertEqual(launcher.startedTrials, [0, 1], "Ctrl-C \(times)x: no launch after it")
            if times == 1 {
                XCTAssertEqual(study.trials.map(\.state), [.complete, .complete])
                XCTAssertTrue(launcher.signals(trial: 0).isEmpty)
            } else {
                XCTAssertEqual(study.trials.map(\.state), [.failed, .failed])
                XCTAssertEqual(launcher.signals(trial: 0).map(\.0), [SIGTERM])
                XCTAssertEqual(study.trials[0].outcome?.reason, "killed by Ctrl-C")
            }
        }
    }

    /// SIGTERM means "go away": the jobs get SIGTERM at once, named as such; SIGHUP is a graceful stop.
    func testSIGTERMTerminatesAtOnceAndSIGHUPStopsGracefully() async throws {
        for signal in [SIGTERM, SIGHUP] {
            let (study, started) = try await twoTrials(signalled: [(2, signal)])
            XCTAssertEqual(started, [0, 1])
            if signal == SIGTERM {
                XCTAssertEqual(study.trials.map(\.state), [.failed, .failed])
                XCTAssertEqual(study.trials[0].outcome?.reason, "killed by SIGTERM")
            } else {
                XCTAssertEqual(study.trials.map(\.state), [.complete, .complete])
                XCTAssertTrue(study.phaseReason?.contains("SIGHUP") ?? false, study.phaseReason ?? "")
            }
        }
    }

    /// The terminal closes once but is reported twice (the dashboard sees it go away, then its
    /// SIGHUP arrives): still a graceful stop, the running trials finish. A Ctrl-C after it kills.
    func testASecondSIGHUPIsNotASecondCtrlC() async throws {
        for then in [SIGHUP, SIGINT] {
            let (study, started) = try await twoTrials(signalled: [(2, SIGHUP), (3, then)])
            XCTAssertEqual(started, [0, 1])
            XCTAssertEqual(study.trials.map(\.state), then == SIGHUP ? [.complete, .complete] : [.failed, .failed])
            XCTAssertTrue(study.phaseReason?.contains("SIGHUP") ?? false, study.phaseReason ?? "")
        }
    }

    /// Two slots of ten-report jobs, out of ten trials; the second job sends each signal to the
    /// scheduler at its time (seconds into the job). Returns the study and the trials started.
    private func twoTrials(signalled signals: [(at: TimeInterval, signal: Int32)]) async throws -> (Study, [Int]) {
        let f = try SweepFixture(maxTrials: 10, nJobs: 2)
        defer { f.remove() }
        let box = SchedulerBox()
        let (scheduler, launcher, clock) = f.fakeScheduler { n in
            var job = FakeJob.reporting(0.5, count: 10)
            if n == 1 { job.actions = signals.map { s in (s.at, { box.interrupt(times: 1, signal: s.signal) }) } }
            return job
        }
        box.hold(scheduler, clock)
        let study = await scheduler.run()
        return (study, launcher.startedTrials)
    }

    /// A trial directory that already exists (an earlier engine's files, or a link) is moved
    /// aside: the new trial never reads an old trial's metrics, and a link's target is untouched.
    func testATrialNeverReadsFilesAlreadyInItsDirectory() async throws {
        let f = try SweepFixture(maxTrials: 2, nJobs: 1)
        defer { f.remove() }
        let sweep = f.setup.sweepDirectory
        try FileManager.default.createDirectory(atPath: sweep + "/0", withIntermediateDirectories: true)
        try "{\"step\": 0, \"eval/success_rate\": 99}\n".write(toFile: sweep + "/0/metrics.jsonl", atomically: true, encoding: .utf8)
        let elsewhere = f.directory + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: sweep + "/1", withDestinationPath: elsewhere)
        let (scheduler, _, _) = f.fakeScheduler { _ in .reporting(0.5, count: 2) }
        let study = await scheduler.run()
        XCTAssertEqual(study.trials.map(\.state), [.complete, .complete])
        XCTAssertEqual(study.trials[0].metrics.compactMap { $0.values["eval/success_rate"] }, [0.5, 0.5], "the old 99 was not read")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere), [], "nothing was written through the link")
        let moved = try FileManager.default.contentsOfDirectory(atPath: sweep).filter { $0.contains("-moved-") }
        XCTAssertEqual(moved.count, 2, "\(moved)")
    }

    /// Two studies started in one directory never stop or un-pause each other: the second gets
    /// control files of its own, says so, and removes only its own at the end (D6).
    func testTwoStudiesInOneDirectoryKeepTheirOwnControlFiles() async throws {
        let f = try SweepFixture(maxTrials: 2, nJobs: 1)
        defer { f.remove() }
        // Another study, running in this process, holds Scilab-RL's names here.
        let other = ControlFiles.choose(directory: f.directory, study: "other")
        XCTAssertTrue(other.usesScilabNames)
        try other.claim()
        try other.armStop()
        let (scheduler, _, _) = f.fakeScheduler { _ in .reporting(0.5, count: 2) }
        let messages = Task { () -> [String] in
            var out: [String] = []
            for await e in scheduler.events { if case .message(let m, _) = e { out.append(m) } }
            return out
        }
        let study = await scheduler.run()
        XCTAssertEqual(study.trials.map(\.state), [.complete, .complete], "not stopped by the other study's files")
        let said = await messages.value
        XCTAssertTrue(said.contains { $0.contains("Another study runs in") && $0.contains("delete_me_to_stop_hyperopt.t") }, "\(said)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: other.stopFile), "the other study's stop file is untouched")
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.directory + "/delete_me_to_stop_hyperopt.t"), "its own is removed at the end")
        other.remove()
        XCTAssertTrue(ControlFiles.choose(directory: f.directory, study: "t").usesScilabNames, "the next study gets Scilab-RL's names back")
    }

    func testDeletingTheStopFileStopsLaunchingOnTheNextTick() async throws {
        let f = try SweepFixture(maxTrials: 10, nJobs: 1)
        defer { f.remove() }
        let stopFile = f.stopFile
        let (scheduler, launcher, _) = f.fakeScheduler { n in
            var job = FakeJob.reporting(0.5, count: 10)
            if n == 1 { job.actions = [(2, { try? FileManager.default.removeItem(atPath: stopFile) })] }
            return job
        }
        let study = await scheduler.run()
        XCTAssertEqual(launcher.startedTrials, [0, 1], "nothing launched after the stop file went")
        XCTAssertEqual(study.trials.map(\.state), [.complete, .complete], "the running trial finished")
        XCTAssertTrue(study.phaseReason?.contains("stop file") ?? false, study.phaseReason ?? "")
    }

    func testMedianPrunerStopsATrialAtTheEvaluationItFallsBehind() async throws {
        var f = try SweepFixture(maxTrials: 3, nJobs: 1)
        f.spec.pruner = .median(MedianPrunerOptions(nStartupTrials: 2))
        defer { f.remove() }
        let (scheduler, launcher, _) = f.fakeScheduler { n in
            n < 2 ? .reporting(0.9, count: 3) : .reporting(0.1, count: 20, every: 10)
        }
        let study = await scheduler.run()
        XCTAssertEqual(study.trials.map(\.state), [.complete, .complete, .pruned])
        let started = try XCTUnwrap(study.trial(2)?.launch.startedAt)
        let term = try XCTUnwrap(launcher.signals(trial: 2).first)
        XCTAssertEqual(term.0, SIGTERM)
        XCTAssertEqual(term.1.timeIntervalSince(started), 10, accuracy: 0.6, "pruned at its first evaluation, not at its end (200 s)")
        XCTAssertEqual(study.trials[2].metrics.count, 1)
        XCTAssertTrue(study.trials[2].outcome?.reason?.contains("median") ?? false, study.trials[2].outcome?.reason ?? "")
        // What the detail draws: the median it was held against at each judged evaluation.
        XCTAssertEqual(study.trials[2].pruneChecks, [PruneCheck(evaluation: 0, value: 0.1, bar: 0.9)])
        XCTAssertEqual(study.trials[1].pruneChecks, [], "the first two trials are the startup trials: nothing judged them")
    }

    func testHeartbeatsEveryFiveSecondsWhileTrialsRun() async throws {
        let f = try SweepFixture(maxTrials: 1, nJobs: 1)
        defer { f.remove() }
        let sink = RecordingSink()
        let (scheduler, _, clock) = f.fakeScheduler(sink: sink) { _ in .reporting(0.5, count: 22) }
        let start = clock.now()
        _ = await scheduler.run()
        let beats = sink.heartbeats
        XCTAssertEqual(beats.map { $0.at.timeIntervalSince(start) }, [0, 5, 10, 15, 20])
        XCTAssertTrue(beats.allSatisfy { $0.running == [0] })
    }

    /// Trials the user killed are not the job's failures: they never stop the study.
    func testKilledTrialsDoNotCountAsInitialFailures() async throws {
        var f = try SweepFixture(maxTrials: 5, nJobs: 1)
        f.spec.maxInitialFailures = 2
        defer { f.remove() }
        let box = SchedulerBox()
        let (scheduler, launcher, clock) = f.fakeScheduler { n in
            n < 3 ? FakeJob(duration: 100, actions: [(1, { box.killTrial(n) })]) : .reporting(0.5, count: 2)
        }
        box.hold(scheduler, clock)
        let study = await scheduler.run()
        XCTAssertEqual(launcher.startedTrials, [0, 1, 2, 3, 4])
        XCTAssertEqual(study.trials.map(\.state), [.failed, .failed, .failed, .complete, .complete])
        XCTAssertEqual(study.trials[0].outcome?.cause, .killed)
        let abort = await scheduler.abortReason
        XCTAssertNil(abort)
    }

    func testFirstFailuresStopTheStudyWithTheJobsReason() async throws {
        var f = try SweepFixture(maxTrials: 10, nJobs: 1)
        f.spec.maxInitialFailures = 3
        defer { f.remove() }
        let (scheduler, launcher, _) = f.fakeScheduler { _ in
            FakeJob(duration: 2, exitStatus: 1, stderr: "Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad lr\n\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n")
        }
        let study = await scheduler.run()
        XCTAssertEqual(launcher.startedTrials, [0, 1, 2])
        XCTAssertEqual(study.trials[0].outcome?.reason, "exit status 1: ValueError: bad lr")
        let reason = await scheduler.abortReason
        XCTAssertEqual(reason, "the first 3 trials all failed (max_initial_failures: 3); the last: exit status 1: ValueError: bad lr")
        XCTAssertEqual(study.phaseReason, reason)
    }
}

/// D13: when no job can even be started (the disk is full), the study stops after the first
/// failures with that reason instead of burning through every trial in a second.
final class LaunchFailureTests: XCTestCase {
    func testJobsThatCannotStartStopTheStudyAfterTheFirstFailures() async throws {
        var f = try SweepFixture(maxTrials: 200, nJobs: 4)
        f.spec.maxInitialFailures = ConfigLoader.defaultMaxInitialFailures
        defer { f.remove() }
        let (scheduler, _, _) = f.fakeScheduler { _ in FakeJob(duration: 1, startError: "cannot create stdout.log: No space left on device") }
        let study = await scheduler.run()
        XCTAssertEqual(study.trials.count, 3, "stopped at max_initial_failures (3), not after 200")
        XCTAssertEqual(study.trials.first?.outcome?.reason, "could not start the job: cannot create stdout.log: No space left on device")
        let reason = await scheduler.abortReason
        XCTAssertEqual(reason, "the first 3 trials all failed (max_initial_failures: 3); the last: could not start the job: cannot create stdout.log: No space left on device")
    }
}

/// Lets a fake job's action reach the scheduler that runs it. The action runs inside the
/// scheduler's own poll, so the call is made in the engine's next sleep (`ManualClock`).
/// The fake launcher, for a job's action made before the launcher exists.
final class LauncherBox: Sendable {
    private let held = Mutex<FakeLauncher?>(nil)
    var launcher: FakeLauncher? {
        get { held.withLock { $0 } }
        set { held.withLock { $0 = newValue } }
    }
}

final class SchedulerBox: Sendable {
    private let held = Mutex<(Scheduler, ManualClock)?>(nil)

    func hold(_ scheduler: Scheduler, _ clock: ManualClock) { held.withLock { $0 = (scheduler, clock) } }

    func killTrial(_ n: Int) {
        guard let (scheduler, clock) = held.withLock({ $0 }) else { return }
        clock.onNextSleep { await scheduler.kill(trial: n) }
    }

    func act(_ body: @escaping @Sendable (Scheduler) async -> Void) {
        guard let (scheduler, clock) = held.withLock({ $0 }) else { return }
        clock.onNextSleep { await body(scheduler) }
    }

    func interrupt(times: Int, signal: Int32 = SIGINT) {
        guard let (scheduler, clock) = held.withLock({ $0 }) else { return }
        clock.onNextSleep { for _ in 0..<times { await scheduler.interrupt(signal: signal) } }
    }
}

/// `stop_when_stagnant: N`: once N trials have finished since the best last improved, the study
/// stops gracefully (running trials finish) with that reason.
final class StagnationStopTests: XCTestCase {
    func testTheStudyStopsOnceTheBestHasStoodStillForNTrials() async throws {
        var f = try SweepFixture(maxTrials: 20, nJobs: 1)
        f.spec.stopWhenStagnant = 3
        defer { f.remove() }
        let values = [0.5, 0.8] + [Double](repeating: 0.3, count: 18)
        let (scheduler, launcher, _) = f.fakeScheduler(ScriptedParams(script: (0..<20).map { SweepFixture.params(x: Double($0) / 20) })) { n in
            FakeJob.reporting(values[n], count: 3)
        }
        let study = await scheduler.run()
        XCTAssertEqual(launcher.startedTrials, [0, 1, 2, 3, 4], "trial 1 set the record; trials 2, 3 and 4 did not beat it")
        XCTAssertEqual(study.trials.map(\.state), [.complete, .complete, .complete, .complete, .complete])
        XCTAssertEqual(study.phaseReason, "stop_when_stagnant: 3 trials finished since the best last improved (trial #1); running trials will finish")
        XCTAssertEqual(StudyHistory(study).trialsSinceRecord, 3)
    }

    func testTheConfigReadsIt() throws {
        let yaml = "hydra:\n  sweeper:\n    study_name: s\n    max_trials: 30\n    stop_when_stagnant: 8\n    search_space:\n      x: {type: float, low: 0, high: 1}\n"
        XCTAssertEqual(try ConfigLoader.parse(yaml, path: "s.yaml").stopWhenStagnant, 8)
        XCTAssertThrowsError(try ConfigLoader.parse(yaml.replacingOccurrences(of: "stop_when_stagnant: 8", with: "stop_when_stagnant: 0"), path: "s.yaml")) {
            XCTAssertTrue("\($0)".contains("s.yaml:5"), "\($0)")
        }
    }
}

/// The dashboard's actions on sets (r, +, e), as the scheduler carries them out: each runs
/// beyond max_trials, the retried or enqueued set next, and each is said in the study's messages.
final class SetActionTests: XCTestCase {
    func testARetriedSetRunsAgainNext() async throws {
        let f = try SweepFixture(maxTrials: 3, nJobs: 1)
        defer { f.remove() }
        let box = SchedulerBox()
        let sink = RecordingSink()
        let (scheduler, launcher, clock) = f.fakeScheduler(ScriptedParams(script: (0..<6).map { SweepFixture.params(x: Double($0) / 10) }), sink: sink) { n in
            // Trial 0 crashes; while trial 1 runs, the user asks for set 0 again.
            n == 0 ? FakeJob(duration: 1, exitStatus: 1) : n == 1 ? FakeJob(duration: 4, actions: [(1, { box.act { await $0.retry(paramSet: 0) } })])
                : .reporting(0.5, count: 2)
        }
        box.hold(scheduler, clock)
        let study = await scheduler.run()
        XCTAssertEqual(launcher.startedTrials, [0, 1, 2, 3], "max_trials 3, and the retry on top")
        XCTAssertEqual(study.trials.map(\.launch.paramSet), [0, 1, 0, 2], "the retried set ran next, before the sampler's next set")
        XCTAssertEqual(study.trials[2].launch.repeatIndex, 1)
        XCTAssertEqual(study.trials[2].state, .complete)
        XCTAssertTrue(sink.messages.contains { $0.contains("Set 0 runs again next") }, "\(sink.messages)")
    }

    func testAddedRepeatsRun() async throws {
        let f = try SweepFixture(maxTrials: 2, nJobs: 1)
        defer { f.remove() }
        let box = SchedulerBox()
        let (scheduler, launcher, clock) = f.fakeScheduler(ScriptedParams(script: (0..<6).map { SweepFixture.params(x: Double($0) / 10) })) { n in
            var job = FakeJob.reporting(0.5, count: 3)
            if n == 0 { job.actions = [(1, { box.act { await $0.addRepeats(paramSet: 0, count: 2) } })] }
            return job
        }
        box.hold(scheduler, clock)
        let study = await scheduler.run()
        XCTAssertEqual(launcher.startedTrials.count, 4, "2 from max_trials, 2 asked")
        XCTAssertEqual(study.trials.map(\.launch.paramSet), [0, 0, 0, 1])
        XCTAssertEqual(study.paramSets[0].count, 3)
    }

    func testAnEnqueuedSetIsTheNextLaunchedAndABadOneIsRefused() async throws {
        let f = try SweepFixture(maxTrials: 3, nJobs: 1)
        defer { f.remove() }
        let box = SchedulerBox()
        let sink = RecordingSink()
        let typed = SweepFixture.params(x: 0.77)
        var bad = typed
        bad[f.spec.space.parameters[0].name] = .float(99)
        let outside = bad
        let (scheduler, _, clock) = f.fakeScheduler(ScriptedParams(script: (0..<6).map { SweepFixture.params(x: Double($0) / 10) }), sink: sink) { n in
            n == 0 ? FakeJob(duration: 3, actions: [(1, { box.act { s in await s.enqueue(outside); await s.enqueue(typed) } })]) : .reporting(0.5, count: 2)
        }
        box.hold(scheduler, clock)
        let study = await scheduler.run()
        XCTAssertEqual(study.trials.count, 4)
        XCTAssertEqual(study.trials[1].launch.params, typed, "the typed set ran next")
        XCTAssertTrue(sink.messages.contains { $0.contains("Enqueued set refused") && $0.contains("not in its search space") }, "\(sink.messages)")
        XCTAssertTrue(sink.messages.contains { $0.contains("Enqueued set 1:") }, "\(sink.messages)")
    }

    /// Request files carry the same commands as the in-process scheduler, in the order they were
    /// written (sequence numbers, not modification times: no sleep between writes), each once.
    func testRequestFilesCarryTheActionsFromAttachInOrder() throws {
        let dir = NSTemporaryDirectory() + "req-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let requests = RequestFiles(sweepDirectory: dir)
        let params: Params = ["++x": .float(0.25), "++c": .string("min")]
        var sent: [StudyCommand] = [.retry(paramSet: 4), .addRuns(paramSet: 2, count: 3), .enqueue(params), .kill(trial: 7, reason: nil)]
        for n in 0..<20 { sent.append(.addRuns(paramSet: n, count: 1)) }
        for command in sent { try requests.send(command) }
        let taken = requests.take()
        XCTAssertEqual(taken.commands, sent)
        XCTAssertEqual(taken.refused, [])
        XCTAssertEqual(requests.take().commands, [], "each request is taken once")
        // Two writers in turn share one sequence.
        let other = RequestFiles(sweepDirectory: dir)
        try requests.send(.retry(paramSet: 1))
        try other.send(.retry(paramSet: 2))
        try requests.send(.retry(paramSet: 3))
        XCTAssertEqual(other.take().commands, [.retry(paramSet: 1), .retry(paramSet: 2), .retry(paramSet: 3)])
    }

    /// What is no request (a huge file dropped there, a FIFO, text hypertop did not write) is
    /// removed unread and said, never a stall or a crash.
    func testWhatIsNoRequestIsRemovedAndSaid() throws {
        let dir = NSTemporaryDirectory() + "req-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let requests = RequestFiles(sweepDirectory: dir)
        try requests.send(.killAll(reason: "r"))
        let big = requests.directory + "/000000000099.json"
        FileManager.default.createFile(atPath: big, contents: nil)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: big))
        try handle.truncate(atOffset: 300_000_000)  // sparse: 300 MB that cost nothing to write
        try handle.close()
        XCTAssertEqual(mkfifo(requests.directory + "/fifo", 0o644), 0)
        try "kill-3".write(toFile: requests.directory + "/kill-3", atomically: true, encoding: .utf8)
        // What a request asks is bounded as the old request files bounded it.
        try requests.send(.addRuns(paramSet: 0, count: 5000))
        try requests.send(.kill(trial: 2, reason: "\u{1B}]0;title\u{07}" + String(repeating: "x", count: 500)))
        try requests.send(.kill(trial: 4, reason: "  "))
        let taken = requests.take()
        XCTAssertEqual(taken.commands.count, 3, "\(taken.commands)")
        XCTAssertEqual(taken.commands.first, .killAll(reason: "r"))
        guard case .kill(2, let reason?) = taken.commands[1] else { return XCTFail("\(taken.commands)") }
        XCTAssertFalse(reason.unicodeScalars.contains { $0.properties.generalCategory == .control }, reason)
        XCTAssertLessThanOrEqual(reason.count, 200 + 20, "cut short (escapes may be spelled out)")
        XCTAssertEqual(taken.commands[2], .kill(trial: 4, reason: nil), "an empty reason is the default one")
        XCTAssertEqual(taken.refused.count, 4, "\(taken.refused)")
        XCTAssertTrue(taken.refused.contains { $0.contains("asks for 5000 more runs") }, "\(taken.refused)")
        XCTAssertTrue(taken.refused.contains { $0.contains("000000000099.json") && $0.contains("300000000 bytes") }, "\(taken.refused)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: requests.directory).filter { !$0.hasPrefix(".") }, [])
    }
}
