import DashboardCore
import Foundation
import HyperOpt

/// A finished-looking study for the analysis views: 48 trials on 3 slots, scores driven mostly
/// by the learning rate (best near 1e-3), a little by critic_select, not by batch_size; some
/// pruned, some failed, and some that waited in a cluster's queue first.
enum AnalysisFixture {
    static func events(trials: Int = 48) -> [EngineEvent] {
        var out: [EngineEvent] = [.started(Fixture.info(maxTrials: trials + 12))]
        var g = SeededGenerator(seed: 2026)
        var slotFree = [0.0, 0.0, 0.0]
        var ends: [(Double, EngineEvent)] = []
        for n in 0..<trials {
            let slot = slotFree.indices.min { slotFree[$0] < slotFree[$1] }!
            let launchAt = slotFree[slot]
            var p = Params()
            for q in Fixture.space.parameters { p[q.name] = q.distribution.sampleUniform(using: &g) }
            let lr = log10(p["++algorithm.learning_rate"]!.number!) + 3
            let score = 0.9 - 0.5 * lr * lr + (p["++algorithm.critic_select"] == .string("min") ? 0.05 : 0) + 0.02 * g.unit()
            let queued = n % 9 == 4 ? 20.0 : 0
            let duration = 60 + 40 * g.unit()
            let state: TrialState = n % 11 == 6 ? .failed : n % 7 == 3 ? .pruned : .complete
            let runtime = state == .complete ? duration : duration / 2
            let start = Fixture.t0.addingTimeInterval(launchAt)
            out.append(.launched(TrialLaunch(number: n, paramSet: n, repeatIndex: 0, params: p, runDir: "data/reach-sac/\(n)",
                                             command: ["reach-trainer"], startedAt: start)))
            if queued > 0 {
                out.append(.queued(trial: n, reason: "Priority", at: start))
                out.append(.jobStarted(trial: n, at: start.addingTimeInterval(queued), node: "node1"))
            }
            let steps = state == .complete ? 10 : 4
            func value(_ e: Int, _ s: Double) -> Double { max(0, s) * (1 - exp(-Double(e + 1) / 3)) }
            out.append(.metrics(trial: n, rows: (0..<steps).map { e in
                MetricRow(step: (e + 1) * 2000, values: [Fixture.criterion: value(e, score)])
            }))
            if state == .pruned {
                // The median pruner held each evaluation against the completed trials' median there.
                for e in 0..<steps { out.append(.pruneCheck(trial: n, evaluation: e, value: value(e, score), bar: value(e, score + 0.15))) }
            }
            let end = launchAt + queued + runtime
            // A gap between trials on a slot: the sampler's turn and the job's start.
            slotFree[slot] = end + 5
            ends.append((end, .finished(TrialOutcome(number: n, state: state, score: state == .complete ? (score * 10000).rounded() / 10000 : nil,
                                                     reason: state == .failed ? "exit status 1" : state == .pruned ? "pruned by median at evaluation 4" : nil,
                                                     exitStatus: state == .failed ? 1 : 0, signal: nil,
                                                     endedAt: Fixture.t0.addingTimeInterval(end)))))
        }
        out += ends.sorted { $0.0 < $1.0 }.map(\.1)
        out.append(.phase(.done, reason: "max_trials reached"))
        return out
    }

    static func state(size: Size = Size(width: 120, height: 40), glyphs: Glyphs = .unicode, trials: Int = 48) -> DashboardState {
        var s = DashboardState(mode: .watch, glyphs: glyphs, now: Fixture.t0, size: size)
        _ = update(&s, .events(events(trials: trials)))
        _ = update(&s, .tick(Fixture.t0.addingTimeInterval(3600)))
        return s
    }
}
