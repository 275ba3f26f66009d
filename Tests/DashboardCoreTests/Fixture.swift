import DashboardCore
import Foundation
import HyperOpt

/// A small, fully deterministic study: four parameters, ten epochs per trial, some trials done.
enum Fixture {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static let criterion = "eval/success_rate"

    static let space = SearchSpace([
        Parameter(name: "++algorithm.learning_rate", distribution: .float(low: 1e-4, high: 1e-2, log: true, step: nil)),
        Parameter(name: "++algorithm.tau", distribution: .float(low: 0.01, high: 0.1, log: false, step: nil)),
        Parameter(name: "++algorithm.critic_select", distribution: .categorical(choices: [.string("min"), .string("max")])),
        Parameter(name: "++algorithm.batch_size", distribution: .int(low: 64, high: 512, log: false, step: 64)),
    ])

    static func spec(maxTrials: Int = 20) -> StudySpec {
        StudySpec(studyName: "reach-sac", maxTrials: maxTrials, nJobs: 3, direction: .maximize, maxDurationMinutes: 30,
                  space: space, sampler: .tpe(TPEOptions()), criterion: criterion, nEpochs: 10, evalAfterNSteps: 2000)
    }

    static func info(maxTrials: Int = 20) -> StudyInfo {
        StudyInfo(spec: spec(maxTrials: maxTrials), sweepDir: "data/reach-sac", stopFile: "delete_me_to_stop_hyperopt",
                  pauseFile: "pause_hyperopt", startedAt: t0)
    }

    static func params(_ i: Int) -> Params {
        [
            "++algorithm.learning_rate": .float([1e-4, 3e-4, 1e-3, 3e-3, 6e-3][i % 5]),
            "++algorithm.tau": .float([0.02, 0.05, 0.08][i % 3]),
            "++algorithm.critic_select": .string(i % 2 == 0 ? "min" : "max"),
            "++algorithm.batch_size": .int(64 * (1 + i % 8)),
        ]
    }

    /// Success rate of trial `i` at epoch `e`: min beats max, mid learning rates beat extremes.
    static func curve(_ i: Int, _ e: Int) -> Double {
        let ceiling = (i % 2 == 0 ? 0.9 : 0.55) - 0.1 * Double(abs(i % 5 - 2))
        let v = ceiling * (1 - exp(-Double(e + 1) / 3)) + 0.01 * Double((i * 7 + e * 3) % 5)
        return (v * 1000).rounded() / 1000
    }

    static func launch(_ i: Int) -> TrialLaunch {
        TrialLaunch(number: i, paramSet: i, repeatIndex: 0, params: params(i), runDir: "data/reach-sac/\(i)",
                    command: ["reach-trainer", "++algorithm.learning_rate=\(params(i)["++algorithm.learning_rate"]?.description ?? "")",
                              "++algorithm.tau=\(params(i)["++algorithm.tau"]?.description ?? "")"],
                    startedAt: t0.addingTimeInterval(Double(i) * 20))
    }

    static func metrics(_ i: Int, epochs: Int) -> EngineEvent {
        .metrics(trial: i, rows: (0..<epochs).map { e in
            MetricRow(step: (e + 1) * 2000, values: [criterion: curve(i, e), "train/actor_loss": 1.0 / Double(e + 2)])
        })
    }

    /// `finished` complete trials (0..<finished), then `running` trials with a few epochs each.
    static func events(finished: Int, running: Int, failed: Set<Int> = []) -> [EngineEvent] {
        var out: [EngineEvent] = [.started(info())]
        for i in 0..<(finished + running) {
            out.append(.launched(launch(i)))
            let done = i < finished
            out.append(metrics(i, epochs: done ? (failed.contains(i) ? 4 : 10) : 1 + i % 6))
            out.append(.output(trial: i, stream: .stdout, lines: ["epoch 1 success_rate=\(curve(i, 0))", "| eval/ | |"]))
            if done {
                let end = t0.addingTimeInterval(Double(i) * 20 + 95)
                if failed.contains(i) {
                    out.append(.output(trial: i, stream: .stderr, lines: ["Traceback (most recent call last):", "RuntimeError: NaN in actor loss"]))
                    out.append(.finished(TrialOutcome(number: i, state: .failed, score: nil, reason: "exit status 1",
                                                      exitStatus: 1, signal: nil, endedAt: end)))
                } else {
                    let h = (0..<10).map { curve(i, $0) }
                    let score = (h.reduce(0, +) / 10 + h.suffix(3).reduce(0, +) / 3) / 10
                    out.append(.finished(TrialOutcome(number: i, state: .complete, score: (score * 10000).rounded() / 10000,
                                                      reason: nil, exitStatus: 0, signal: nil, endedAt: end)))
                }
            }
        }
        return out
    }

    /// The dashboard of the fixture study, mid-sweep.
    static func state(size: Size = Size(width: 120, height: 40), finished: Int = 9, running: Int = 3,
                      failed: Set<Int> = [4], mode: DashboardMode = .live, glyphs: Glyphs = .unicode) -> DashboardState {
        var s = DashboardState(mode: mode, glyphs: glyphs, now: t0, size: size)
        _ = update(&s, .events(events(finished: finished, running: running, failed: failed)))
        _ = update(&s, .tick(t0.addingTimeInterval(300)))
        return s
    }
}
