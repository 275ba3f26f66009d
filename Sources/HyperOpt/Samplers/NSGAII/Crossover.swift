import Foundation

/// How NSGA-II mixes two parents: each chosen by a binary tournament, then Optuna's default,
/// the uniform crossover.
enum Crossover {
    /// A uniform index in 0..<count (count > 0).
    static func pick(_ count: Int, using g: inout SeededGenerator) -> Int {
        min(count - 1, Int(g.unit() * Double(count)))
    }

    /// Optuna's binary tournament: two sets drawn at random (possibly the same one); the first
    /// wins only if it dominates the second (constrained domination), otherwise the second does.
    static func tournament(_ pool: [Individual], using g: inout SeededGenerator) -> Int {
        tournament(count: pool.count, using: &g) { pool[$0] }
    }

    /// The tournament among `count` sets, the k-th being `individual(k)`.
    private static func tournament(count: Int, using g: inout SeededGenerator, _ individual: (Int) -> Individual) -> Int {
        let a = pick(count, using: &g), b = pick(count, using: &g)
        return individual(a).dominates(individual(b)) ? a : b
    }

    /// Two parents: the first from the whole population, the second from the others (the same
    /// set twice only when the population has one set).
    static func parents(_ population: [Individual], using g: inout SeededGenerator) -> (Individual, Individual) {
        let first = tournament(population, using: &g)
        guard population.count > 1 else { return (population[first], population[first]) }
        // The others, without copying them: the k-th is population[k], or population[k + 1] from `first` on.
        let other = { (k: Int) in k < first ? k : k + 1 }
        let second = tournament(count: population.count - 1, using: &g) { population[other($0)] }
        return (population[first], population[other(second)])
    }

    /// Uniform crossover: each parameter of the space from the first parent with probability
    /// `swappingProb`, else from the second (Optuna draws it per parameter the same way, for
    /// numbers and categories alike). A parameter the chosen parent lacks is left out (drawn
    /// afresh by `Mutation`).
    static func uniform(_ first: Params, _ second: Params, space: SearchSpace, swappingProb: Double,
                        using g: inout SeededGenerator) -> Params {
        var child = Params(minimumCapacity: space.parameters.count)
        for p in space.parameters {
            child[p.name] = g.unit() < swappingProb ? first[p.name] : second[p.name]
        }
        return child
    }

    /// A copy of one parent's values of the space's parameters (the child when no crossover happens).
    static func copy(_ parent: Params, space: SearchSpace) -> Params {
        var child = Params(minimumCapacity: space.parameters.count)
        for p in space.parameters { child[p.name] = parent[p.name] }
        return child
    }
}
