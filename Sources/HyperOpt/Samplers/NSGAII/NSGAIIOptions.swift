import Foundation

/// Options of `sampler: nsgaii`, named as Optuna's NSGAIISampler names its arguments, with its
/// defaults. Only Optuna's default crossover, the uniform one, is implemented, so there is no
/// `crossover` option; `swappingProb` is that crossover's.
public struct NSGAIIOptions: Sendable, Hashable, Codable {
    /// Parameter sets per generation; the first generation is drawn at random (at least 2).
    public var populationSize = 50
    /// Chance that each parameter of a child is drawn afresh (uniformly); nil: 1 / the number of
    /// parameters that have more than one value.
    public var mutationProb: Double?
    /// Chance that a child mixes two parents; otherwise it copies one parent.
    public var crossoverProb = 0.9
    /// The uniform crossover's chance of taking each parameter from the first parent rather than
    /// the second (as Optuna's `UniformCrossover`; both parents are tournament winners).
    public var swappingProb = 0.5

    public init(populationSize: Int = 50, mutationProb: Double? = nil, crossoverProb: Double = 0.9, swappingProb: Double = 0.5) {
        self.populationSize = populationSize
        self.mutationProb = mutationProb
        self.crossoverProb = crossoverProb
        self.swappingProb = swappingProb
    }

    enum CodingKeys: String, CodingKey { case populationSize, mutationProb, crossoverProb, swappingProb }

    /// Keys a store written by an older hypertop lacks take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        populationSize = try c.decodeIfPresent(Int.self, forKey: .populationSize) ?? 50
        mutationProb = try c.decodeIfPresent(Double.self, forKey: .mutationProb)
        crossoverProb = try c.decodeIfPresent(Double.self, forKey: .crossoverProb) ?? 0.9
        swappingProb = try c.decodeIfPresent(Double.self, forKey: .swappingProb) ?? 0.5
    }
}
