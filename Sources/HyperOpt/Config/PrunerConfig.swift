import Foundation
import Yams

/// `hydra.sweeper.pruner`: Optuna's pruners by their names and options.
extension ConfigLoader {
    static let prunerTypes: [String: [String]] = [
        "median": ["n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials"],
        "percentile": ["percentile", "n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials"],
        "successive_halving": ["min_resource", "reduction_factor", "min_early_stopping_rate", "bootstrap_count"],
        "hyperband": ["min_resource", "max_resource", "reduction_factor", "bootstrap_count"],
        "threshold": ["lower", "upper", "n_warmup_steps", "interval_steps"],
        "patient": ["patience", "min_delta", "wrapped_pruner"],
        "none": [],
    ]
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

    /// `pruner: asha`, or `pruner: {type: hyperband, min_resource: 1, reduction_factor: 3}`,
    /// or `pruner: {type: patient, patience: 3, wrapped_pruner: {type: median}}`.
    static func prunerSpec(_ node: Node, doc: Doc) throws -> PrunerSpec {
        let known = prunerTypes.keys.sorted().joined(separator: ", ") + " (or asha)"
        if node.scalar != nil {
            let name = try doc.string(node, "pruner")
            guard let type = prunerType(name) else { throw doc.error(node, "pruner `\(name)` is not one of \(known).") }
            if type == "patient" { throw doc.error(node, "the patient pruner needs `patience`: write `pruner: {type: patient, patience: 3, wrapped_pruner: {type: median}}`.") }
            if type == "threshold" { throw doc.error(node, "the threshold pruner needs `lower` or `upper`: write `pruner: {type: threshold, lower: 0.05}`.") }
            return try prunerSpec(type: type, [:], at: node, doc: doc)
        }
        let map = try doc.mapping(node, "`pruner`")
        var typeName: String?
        var values: [String: Node] = [:]
        for (k, v) in map {
            let key = k.string ?? ""
            if key == "type" || key == "_target_" {
                typeName = try doc.string(v, "pruner type")
            } else {
                values[key] = v
            }
        }
        let name = typeName ?? "median"
        guard let type = prunerType(name) else {
            throw doc.error(map.first { $0.key.string == "type" || $0.key.string == "_target_" }?.value ?? node, "pruner `\(name)` is not one of \(known).")
        }
        let allowed = prunerTypes[type] ?? []
        for (k, _) in map {
            let key = k.string ?? ""
            if key != "type" && key != "_target_" && !allowed.contains(key) {
                throw doc.error(k, "unknown key `\(key)` for the \(type) pruner; known keys: \((["type"] + allowed).joined(separator: ", ")).")
            }
        }
        return try prunerSpec(type: type, values, at: node, doc: doc)
    }

    private static func prunerSpec(type: String, _ v: [String: Node], at node: Node, doc: Doc) throws -> PrunerSpec {
        func int(_ key: String, min: Int, default d: Int) throws -> Int { try v[key].map { try doc.int($0, key, min: min, max: 1_000_000) } ?? d }
        func autoInt(_ key: String) throws -> Int?? {
            guard let n = v[key] else { return .none }
            if n.scalar?.string == "auto" { return .some(nil) }
            return .some(try doc.int(n, key, min: 1, max: 1_000_000))
        }
        switch type {
        case "none":
            return .none
        case "median", "percentile":
            let o = MedianPrunerOptions(nStartupTrials: try int("n_startup_trials", min: 0, default: 5), nWarmupSteps: try int("n_warmup_steps", min: 0, default: 0),
                                        intervalSteps: try int("interval_steps", min: 1, default: 1), nMinTrials: try int("n_min_trials", min: 1, default: 1))
            if type == "median" { return .median(o) }
            guard let pn = v["percentile"] else { throw doc.error(node, "the percentile pruner needs `percentile` (0 to 100; 25 keeps the best quarter's company).") }
            let p = try doc.double(pn, "percentile", positive: false)
            guard (0...100).contains(p) else { throw doc.error(pn, "`percentile` must be between 0 and 100, got \(p).") }
            return .percentile(p, o)
        case "successive_halving":
            let minResource = try autoInt("min_resource") ?? nil
            let o = SuccessiveHalvingOptions(minResource: minResource, reductionFactor: try int("reduction_factor", min: 2, default: 4),
                                             minEarlyStoppingRate: try int("min_early_stopping_rate", min: 0, default: 0),
                                             bootstrapCount: try int("bootstrap_count", min: 0, default: 0))
            if o.bootstrapCount > 0 && o.minResource == nil {
                throw doc.error(v["bootstrap_count"] ?? node, "`bootstrap_count` needs a number for `min_resource`, not auto (as in Optuna).")
            }
            return .successiveHalving(o)
        case "hyperband":
            let maxResource = try autoInt("max_resource") ?? nil
            let o = HyperbandOptions(minResource: try int("min_resource", min: 1, default: 1), maxResource: maxResource,
                                     reductionFactor: try int("reduction_factor", min: 2, default: 3), bootstrapCount: try int("bootstrap_count", min: 0, default: 0))
            if let m = o.maxResource, m < o.minResource {
                throw doc.error(v["max_resource"] ?? node, "`max_resource` (\(m)) must be at least `min_resource` (\(o.minResource)).")
            }
            if o.bootstrapCount > 0 && o.maxResource == nil {
                throw doc.error(v["bootstrap_count"] ?? node, "`bootstrap_count` needs a number for `max_resource`, not auto (as in Optuna).")
            }
            return .hyperband(o)
        case "threshold":
            let lower = try v["lower"].map { try doc.double($0, "lower", positive: false) }
            let upper = try v["upper"].map { try doc.double($0, "upper", positive: false) }
            guard lower != nil || upper != nil else { throw doc.error(node, "the threshold pruner needs `lower` or `upper` (or both).") }
            if let lower, let upper, lower > upper { throw doc.error(v["lower"]!, "`lower` (\(lower)) is greater than `upper` (\(upper)).") }
            return .threshold(ThresholdOptions(lower: lower, upper: upper, nWarmupSteps: try int("n_warmup_steps", min: 0, default: 0),
                                               intervalSteps: try int("interval_steps", min: 1, default: 1)))
        case "patient":
            guard v["patience"] != nil else { throw doc.error(node, "the patient pruner needs `patience` (evaluations without improvement it waits).") }
            let minDelta = try v["min_delta"].map { try doc.double($0, "min_delta", positive: false) } ?? 0
            if minDelta < 0 { throw doc.error(v["min_delta"]!, "`min_delta` must be 0 or more, got \(minDelta).") }
            let wrapped = try v["wrapped_pruner"].flatMap { $0.null == nil ? $0 : nil }.map { try prunerSpec($0, doc: doc) }
            if case .patient? = wrapped { throw doc.error(v["wrapped_pruner"]!, "a patient pruner cannot wrap another patient pruner.") }
            return .patient(PatientOptions(patience: try int("patience", min: 0, default: 0), minDelta: minDelta),
                            wrapped: wrapped == PrunerSpec.none ? nil : wrapped)
        default:
            throw doc.error(node, "pruner `\(type)` is not known.")
        }
    }
}
