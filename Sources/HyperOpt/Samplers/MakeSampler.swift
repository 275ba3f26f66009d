import Foundation

/// A sampler configuration that cannot work with the study's search space.
public enum SamplerError: Error, Equatable, LocalizedError, CustomStringConvertible {
    /// `grid` met a float parameter with no `step`: it has infinitely many values.
    case gridNeedsStep(parameter: String, low: Double, high: Double, log: Bool)
    /// The grid has more points than a study could run (nil: more than can be counted).
    case gridTooLarge(points: Int?)

    public var description: String {
        switch self {
        case .gridNeedsStep(let name, let low, let high, let log):
            if log {
                return "The grid sampler cannot enumerate '\(name)', a log-scale float parameter. "
                    + "List the values to try (`{type: categorical, choices: [...]}`) or use `sampler: tpe`."
            }
            let step = ParamValue.format((high - low) / 10)
            return "The grid sampler cannot enumerate '\(name)', a float parameter without a step. Give it one "
                + "(`{type: float, low: \(ParamValue.format(low)), high: \(ParamValue.format(high)), step: \(step)}`) "
                + "or use `sampler: tpe`."
        case .gridTooLarge(let points):
            let size = points.map { "\($0) points" } ?? "more points than can be counted"
            return "The grid has \(size), more than the \(GridSampler.maxPoints) hypertop enumerates. Give the parameters fewer values or use `sampler: tpe`."
        }
    }

    public var errorDescription: String? { description }
}

/// The sampler a study's config asks for.
public func makeSampler(_ spec: SamplerSpec, space: SearchSpace) throws -> any Sampler {
    switch spec {
    case .random: return RandomSampler()
    case .grid: return try GridSampler(space: space)
    case .tpe(let options): return TPESampler(options: options)
    case .gp(let options): return GPSampler(options: options)
    case .cmaes(let options): return CMAESSampler(options: options)
    case .qmc(let options): return QMCSampler(options: options)
    case .nsgaii(let options): return NSGAIISampler(options: options)
    }
}
