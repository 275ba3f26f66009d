import Foundation
import Yams

/// A percentile pruner's options as its table reads them; the table refuses a pruner without
/// `percentile`, so its placeholder never survives.
struct PercentileSettings {
    var percentile = 0.0
    var options = MedianPrunerOptions()
}

/// A patient pruner's options as its table reads them (the table refuses one without `patience`).
struct PatientSettings {
    var patience = 0
    var minDelta = 0.0
    var wrapped: PrunerSpec?
}

/// `hydra.sweeper.pruner`: Optuna's pruners by their names and options, one table per pruner.
extension ConfigLoader {
    /// The pruners' names, as messages list them.
    static let prunerTypes = ["hyperband", "median", "none", "patient", "percentile", "successive_halving", "threshold"]

    /// Other names users write: Optuna's class names (`_target_: optuna.pruners.MedianPruner`) and ASHA.
    static func prunerType(_ name: String) -> String? {
        let last = name.split(separator: ".").last.map(String.init) ?? name
        switch last.lowercased() {
        case "median", "medianpruner": return "median"
        case "percentile", "percentilepruner": return "percentile"
        case "successive_halving", "successivehalving", "successivehalvingpruner", "asha", "sha": return "successive_halving"
        case "hyperband", "hyperbandpruner": return "hyperband"
        case "threshold", "thresholdpruner": return "threshold"
        case "patient", "patientpruner": return "patient"
        case "none", "nop", "noppruner": return "none"
        default: return nil
        }
    }

    /// `type` and `_target_` are read first, to choose the table.
    static func prunerCommonKeys<Options>(_ type: String) -> [KeyTable<Options>.Key] {
        [
            .ignored("type", "\(type) (Optuna's class name works too)"),
            .ignored("_target_", "Optuna's class instead of type, e.g. optuna.pruners.MedianPruner"),
        ]
    }

    /// A whole number option of a pruner, at most a million.
    static func prunerInt(_ yaml: YAMLReader, _ v: Node, _ key: String, min: Int) throws -> Int {
        try yaml.int(v, key, min: min, max: 1_000_000)
    }

    /// `auto` (Optuna's: nil) or a whole number.
    static func autoInt(_ yaml: YAMLReader, _ v: Node, _ key: String) throws -> Int? {
        if v.scalar?.string == "auto" { return nil }
        return try prunerInt(yaml, v, key, min: 1)
    }

    /// The median pruner's keys, which the percentile pruner shares.
    static func medianKeys<Options>(_ options: WritableKeyPath<Options, MedianPrunerOptions> & Sendable) -> [KeyTable<Options>.Key] {
        [
            .init("n_startup_trials", "completed trials the study needs before any trial is pruned (default 5)") { yaml, v, o in
                o[keyPath: options].nStartupTrials = try prunerInt(yaml, v, "n_startup_trials", min: 0)
            },
            .init("n_warmup_steps", "evaluations every trial may make before it can be pruned (default 0)") { yaml, v, o in
                o[keyPath: options].nWarmupSteps = try prunerInt(yaml, v, "n_warmup_steps", min: 0)
            },
            .init("interval_steps", "pruning is checked every this many evaluations after the warm-up (default 1)") { yaml, v, o in
                o[keyPath: options].intervalSteps = try prunerInt(yaml, v, "interval_steps", min: 1)
            },
            .init("n_min_trials", "completed trials that reached the evaluation before it is judged (default 1)") { yaml, v, o in
                o[keyPath: options].nMinTrials = try prunerInt(yaml, v, "n_min_trials", min: 1)
            },
        ]
    }

    static let medianPrunerKeys = KeyTable<MedianPrunerOptions>("hydra.sweeper.pruner (type: median)",
                                                                prunerCommonKeys("median") + medianKeys(\.self))

    static let percentilePrunerKeys = KeyTable<PercentileSettings>("hydra.sweeper.pruner (type: percentile)", prunerCommonKeys("percentile") + [
        .init("percentile", "0 to 100: a trial worse than this percentile of the others is pruned (25 keeps the best quarter's company)", absent: { yaml, node, _ in
            throw yaml.error(node, "the percentile pruner needs `percentile` (0 to 100; 25 keeps the best quarter's company).")
        }) { yaml, v, o in
            let p = try yaml.double(v, "percentile", positive: false)
            guard (0...100).contains(p) else { throw yaml.error(v, "`percentile` must be between 0 and 100, got \(p).") }
            o.percentile = p
        },
    ] + medianKeys(\.options))

