import Foundation
import XCTest
@testable import HyperOpt
@testable import SweepEngine
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A cluster's queue and its ends, on a fake launcher and a manual clock: what the scheduler does
/// with `queued` jobs and with the ends Slurm decides (the real Slurm is in SlurmTests).
final class SchedulerQueueTests: XCTestCase {
    func testTimeInTheQueueIsNotRunTimeAndIsSaidOnce() async throws {
        let f = try SweepFixture(maxTrials: 1, nJobs: 1)
        defer { f.remove() }
        let (scheduler, _, _) = f.fakeScheduler { _ in
            var job = FakeJob.reporting(0.5, count: 4, every: 10)
            job.queuedFor = 300
            job.queueReason = "Resources"
            return job
        }
        let collector = Task {
            var events: [EngineEvent] = []
            for await e in scheduler.events { events.append(e) }
            return events
        }
        let study = await scheduler.run()
        let events = await collector.value
        let t = try XCTUnwrap(study.trial(0))
        XCTAssertEqual(t.state, .complete)
        let queued = events.compactMap { e -> String? in if case .queued(0, let r, _) = e { return r ?? "-" } else { return nil } }
        XCTAssertEqual(queued, ["Resources"], "the queue state is said once, with Slurm's reason")
        let started = try XCTUnwrap(t.runningSince)
        XCTAssertEqual(started.timeIntervalSince(t.launch.startedAt), 300, accuracy: 0.6, "it left the queue after 300 s")
        XCTAssertEqual(t.runTime(now: Date()), 40, accuracy: 1, "its 300 s in the queue are not run time")
        XCTAssertTrue(t.wasQueued)
    }

    /// A cluster's job that runs before it is ever seen queued is still QUEUED from its
    /// submission, then RUNNING: its run time starts when it was seen running.
    func testAClusterJobThatStartsAtOnceIsStillSaidQueuedThenRunning() async throws {
        let f = try SweepFixture(maxTrials: 1, nJobs: 1)
        defer { f.remove() }
        let clock = ManualClock()
        let launcher = FakeLauncher(clock: clock, queues: true) { _ in .reporting(0.5, count: 2) }
        var setup = f.setup
        setup.pollInterval = .milliseconds(500)
        let scheduler = Scheduler(setup: setup, launcher: launcher, sampler: ScriptedParams(script: [SweepFixture.params()]), clock: clock)
        let collector = Task {
            var kinds: [String] = []
            for await e in scheduler.events {
                switch e {
                case .queued(0, _, _): kinds.append("queued")
                case .jobStarted(0, _, _): kinds.append("started")
                case .finished: kinds.append("finished")
                default: break
                }
            }
            return kinds
        }
        let study = await scheduler.run()
        let kinds = await collector.value
        XCTAssertEqual(kinds, ["queued", "started", "finished"])
        XCTAssertNotNil(study.trials[0].runningSince)
    }

    func testAQueuedTrialIsShownQueuedWithItsReason() {
        var study = Study()
        let at = Date(timeIntervalSince1970: 1000)
        study.apply(.launched(TrialLaunch(number: 0, paramSet: 0, repeatIndex: 0, params: [:], runDir: "/r", command: [], startedAt: at)))
        study.apply(.queued(trial: 0, reason: "Priority", at: at))
        XCTAssertEqual(study.trials[0].state, .waiting)
        XCTAssertEqual(study.trials[0].queueReason, "Priority")
        XCTAssertEqual(study.trials[0].runTime(now: at.addingTimeInterval(50)), 0, "a job still queued has not run")
        study.apply(.jobStarted(trial: 0, at: at.addingTimeInterval(20), node: "node7"))
        XCTAssertEqual(study.trials[0].state, .running)
        XCTAssertEqual(study.trials[0].node, "node7")
        XCTAssertEqual(study.trials[0].runTime(now: at.addingTimeInterval(50)), 30)
    }

    func testClusterEndsAreFailuresWithTheirReason() async throws {
        var f = try SweepFixture(maxTrials: 3, nJobs: 1)
        var slurm = SlurmOptions()
        slurm.timeoutMin = 2
        slurm.memGB = 4
        f.spec.launcher = .slurm(slurm)
        f.spec.maxInitialFailures = 0
        defer { f.remove() }
        let ends = ["TIMEOUT", "OUT_OF_MEMORY", "CANCELLED"]
        let (scheduler, _, _) = f.fakeScheduler(ScriptedParams(script: (0..<3).map { SweepFixture.params(x: Double($0) / 10) })) { n in
            var job = FakeJob.reporting(0.5, count: 2)
            job.clusterEnd = ends[n]
            return job
        }
        let study = await scheduler.run()
        XCTAssertEqual(study.trials.map(\.state), [.failed, .failed, .failed])
        let reasons = study.trials.map { $0.outcome?.reason ?? "" }
        XCTAssertEqual(reasons[0], "Slurm: TIMEOUT (the job ran past its time limit, timeout_min 2)")
        XCTAssertEqual(reasons[1], "Slurm: OUT_OF_MEMORY (the job used more memory than it asked for, mem_gb 4.0)")
        XCTAssertTrue(reasons[2].hasPrefix("Slurm: CANCELLED"), reasons[2])
        XCTAssertEqual(study.budgetUsed, 3, "a job's own failures use up max_trials")
    }

