import Foundation
@testable import HyperOpt

/// Runs a sequential study the way the scheduler feeds a sampler: one observation per set, the
/// sets already run excluded (max_trials_per_param = 1), refused proposals retried.
func runStudy(_ sampler: any Sampler, space: SearchSpace, direction: Direction = .minimize, seed: UInt64,
              trials: Int, objective: (Params) -> Double) -> [(params: Params, value: Double)] {
    var sampler = sampler
    var observations: [Observation] = []
    var seen = Set<ParamKey>()
    var history: [(params: Params, value: Double)] = []
    for t in 0..<trials {
        var context = SamplingContext(space: space, direction: direction, trialNumber: t, seed: seed,
                                      completed: observations, excluded: seen)
        var proposal = sampler.sample(context)
        while let p = proposal, seen.contains(ParamKey(p, space: space)), context.attempt < 20 {
            context.attempt += 1
            proposal = context.attempt < 3 ? sampler.sample(context) : RandomSampler().sample(context)
        }
        guard let params = proposal else { break }
        let value = objective(params)
        seen.insert(ParamKey(params, space: space))
        observations.append(Observation(params: params, value: value, number: t))
        history.append((params, value))
    }
    return history
}

func number(_ params: Params, _ name: String) -> Double {
    params[name]?.number ?? .nan
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// A history of `count` uniform random sets with the given objective, as observations.
func randomObservations(_ space: SearchSpace, count: Int, seed: UInt64, objective: (Params) -> Double) -> [Observation] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { t in
        var params = Params()
        for p in space.parameters { params[p.name] = p.distribution.sampleUniform(using: &g) }
        return Observation(params: params, value: objective(params), number: t)
    }
}