    static let successiveHalvingPrunerKeys = KeyTable<SuccessiveHalvingOptions>("hydra.sweeper.pruner (type: successive_halving, or asha)", prunerCommonKeys("successive_halving") + [
        .init("min_resource", "evaluations before the first rung, or auto (default auto)") { yaml, v, o in
            o.minResource = try autoInt(yaml, v, "min_resource")
        },
        .init("reduction_factor", "each rung keeps one trial in this many (default 4)") { yaml, v, o in
            o.reductionFactor = try prunerInt(yaml, v, "reduction_factor", min: 2)
        },
        .init("min_early_stopping_rate", "rungs skipped at the start (default 0)") { yaml, v, o in
            o.minEarlyStoppingRate = try prunerInt(yaml, v, "min_early_stopping_rate", min: 0)
        },
        .init("bootstrap_count", "trials that must reach a rung before it prunes (default 0; needs a number for min_resource)") { yaml, v, o in
            o.bootstrapCount = try prunerInt(yaml, v, "bootstrap_count", min: 0)
            if o.bootstrapCount > 0 && o.minResource == nil {
                throw yaml.error(v, "`bootstrap_count` needs a number for `min_resource`, not auto (as in Optuna).")
            }
        },
    ])

    static let hyperbandPrunerKeys = KeyTable<HyperbandOptions>("hydra.sweeper.pruner (type: hyperband)", prunerCommonKeys("hyperband") + [
        .init("min_resource", "evaluations before the first rung of the most eager bracket (default 1)") { yaml, v, o in
            o.minResource = try prunerInt(yaml, v, "min_resource", min: 1)
        },
        .init("max_resource", "evaluations of a full run, or auto: the longest completed trial's (default auto)") { yaml, v, o in
            o.maxResource = try autoInt(yaml, v, "max_resource")
            if let m = o.maxResource, m < o.minResource {
                throw yaml.error(v, "`max_resource` (\(m)) must be at least `min_resource` (\(o.minResource)).")
            }
        },
        .init("reduction_factor", "each rung keeps one trial in this many (default 3)") { yaml, v, o in
            o.reductionFactor = try prunerInt(yaml, v, "reduction_factor", min: 2)
        },
        .init("bootstrap_count", "trials that must reach a rung before it prunes (default 0; needs a number for max_resource)") { yaml, v, o in
            o.bootstrapCount = try prunerInt(yaml, v, "bootstrap_count", min: 0)
            if o.bootstrapCount > 0 && o.maxResource == nil {
                throw yaml.error(v, "`bootstrap_count` needs a number for `max_resource`, not auto (as in Optuna).")
            }
        },
    ])

    static let thresholdPrunerKeys = KeyTable<ThresholdOptions>("hydra.sweeper.pruner (type: threshold)", prunerCommonKeys("threshold") + [
        .init("lower", "a value below this is pruned (lower or upper or both)") { yaml, v, o in
            o.lower = try yaml.double(v, "lower", positive: false)
        },
        .init("upper", "a value above this is pruned") { yaml, v, o in
            o.upper = try yaml.double(v, "upper", positive: false)
        },
        .init("n_warmup_steps", "evaluations every trial may make before it can be pruned (default 0)") { yaml, v, o in
            o.nWarmupSteps = try prunerInt(yaml, v, "n_warmup_steps", min: 0)
        },
        .init("interval_steps", "pruning is checked every this many evaluations after the warm-up (default 1)") { yaml, v, o in
            o.intervalSteps = try prunerInt(yaml, v, "interval_steps", min: 1)
        },
    ])

