import Foundation
import HyperOpt
import JobContract
@testable import SweepEngine
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// What a trial's processes use, measured from `/proc` on real processes started by the local
/// launcher: the process group, a process that left it (found by `HYPERTOP_TRIAL_DIR`), memory,
/// idleness, and the job's own `wait4` figures at its end.
final class UsageSamplerTests: XCTestCase {
    var dir: String!
    let launcher = LocalLauncher()
    var jobs: [JobHandle] = []

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "usage-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        for job in jobs {
            await launcher.signal(job, SIGKILL)
            for _ in 0..<100 where launcher.poll(job) == .running { try await Task.sleep(for: .milliseconds(20)) }
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Starts `script` under /bin/sh as trial `n`'s job, in a trial directory of its own.
    func start(_ n: Int, _ script: String) async throws -> UsageSampler.Job {
        let runDir = dir + "/\(n)"
        try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
        var env = ProcessInfo.processInfo.environment
        env[TrialEnvironment.trialDirectory] = runDir
        let job = try await launcher.start(JobRequest(argv: ["/bin/sh", "-c", script], environment: env, workingDirectory: runDir,
                                                      stdoutPath: runDir + "/stdout.log", stderrPath: runDir + "/stderr.log"))
        jobs.append(job)
        return UsageSampler.Job(number: n, group: job.id, runDir: runDir, startedAt: Date())
    }

    func testTheStatLineIsReadFromTheLastParenthesis() throws {
        let line = "4242 (my (odd) name) R 17 4242 4242 0 -1 4194560 1 0 0 0 250 50 10 5 20 0 3 0 987654 123456789 4000 18446744073709551615"
        let s = try XCTUnwrap(ProcessStat(line: Array(line.utf8), pid: 4242))
        XCTAssertEqual(s.parent, 17)
        XCTAssertEqual(s.group, 4242)
        XCTAssertEqual(s.state, UInt8(ascii: "R"))
        XCTAssertEqual(s.ownTicks, 300, "utime + stime")
        XCTAssertEqual(s.childTicks, 15, "cutime + cstime")
        XCTAssertEqual(s.threads, 3)
        XCTAssertEqual(s.startTicks, 987654)
        XCTAssertEqual(s.rssPages, 4000)
        XCTAssertNil(ProcessStat(line: Array("4242 (cut".utf8), pid: 4242), "no closing parenthesis")
        XCTAssertNil(ProcessStat(line: Array("4242 (x) R 1 2".utf8), pid: 4242), "too few fields")
    }

    func testAJobsProcessesAreFoundAndMeasuredEvenOnesThatLeftItsGroup() async throws {
        // Two busy loops: one in the job's group, one in a session of its own (setsid).
        let job = try await start(0, "while :; do :; done & setsid sh -c 'while :; do :; done' & sleep 30")
        var sampler = UsageSampler(idleAfter: 60, nvml: nil)
        _ = sampler.sample([job], now: Date())
        try await Task.sleep(for: .milliseconds(1200))
        let sample = sampler.sample([job], now: Date())
        let use = try XCTUnwrap(sample.trials[0])
        XCTAssertGreaterThanOrEqual(use.processes, 4, "sh, its loop, the setsid loop and sleep")
        XCTAssertGreaterThanOrEqual(use.threads, use.processes)
        XCTAssertGreaterThan(use.cpuPercent, 50, "two busy loops")
        XCTAssertGreaterThan(use.cpuSeconds, 0.5)
        XCTAssertGreaterThan(use.rssBytes, 0)
        XCTAssertFalse(use.idle)
        XCTAssertNil(use.gpuBytes, "no GPU measured")
        XCTAssertGreaterThan(sample.machine.memoryTotal, sample.machine.memoryUsed)
        XCTAssertGreaterThan(sample.machine.cpuPercent, 0)
        XCTAssertEqual(sample.machine.gpuNote, "no GPU: not measured")
        // The stray outside the group is found by its environment alone: measured without the group too.
        let byEnvironment = UsageSampler.Job(number: 0, group: nil, runDir: job.runDir, startedAt: job.startedAt)
        var other = UsageSampler(idleAfter: 60, nvml: nil)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(other.sample([byEnvironment], now: Date()).trials[0]).processes, 4)
    }

    func testMemoryHeldByAChildIsCountedAndItsPeakKept() async throws {
        let job = try await start(1, "python3 -c 'import time; b = b\"x\" * (60 << 20); time.sleep(30)' & sleep 30")
        var sampler = UsageSampler(idleAfter: 60, nvml: nil)
        var peak: UInt64 = 0
        for _ in 0..<40 {
            peak = sampler.sample([job], now: Date()).trials[1]?.peakRSSBytes ?? 0
            if peak >= 60 << 20 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertGreaterThanOrEqual(peak, 60 << 20, "the child holds 60 MiB")
    }

    func testAJobThatUsesNothingIsMarkedIdleAfterItsTime() async throws {
        let job = try await start(2, "sleep 30")
        var sampler = UsageSampler(idleAfter: 0.5, nvml: nil)
        let first = try XCTUnwrap(sampler.sample([job], now: Date()).trials[2])
        XCTAssertFalse(first.idle, "not yet idle for 0.5 s")
        try await Task.sleep(for: .milliseconds(800))
        let later = try XCTUnwrap(sampler.sample([job], now: Date()).trials[2])
        XCTAssertTrue(later.idle)
        XCTAssertGreaterThanOrEqual(later.idleSeconds, 0.5)
    }

    func testTheEndTakesTheJobsOwnFiguresWhenTheyAreLarger() async throws {
        // A leader that burns about a second of CPU and ends between two samples.
        let job = try await start(3, "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done")
        var sampler = UsageSampler(idleAfter: 60, nvml: nil)
        _ = sampler.sample([job], now: Date())
        let handle = try XCTUnwrap(jobs.last)
        var status = JobStatus.running
        for _ in 0..<600 where status == .running {
            try await Task.sleep(for: .milliseconds(20))
            status = launcher.poll(handle)
        }
        XCTAssertEqual(status, .exited(0))
        let kept = await launcher.rusage(of: handle)
        let rusage = try XCTUnwrap(kept, "wait4's figures were kept")
        XCTAssertGreaterThan(rusage.cpuSeconds, 0.2)
        let again = await launcher.rusage(of: handle)
        XCTAssertNil(again, "taken once")
        let totals = try XCTUnwrap(sampler.end(trial: 3, rusage: rusage))
        XCTAssertEqual(totals.cpuSeconds, rusage.cpuSeconds, accuracy: 1e-9, "the end's figure is larger than the first sample's")
        XCTAssertNil(sampler.end(trial: 99, rusage: nil), "a trial never measured has no totals")
    }
}
