import Foundation
import Yams

/// A sampler's options as its table reads them, and the seed the block may give.
struct SamplerSettings<Options> {
    var options: Options
    var seed: UInt64?
}

/// `hydra.sweeper.sampler`: `sampler: gp`, or `sampler: {type: tpe, n_startup_trials: 5}`, or
/// Hydra's Optuna sweeper's `{_target_: optuna.samplers.TPESampler, ...}`; each sampler's own table.
extension ConfigLoader {
    /// The keys every sampler has; `type` and `_target_` are read first, to choose the table.
    static func samplerCommonKeys<Options>() -> [KeyTable<SamplerSettings<Options>>.Key] {
        [
            .ignored("type", "tpe, gp, cmaes, qmc, nsgaii (motpe: tpe), random or grid (default tpe, or the defaults list's hydra/sweeper/sampler)"),
            .ignored("_target_", "Optuna's class instead of type, e.g. optuna.samplers.TPESampler"),
            .init("seed", "the sampler's seed when hydra.sweeper has no seed of its own") { yaml, v, s in
                s.seed = UInt64(try yaml.int(v, "seed", min: 0))
            },
        ]
    }

    static let tpeKeys = KeyTable<SamplerSettings<TPEOptions>>("hydra.sweeper.sampler (type: tpe)", samplerCommonKeys() + [
        .init("n_startup_trials", "random proposals before TPE takes over (default 10)") { yaml, v, s in
            s.options.nStartupTrials = try yaml.int(v, "n_startup_trials", min: 0)
        },
        .init("n_ei_candidates", "candidates drawn for each proposal, the best by expected improvement kept (default 24)") { yaml, v, s in
            s.options.nEICandidates = try yaml.int(v, "n_ei_candidates", min: 1, max: 100_000)
        },
        .init("multivariate", "model the parameters jointly rather than one by one (default: true for one objective, false for several, as Optuna 5)") { yaml, v, s in
            s.options.multivariate = try yaml.bool(v, "multivariate")
        },
        .init("constant_liar", "count running trials as bad, so that parallel jobs spread out (default true)") { yaml, v, s in
            s.options.constantLiar = try yaml.bool(v, "constant_liar")
        },
        .init("prior_weight", "weight of the flat prior among the good and bad trials' kernels (default 1.0)") { yaml, v, s in
            s.options.priorWeight = try yaml.double(v, "prior_weight", positive: true)
        },
        .init("consider_magic_clip", "keep kernels from getting narrower than the data allows (default true)") { yaml, v, s in
            s.options.considerMagicClip = try yaml.bool(v, "consider_magic_clip")
        },
        .init("consider_endpoints", "let the range's ends widen the kernels next to them (default false)") { yaml, v, s in
            s.options.considerEndpoints = try yaml.bool(v, "consider_endpoints")
        },
        .init("consider_prior", "true only: Optuna 5 always considers the prior") { yaml, v, _ in
            if !(try yaml.bool(v, "consider_prior")) {
                throw yaml.error(v, "consider_prior: false is not supported (Optuna 5 always considers the prior); drop the key.")
            }
        },
        .init("warn_independent_sampling", "accepted (true or false) for Optuna's configs; hypertop says nothing either way") { yaml, v, _ in
            _ = try yaml.bool(v, "warn_independent_sampling")
        },
    ])

    static let gpKeys = KeyTable<SamplerSettings<GPOptions>>("hydra.sweeper.sampler (type: gp)", samplerCommonKeys() + [
        .init("n_startup_trials", "proposals before the Gaussian process takes over, 0 to 10000 (default 10)") { yaml, v, s in
            s.options.nStartupTrials = try yaml.int(v, "n_startup_trials", min: 0, max: 10_000)
        },
        .init("startup", "the first proposals: sobol (an even cover of the space, the default) or random") { yaml, v, s in
            switch try yaml.string(v, "startup") {
            case "sobol": s.options.sobolStartup = true
            case "random": s.options.sobolStartup = false
            case let other: throw yaml.error(v, "startup is `sobol` or `random`, not `\(other)`.")
            }
        },
        .ignored("deterministic_objective", "Optuna's GPSampler option; accepted and ignored"),
        .ignored("independent_sampler", "Optuna's GPSampler option; accepted and ignored"),
        .ignored("warn_independent_sampling", "Optuna's GPSampler option; accepted and ignored"),
    ])

