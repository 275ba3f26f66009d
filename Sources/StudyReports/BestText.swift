import Foundation
import HyperOpt

/// How `hypertop best` prints the best set.
public enum BestFormat: String, Sendable, CaseIterable {
    case overrides, args0, yaml, json
}

/// `hypertop best`'s outputs: the overrides that reproduce the best set's trial, NUL-separated
/// words, a YAML block, JSON.
public enum BestText {
    /// The overrides that reproduce the set's first trial (see `TrialArguments.reproduction`); for
    /// a study whose trials' commands are not recorded (Optuna's own), the file's and the set's.
    public static func overrides(_ best: ParamSetStats, spec: StudySpec, launch: TrialLaunch?) -> [String] {
        if let launch, !launch.command.isEmpty { return TrialArguments.reproduction(of: launch, spec: spec) }
        let params = spec.space.parameters.compactMap { p in best.params[p.name].map { (p.name, $0) } }
        var words: [String] = []
        if spec.passing == .overrides, let name = spec.configName { words.append("--config-name=\(name)") }
        words += spec.jobOverrides ?? []
        words += spec.commandLineJobOverrides ?? []
        words += params.map { HydraOverride.argument(name: $0.0, value: $0.1) }
        if spec.passing == .performance, let performance = spec.performanceName { words.append("+performance=\(performance)") }
        return words
    }

    public static func render(_ best: ParamSetStats, mean: Double, spec: StudySpec, study: String, format: BestFormat, launch: TrialLaunch?) -> String {
        let params = spec.space.parameters.compactMap { p in best.params[p.name].map { (p.name, $0) } }
        switch format {
        case .overrides:
            return ProcessText.commandLine(overrides(best, spec: spec, launch: launch))
        case .args0:
            return overrides(best, spec: spec, launch: launch).map { $0 + "\0" }.joined()
        case .yaml:
            return yaml(params)
        case .json:
            var fields: [(String, String)] = [("study", JSONText.quote(study)), ("direction", JSONText.quote(spec.direction.rawValue)),
                                              ("criterion", JSONText.quote(spec.criterion)), ("value", number(mean)),
                                              ("runs", String(best.count)), ("first_trial", String(best.firstTrial))]
            fields.append(("interval95", best.interval95.map(number) ?? "null"))
            fields.append(("params", JSONText.object(params.map { ($0.0, $0.1.jsonText) })))
            fields.append(("overrides", "[" + overrides(best, spec: spec, launch: launch).map(JSONText.quote).joined(separator: ", ") + "]"))
            return JSONText.object(fields)
        }
    }

    static func number(_ v: Double) -> String { JSONText.number(v) }

    /// Dotted names as nested mappings, Hydra's prefixes (`+`, `++`, `~`) dropped; values in
    /// JSON's spelling, which YAML reads as the same values.
    static func yaml(_ params: [(String, ParamValue)]) -> String {
        final class Node {
            var keys: [String] = []
            var children: [String: Node] = [:]
            var values: [String: ParamValue] = [:]
        }
        let root = Node()
        for (name, value) in params {
            let path = name.drop { $0 == "+" || $0 == "~" }.split(separator: ".").map(String.init)
            var node = root
            for key in path.dropLast() {
                if node.children[key] == nil {
                    node.children[key] = Node()
                    node.keys.append(key)
                }
                node = node.children[key]!
            }
            let last = path.last ?? name
            if node.values[last] == nil && node.children[last] == nil { node.keys.append(last) }
            node.values[last] = value
        }
        var lines: [String] = []
        func emit(_ node: Node, _ indent: String) {
            for key in node.keys {
                if let child = node.children[key] {
                    lines.append("\(indent)\(YAMLText.key(key)):")
                    emit(child, indent + "  ")
                } else if let v = node.values[key] {
                    lines.append("\(indent)\(YAMLText.key(key)): \(YAMLText.scalar(v))")
                }
            }
        }
        emit(root, "")
        return lines.joined(separator: "\n")
    }
}