    func testANodeFailureOrPreemptionRerunsTheSetAtNoCost() async throws {
        let f = try SweepFixture(maxTrials: 2, nJobs: 1)
        defer { f.remove() }
        let sets = [SweepFixture.params(x: 0.1), SweepFixture.params(x: 0.2), SweepFixture.params(x: 0.3)]
        let (scheduler, _, _) = f.fakeScheduler(ScriptedParams(script: sets)) { n in
            var job = FakeJob.reporting(0.5, count: 2)
            if n == 0 { job.clusterEnd = "NODE_FAIL" }
            if n == 1 { job.clusterEnd = "PREEMPTED" }
            return job
        }
        let study = await scheduler.run()
        XCTAssertEqual(study.trials.map(\.state), [.failed, .failed, .complete, .complete])
        XCTAssertEqual(study.trials.map(\.launch.paramSet), [0, 0, 0, 1], "the lost set runs again before a new one")
        XCTAssertEqual(study.trials[0].outcome?.cause, .lostWithNode)
        XCTAssertTrue(study.trials[1].outcome?.reason?.hasPrefix("Slurm: PREEMPTED") ?? false)
        XCTAssertEqual(study.budgetUsed, 2, "trials the cluster lost do not use up max_trials")
        XCTAssertNil(FailFast.reason(study: study, spec: f.spec), "nor do they count as the job's failures")
    }

    func testKillingAQueuedTrialEndsIt() async throws {
        let f = try SweepFixture(maxTrials: 1, nJobs: 1)
        defer { f.remove() }
        let (scheduler, launcher, clock) = f.fakeScheduler { _ in
            var job = FakeJob(duration: 10)
            job.queuedFor = 1000
            return job
        }
        let seen = StateBox()
        // After the second tick the job has been seen queued; then it is killed.
        clock.onNextSleep {
            clock.onNextSleep {
                seen.set(await scheduler.snapshot().trial(0)?.state)
                await scheduler.kill(trial: 0)
            }
        }
        let study = await scheduler.run()
        XCTAssertEqual(seen.get(), .waiting, "the trial was queued when it was killed")
        XCTAssertEqual(study.trials[0].state, .failed)
        XCTAssertEqual(study.trials[0].outcome?.reason, "killed by the user")
        XCTAssertEqual(launcher.signals(trial: 0).first?.0, SIGTERM)
    }

    /// `hypertop attach` kills through request files in the sweep directory: each is carried out
    /// once, on the engine's next tick, and deleted.
    func testKillRequestFilesKillTheirTrials() async throws {
        let f = try SweepFixture(maxTrials: 3, nJobs: 2)
        defer { f.remove() }
        let requests = RequestFiles(sweepDirectory: f.setup.sweepDirectory)
        let (scheduler, launcher, _) = f.fakeScheduler(ScriptedParams(script: (0..<3).map { SweepFixture.params(x: Double($0) / 10) })) { n in
            switch n {
            case 0: return FakeJob(duration: 1000, actions: [(5, { try? requests.send(.kill(trial: 0, reason: "killed from another shell")) })])
            case 1: return FakeJob(duration: 1000, actions: [(20, { try? requests.send(.killAll(reason: nil)) })])
            default: return FakeJob(duration: 1000)
            }
        }
        let study = await scheduler.run()
        XCTAssertEqual(study.trials.map(\.state), [.failed, .failed, .failed])
        XCTAssertEqual(study.trials[0].outcome?.reason, "killed from another shell")
        XCTAssertEqual(study.trials[1].outcome?.reason, "killed by the user (from hypertop attach)")
        XCTAssertEqual(study.trials[2].outcome?.reason, "killed by the user (from hypertop attach)", "kill-all ends every running trial")
        XCTAssertEqual(launcher.signals(trial: 0).map(\.0), [SIGTERM], "one request, one kill")
        XCTAssertEqual(requests.take().commands, [], "requests are deleted once carried out")
    }
}

final class StateBox: @unchecked Sendable {
    private let lock = NSLock()
    private var state: TrialState?
    func set(_ s: TrialState?) { lock.withLock { state = s } }
    func get() -> TrialState? { lock.withLock { state } }
}