    static let cmaesKeys = KeyTable<SamplerSettings<CMAESOptions>>("hydra.sweeper.sampler (type: cmaes)", samplerCommonKeys() + [
        .init("sigma0", "the first step size, as a share of each range (CMA-ES searches every range scaled to [0, 1]; default 1/6)") { yaml, v, s in
            s.options.sigma0 = try yaml.double(v, "sigma0", positive: true)
        },
        .init("n_startup_trials", "random proposals before CMA-ES takes over (default 1)") { yaml, v, s in
            s.options.nStartupTrials = try yaml.int(v, "n_startup_trials", min: 0, max: 10_000)
        },
        .init("popsize", "proposals per generation (default 4 + 3 ln(number of parameters))") { yaml, v, s in
            s.options.popsize = try yaml.int(v, "popsize", min: 2, max: 10_000)
        },
        .init("use_separable_cma", "a diagonal covariance: faster with many parameters, blind to their correlations (default false)") { yaml, v, s in
            s.options.useSeparableCMA = try yaml.bool(v, "use_separable_cma")
        },
        .init("x0", "the first mean, {parameter: value} (default: the middle of each range)") { yaml, v, s in
            var x0: [String: Double] = [:]
            for (key, value) in try yaml.mapping(v, "`x0`") {
                x0[try yaml.string(key, "x0")] = try yaml.double(value, "x0", positive: false)
            }
            s.options.x0 = x0
        },
        .init("restart_strategy", "null only: hypertop runs one CMA-ES without restarts", readsNull: true) { yaml, v, _ in
            if v.null == nil { throw yaml.error(v, "restart_strategy `\(v.scalar?.string ?? "")` is not supported; hypertop runs one CMA-ES without restarts (leave the key out).") }
        },
        .init("with_margin", "false only: hypertop has no margin for integer parameters") { yaml, v, _ in
            if try yaml.bool(v, "with_margin") { throw yaml.error(v, "with_margin: true is not supported; integer parameters are rounded from the continuous search.") }
        },
        .init("lr_adapt", "false only") { yaml, v, _ in
            if try yaml.bool(v, "lr_adapt") { throw yaml.error(v, "lr_adapt: true is not supported; drop the key.") }
        },
        .ignored("consider_pruned_trials", "Optuna's CmaEsSampler option; accepted and ignored (pruned trials teach it nothing)"),
        .ignored("independent_sampler", "Optuna's CmaEsSampler option; categorical parameters are drawn at random"),
        .ignored("warn_independent_sampling", "Optuna's CmaEsSampler option; accepted and ignored"),
    ])

    static let qmcKeys = KeyTable<SamplerSettings<QMCOptions>>("hydra.sweeper.sampler (type: qmc)", samplerCommonKeys() + [
        .init("qmc_type", "sobol (default) or halton") { yaml, v, s in
            let name = try yaml.string(v, "qmc_type")
            guard let kind = QMCOptions.Sequence(rawValue: name) else { throw yaml.error(v, "qmc_type is `sobol` or `halton`, not `\(name)`.") }
            s.options.qmcType = kind
        },
        .init("scramble", "randomise the sequence with the seed (default false, as Optuna)") { yaml, v, s in
            s.options.scramble = try yaml.bool(v, "scramble")
        },
        .ignored("independent_sampler", "Optuna's QMCSampler option; accepted and ignored"),
        .ignored("warn_asynchronous_seeding", "Optuna's QMCSampler option; accepted and ignored"),
        .ignored("warn_independent_sampling", "Optuna's QMCSampler option; accepted and ignored"),
    ])

