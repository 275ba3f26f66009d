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
            .ignored("type", "tpe, gp, random or grid (default tpe, or the defaults list's hydra/sweeper/sampler)"),
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
        .init("multivariate", "model the parameters jointly rather than one by one (default true)") { yaml, v, s in
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
        case let plain:
            var s = SamplerSettings(options: plain)
            try plainSamplerKeys.read(map, at: node, yaml, place: place, into: &s)
            return (s.options, s.seed)
        }
    }

    static func samplerNamed(_ name: String, node: Node, yaml: YAMLReader) throws -> SamplerSpec {
        switch name.lowercased() {
        case "tpe": return .tpe(TPEOptions())
        case "random": return .random
        case "grid": return .grid
        case "gp": return .gp(GPOptions())
        case "cmaes", "nsgaii", "nsgaiii", "qmc", "motpe", "partialfixed", "bruteforce":
            throw yaml.error(node, "sampler `\(name)` is not available in hypertop; use tpe, gp, random or grid.")
        default: throw yaml.error(node, "sampler `\(name)` is not one of tpe, gp, random, grid.")
        }
    }
}
