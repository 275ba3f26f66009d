import Foundation
import XCTest
@testable import HyperOpt
@testable import SweepEngine
import TestSupport

/// A sweep of `Fixtures/job.sh` in a fresh temporary project directory.
struct SweepFixture {
    static let job = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/job.sh").path

    let directory: String
    var spec: StudySpec
    var maxReadsAtEnd = 256

    init(maxTrials: Int, nJobs: Int, minPerParamSet: Int = 1, maxPerParamSet: Int = 1, space: [Parameter]? = nil) throws {
        directory = NSTemporaryDirectory() + "sweep-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let defaultSpace = [
            Parameter(name: "++x", distribution: .float(low: 0, high: 1, log: false, step: nil)),
            Parameter(name: "++mode", distribution: .categorical(choices: [.string("ok"), .string("crash"), .string("writenan"), .string("silent"), .string("garbage"),
                                                                        .string("fifo"), .string("devzero")])),
            Parameter(name: "++sleep", distribution: .float(low: 0, high: 10, log: false, step: nil)),
            Parameter(name: "++epochs", distribution: .int(low: 1, high: 5, log: false, step: 1)),
        ]
        spec = StudySpec(studyName: "t", maxTrials: maxTrials, nJobs: nJobs, direction: .maximize,
                         minTrialsPerParam: minPerParamSet, maxTrialsPerParam: maxPerParamSet, space: SearchSpace(space ?? defaultSpace),
                         command: [Self.job], sampler: .random, seed: 1, killGraceSeconds: 1)
    }

    static func params(x: Double = 0.5, mode: String = "ok", sleep: Double = 0, epochs: Int = 3) -> Params {
        ["++x": .float(x), "++mode": .string(mode), "++sleep": .float(sleep), "++epochs": .int(epochs)]
    }

    var setup: SweepSetup {
        var s = SweepSetup(spec: spec, jobCommand: [Self.job], projectDirectory: directory, sweepDirectory: directory + "/data/t",
                           configRoot: nil, seed: 1, pollInterval: .milliseconds(50))
        s.maxReadsAtEnd = maxReadsAtEnd
        return s
    }

    var stopFile: String { directory + "/" + ControlFiles.stopFileName }

    func scheduler(_ sampler: any Sampler) -> Scheduler {
        Scheduler(setup: setup, sampler: sampler)
    }

    /// A scheduler whose jobs are `FakeJob`s on a `ManualClock`: no process, no waiting.
    func fakeScheduler(_ sampler: any Sampler = ScriptedParams(script: [params()]), sink: (any EventSink)? = nil,
                       clock: ManualClock = ManualClock(), jobs: @escaping @Sendable (Int) -> FakeJob) -> (Scheduler, FakeLauncher, ManualClock) {
        let slurm: SlurmOptions? = if case .slurm(let o) = spec.launching { o } else { nil }
        let launcher = FakeLauncher(clock: clock, slurmOptions: slurm, script: jobs)
        var setup = self.setup
        setup.pollInterval = .milliseconds(500)
        return (Scheduler(setup: setup, launcher: launcher, sink: sink, sampler: sampler, clock: clock), launcher, clock)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// Waits until `condition` holds, polling; fails the test after `timeout` seconds.
func eventually(timeout: Double = 10, _ what: String, _ condition: @escaping () async -> Bool) async {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        if await condition() { return }
        try? await Task.sleep(for: .milliseconds(20))
    }
    XCTFail("timed out waiting for: \(what)")
}