    static let nsgaiiKeys = KeyTable<SamplerSettings<NSGAIIOptions>>("hydra.sweeper.sampler (type: nsgaii)", samplerCommonKeys() + [
        .init("population_size", "proposals per generation (default 50)") { yaml, v, s in
            s.options.populationSize = try yaml.int(v, "population_size", min: 2, max: 100_000)
        },
        .init("mutation_prob", "chance that a child's parameter is drawn afresh (default 1 / number of parameters)", readsNull: true) { yaml, v, s in
            s.options.mutationProb = v.null != nil ? nil : try yaml.probability(v, "mutation_prob")
        },
        .init("crossover_prob", "chance that a child mixes two parents rather than copying one (default 0.9)") { yaml, v, s in
            s.options.crossoverProb = try yaml.probability(v, "crossover_prob")
        },
        .init("swapping_prob", "the uniform crossover's chance of taking each parameter from the first parent (default 0.5)") { yaml, v, s in
            s.options.swappingProb = try yaml.probability(v, "swapping_prob")
        },
        .init("crossover", "uniform only (Optuna's default)", readsNull: true) { yaml, v, _ in
            guard v.null == nil else { return }
            let text = v.scalar?.string ?? (v.mapping?.value("_target_")?.scalar?.string ?? "")
            if !text.lowercased().contains("uniform") {
                throw yaml.error(v, "crossover `\(text)` is not supported; hypertop's NSGA-II uses Optuna's default, the uniform crossover (leave the key out).")
            }
        },
        .ignored("constraints_func", "Optuna's option; hypertop's constraints are hydra.sweeper.constraints"),
        .ignored("elite_population_selection_strategy", "Optuna's option; NSGA-II's own selection is used"),
        .ignored("child_generation_strategy", "Optuna's option; NSGA-II's own is used"),
        .ignored("after_trial_strategy", "Optuna's option; accepted and ignored"),
    ])

    /// random and grid have no options of their own.
    static let plainSamplerKeys = KeyTable<SamplerSettings<SamplerSpec>>("hydra.sweeper.sampler (type: random or grid)", samplerCommonKeys())

    static func samplerSpec(_ node: Node, yaml: YAMLReader, defaultType: String = "tpe") throws -> (SamplerSpec, UInt64?) {
        if node.scalar != nil {
            return (try samplerNamed(try yaml.string(node, "sampler"), node: node, yaml: yaml), nil)
        }
        let map = try yaml.mapping(node, "`sampler`")
        var typeName = defaultType
        if let t = map.value("type") {
            typeName = try yaml.string(t, "sampler type")
        } else if let t = map.value("_target_") {
            // Hydra's Optuna sweeper names the class: optuna.samplers.TPESampler / RandomSampler / GridSampler.
            let cls = try yaml.string(t, "_target_").split(separator: ".").last.map(String.init) ?? ""
            typeName = cls.replacingOccurrences(of: "Sampler", with: "").lowercased()
        }
        let place = "for the \(typeName) sampler"
        switch try samplerNamed(typeName, node: node, yaml: yaml) {
        case .tpe(let options):
            var s = SamplerSettings(options: options)
            try tpeKeys.read(map, at: node, yaml, place: place, into: &s)
            return (.tpe(s.options), s.seed)
        case .gp(let options):
            var s = SamplerSettings(options: options)
            try gpKeys.read(map, at: node, yaml, place: place, into: &s)
            return (.gp(s.options), s.seed)
        case .cmaes(let options):
            var s = SamplerSettings(options: options)
            try cmaesKeys.read(map, at: node, yaml, place: place, into: &s)
            return (.cmaes(s.options), s.seed)
        case .qmc(let options):
            var s = SamplerSettings(options: options)
            try qmcKeys.read(map, at: node, yaml, place: place, into: &s)
            return (.qmc(s.options), s.seed)
        case .nsgaii(let options):
            var s = SamplerSettings(options: options)
            try nsgaiiKeys.read(map, at: node, yaml, place: place, into: &s)
            return (.nsgaii(s.options), s.seed)
        case let plain:
            var s = SamplerSettings(options: plain)
            try plainSamplerKeys.read(map, at: node, yaml, place: place, into: &s)
            return (s.options, s.seed)
        }
    }

    static func samplerNamed(_ name: String, node: Node, yaml: YAMLReader) throws -> SamplerSpec {
        switch name.lowercased() {
        // Optuna 5's TPE handles several objectives itself; MOTPESampler was folded into it.
        case "tpe", "motpe": return .tpe(TPEOptions())
        case "random": return .random
        case "grid": return .grid
        case "gp": return .gp(GPOptions())
        case "cmaes", "cmaes_sampler": return .cmaes(CMAESOptions())
        case "qmc": return .qmc(QMCOptions())
        case "nsgaii": return .nsgaii(NSGAIIOptions())
        case "nsgaiii", "partialfixed", "bruteforce":
            throw yaml.error(node, "sampler `\(name)` is not available in hypertop; use tpe, gp, cmaes, qmc, nsgaii, random or grid.")
        default: throw yaml.error(node, "sampler `\(name)` is not one of tpe, gp, cmaes, qmc, nsgaii, motpe, random, grid.")
        }
    }
}
