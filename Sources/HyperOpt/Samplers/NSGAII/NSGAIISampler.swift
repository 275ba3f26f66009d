import Foundation

/// NSGA-II (Deb et al. 2002), as Optuna 5.1's NSGAIISampler runs it with its defaults: the first
/// generation at random, then each child bred from the current parent population (`Generations`,
/// `EliteSelection`): with probability `crossoverProb` two parents picked by binary tournament
/// are mixed by uniform crossover (`Crossover`), otherwise one random parent is copied; then each
/// parameter is drawn afresh with probability `mutationProb` (`Mutation`). Several objectives,
/// one objective, and constraints (Deb's constrained domination) all work.
///
/// Where hypertop differs from Optuna: generations come from trial numbers (see `Generations`);
/// only the uniform crossover exists; a child whose set may not run again (`excluded`) is bred
/// again, up to `childAttempts` times, and then the proposal is random. Proposals depend only on
/// the context (its seed, trial number and attempt fix the random stream); the parents are kept
/// between asks and recomputed only where the scored sets changed.
public struct NSGAIISampler: Sampler {
    public let options: NSGAIIOptions
    public var name: String { "nsgaii" }
    /// Children (then random draws) tried per ask before giving up on `excluded`.
    static let childAttempts = 16
    private var generations: Generations

    public init(options: NSGAIIOptions = NSGAIIOptions()) {
        self.options = options
        generations = Generations(populationSize: options.populationSize)
    }

    public mutating func sample(_ context: SamplingContext) -> Params? {
        var g = context.makeGenerator(salt: 0x4E53_4741_4949)
        let space = context.space
        let excluded = context.excluded
        let isFree = { (params: Params) in excluded.isEmpty || !excluded.contains(ParamKey(params, space: space)) }
        let generation = generations.generation(ofTrial: context.trialNumber)
        let population = generations.population(of: generation, completed: context.completed, directions: context.directions)
        if !population.isEmpty {
            let mutation = Mutation.probability(options.mutationProb, space: space)
            for _ in 0..<Self.childAttempts {
                let child = breed(population, space: space, mutationProbability: mutation, using: &g)
                if isFree(child) { return child }
            }
        }
        var random = Self.uniform(space, using: &g)
        for _ in 1..<Self.childAttempts where !isFree(random) { random = Self.uniform(space, using: &g) }
        return random
    }

    /// One child of the parent population.
    func breed(_ population: [Individual], space: SearchSpace, mutationProbability: Double,
               using g: inout SeededGenerator) -> Params {
        var child: Params
        if g.unit() < options.crossoverProb {
            let (first, second) = Crossover.parents(population, using: &g)
            child = Crossover.uniform(first.observation.params, second.observation.params, space: space,
                                      swappingProb: options.swappingProb, using: &g)
        } else {
            child = Crossover.copy(population[Crossover.pick(population.count, using: &g)].observation.params, space: space)
        }
        Mutation.apply(to: &child, space: space, probability: mutationProbability, using: &g)
        return child
    }

    /// Every parameter drawn uniformly (the first generation, and the last resort).
    static func uniform(_ space: SearchSpace, using g: inout SeededGenerator) -> Params {
        var out = Params()
        for p in space.parameters { out[p.name] = p.distribution.sampleUniform(using: &g) }
        return out
    }
}