    static let patientPrunerKeys = KeyTable<PatientSettings>("hydra.sweeper.pruner (type: patient)", prunerCommonKeys("patient") + [
        .init("patience", "evaluations without improvement it waits", absent: { yaml, node, _ in
            throw yaml.error(node, "the patient pruner needs `patience` (evaluations without improvement it waits).")
        }) { yaml, v, o in
            o.patience = try prunerInt(yaml, v, "patience", min: 0)
        },
        .init("min_delta", "the least change that counts as an improvement (default 0)") { yaml, v, o in
            o.minDelta = try yaml.double(v, "min_delta", positive: false)
            if o.minDelta < 0 { throw yaml.error(v, "`min_delta` must be 0 or more, got \(o.minDelta).") }
        },
        .init("wrapped_pruner", "the pruner asked once the curve stopped improving, e.g. {type: median} (default none: prune then)") { yaml, v, o in
            guard v.null == nil else { return }
            let wrapped = try prunerSpec(v, yaml: yaml)
            if case .patient = wrapped { throw yaml.error(v, "a patient pruner cannot wrap another patient pruner.") }
            o.wrapped = wrapped == PrunerSpec.none ? nil : wrapped
        },
    ])

    static let noPrunerKeys = KeyTable<PrunerSpec>("hydra.sweeper.pruner (type: none)", prunerCommonKeys("none"))

    /// `pruner: asha`, or `pruner: {type: hyperband, min_resource: 1, reduction_factor: 3}`,
    /// or `pruner: {type: patient, patience: 3, wrapped_pruner: {type: median}}`.
    static func prunerSpec(_ node: Node, yaml: YAMLReader) throws -> PrunerSpec {
        let known = prunerTypes.joined(separator: ", ") + " (or asha)"
        if node.scalar != nil {
            let name = try yaml.string(node, "pruner")
            guard let type = prunerType(name) else { throw yaml.error(node, "pruner `\(name)` is not one of \(known).") }
            if type == "patient" { throw yaml.error(node, "the patient pruner needs `patience`: write `pruner: {type: patient, patience: 3, wrapped_pruner: {type: median}}`.") }
            if type == "threshold" { throw yaml.error(node, "the threshold pruner needs `lower` or `upper`: write `pruner: {type: threshold, lower: 0.05}`.") }
            return try prunerSpec(type: type, Node.Mapping([]), at: node, yaml: yaml)
        }
        let map = try yaml.mapping(node, "`pruner`")
        var typeName: String?
        for (k, v) in map where k.string == "type" || k.string == "_target_" {
            typeName = try yaml.string(v, "pruner type")
        }
        let name = typeName ?? "median"
        guard let type = prunerType(name) else {
            throw yaml.error(map.first { $0.key.string == "type" || $0.key.string == "_target_" }?.value ?? node, "pruner `\(name)` is not one of \(known).")
        }
        return try prunerSpec(type: type, map, at: node, yaml: yaml)
    }

    private static func prunerSpec(type: String, _ map: Node.Mapping, at node: Node, yaml: YAMLReader) throws -> PrunerSpec {
        let place = "for the \(type) pruner"
        switch type {
        case "median":
            var o = MedianPrunerOptions()
            try medianPrunerKeys.read(map, at: node, yaml, place: place, into: &o)
            return .median(o)
        case "percentile":
            var o = PercentileSettings()
            try percentilePrunerKeys.read(map, at: node, yaml, place: place, into: &o)
            return .percentile(o.percentile, o.options)
        case "successive_halving":
            var o = SuccessiveHalvingOptions()
            try successiveHalvingPrunerKeys.read(map, at: node, yaml, place: place, into: &o)
            return .successiveHalving(o)
        case "hyperband":
            var o = HyperbandOptions()
            try hyperbandPrunerKeys.read(map, at: node, yaml, place: place, into: &o)
            return .hyperband(o)
        case "threshold":
            var o = ThresholdOptions()
            try thresholdPrunerKeys.read(map, at: node, yaml, place: place, into: &o)
            guard o.lower != nil || o.upper != nil else { throw yaml.error(node, "the threshold pruner needs `lower` or `upper` (or both).") }
            if let lower = o.lower, let upper = o.upper, lower > upper, let lowerNode = map.value("lower") {
                throw yaml.error(lowerNode, "`lower` (\(lower)) is greater than `upper` (\(upper)).")
            }
            return .threshold(o)
        case "patient":
            var o = PatientSettings()
            try patientPrunerKeys.read(map, at: node, yaml, place: place, into: &o)
            return .patient(PatientOptions(patience: o.patience, minDelta: o.minDelta), wrapped: o.wrapped)
        default:
            var o = PrunerSpec.none
            try noPrunerKeys.read(map, at: node, yaml, place: place, into: &o)
            return o
        }
    }
}
