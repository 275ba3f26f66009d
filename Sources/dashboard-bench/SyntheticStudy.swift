import Foundation
import HyperOpt

/// A sweep's events made up without running anything: deterministic parameters and learning
/// curves, so the benchmark and the live demo show realistic tables and summaries.
struct SyntheticStudy {
    static let criterion = "eval/success_rate"
    let start: Date
    let epochs: Int
    let maxTrials: Int
    let space = SearchSpace([
        Parameter(name: "++algorithm.learning_rate", distribution: .float(low: 1e-5, high: 1e-2, log: true, step: nil)),
        Parameter(name: "++algorithm.tau", distribution: .float(low: 0.005, high: 0.1, log: false, step: nil)),
        Parameter(name: "++algorithm.gamma", distribution: .float(low: 0.9, high: 0.999, log: false, step: nil)),
        Parameter(name: "++algorithm.critic_select", distribution: .categorical(choices: [.string("min"), .string("max")])),
    ])

    var info: StudyInfo {
        let spec = StudySpec(studyName: "reach-sac-synthetic", maxTrials: maxTrials, nJobs: 4, direction: .maximize,
                             maxDurationMinutes: 60, space: space, sampler: .tpe(TPEOptions()), criterion: SyntheticStudy.criterion,
                             nEpochs: epochs, evalAfterNSteps: 2000)
        return StudyInfo(spec: spec, sweepDir: "data/reach-sac-synthetic", stopFile: "delete_me_to_stop_hyperopt",
                         pauseFile: "pause_hyperopt", startedAt: start)
    }

    func params(_ i: Int) -> Params {
        var g = SeededGenerator(seed: UInt64(i) &* 0x9E37_79B9_7F4A_7C15 &+ 17)
        var p = Params()
        for parameter in space.parameters { p[parameter.name] = parameter.distribution.sampleUniform(using: &g) }
        return p
    }

    /// The criterion after `epoch` evaluations: rises towards a ceiling set by the parameters.
    func value(_ i: Int, _ epoch: Int) -> Double {
        let p = params(i)
        let lr = p["++algorithm.learning_rate"]?.number ?? 1e-3
        let critic = p["++algorithm.critic_select"] == .string("min") ? 0.25 : 0.0
        let ceiling = 0.6 + critic - 0.08 * abs(log10(lr) + 3.2)
        var g = SeededGenerator(seed: UInt64(i * 1000 + epoch))
        let noise = (g.unit() - 0.5) * 0.08
        return min(1, max(0, ceiling * (1 - exp(-Double(epoch + 1) / 4)) + noise))
    }

    func launch(_ i: Int) -> TrialLaunch {
        TrialLaunch(number: i, paramSet: i, repeatIndex: 0, params: params(i), runDir: "data/reach-sac-synthetic/\(i)",
                    command: ["reach-trainer"] + space.parameters.compactMap { p in params(i)[p.name].map { "\(p.name)=\($0)" } },
                    startedAt: start.addingTimeInterval(Double(i) * 15))
    }

    func metrics(_ i: Int, epochs range: Range<Int>) -> EngineEvent {
        .metrics(trial: i, rows: range.map { e in
            MetricRow(step: (e + 1) * 2000, values: [SyntheticStudy.criterion: value(i, e), "train/critic_loss": 1 / Double(e + 2),
                                                     "rollout/ep_rew_mean": -50 + 45 * value(i, e)])
        })
    }

    func finished(_ i: Int) -> EngineEvent {
        let h = (0..<epochs).map { value(i, $0) }
        let score = (h.reduce(0, +) / Double(epochs) + h.suffix(3).reduce(0, +) / 3) / Double(epochs)
        return .finished(TrialOutcome(number: i, state: .complete, score: score, reason: nil, exitStatus: 0, signal: nil,
                                      endedAt: start.addingTimeInterval(Double(i) * 15 + 60)))
    }

    /// `total` trials of which the last `running` are still running.
    func events(total: Int, running: Int) -> [EngineEvent] {
        var out: [EngineEvent] = [.started(info)]
        for i in 0..<total {
            out.append(.launched(launch(i)))
            let done = i < total - running
            out.append(metrics(i, epochs: 0..<(done ? epochs : 1 + i % (epochs - 1))))
            out.append(.output(trial: i, stream: .stdout, lines: ["Eval num_timesteps=2000, episode_reward=-48.2"]))
            if done { out.append(finished(i)) }
        }
        return out
    }
}
