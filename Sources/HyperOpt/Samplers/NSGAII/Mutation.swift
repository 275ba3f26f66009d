import Foundation

/// NSGA-II's mutation as Optuna runs it with no `mutation` given: a mutated parameter is drawn
/// afresh, uniformly over its distribution (as the random sampler draws it).
enum Mutation {
    /// `mutationProb`, or by default 1 / the number of parameters with more than one value
    /// (Optuna leaves single-valued ones out of the space it breeds; at least 1 is divided by).
    static func probability(_ option: Double?, space: SearchSpace) -> Double {
        if let option { return option }
        let varying = space.parameters.filter { !isSingle($0.distribution) }.count
        return 1 / Double(max(1, varying))
    }

    /// Draws each parameter of `child` afresh with `probability`, and always one the parents did
    /// not supply or whose value the space no longer holds (a search space edited on resume).
    static func apply(to child: inout Params, space: SearchSpace, probability: Double, using g: inout SeededGenerator) {
        for p in space.parameters {
            let mutate = g.unit() < probability
            if mutate || !(child[p.name].map(p.distribution.contains) ?? false) {
                child[p.name] = p.distribution.sampleUniform(using: &g)
            }
        }
    }

    /// A distribution with one value (low == high, or one choice).
    static func isSingle(_ d: Distribution) -> Bool {
        if let n = d.cardinality { return n <= 1 }
        if case .float(let low, let high, _, _) = d { return low >= high }
        return false
    }
}
