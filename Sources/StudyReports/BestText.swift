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

    /// The front of a study of several objectives (`Study.front`), sorted by the first objective:
    /// per set, a `#` line with its values (a comment to a shell, so each line can still be given
    /// to `eval`) and its override line; YAML documents; or a JSON list.
    public static func renderFront(_ front: [ParamSetStats], spec: StudySpec, study: String, format: BestFormat,
                                   launch: (ParamSetStats) -> TrialLaunch?) -> String {
        let names = spec.objectiveNames
        let directions = spec.objectiveDirections
        func said(_ set: ParamSetStats) -> String {
            let values = zip(names, set.means ?? []).map { "\($0)=\(HeadlessLog.format($1))" }.joined(separator: ", ")
            let constraints = set.constraintMeans.map { c in ", constraints " + c.map(HeadlessLog.format).joined(separator: ", ") } ?? ""
            return "# set \(set.paramSet): \(values) (\(set.count) run\(set.count == 1 ? "" : "s")\(constraints))"
        }
        switch format {
        case .overrides, .args0:
            return front.map { said($0) + "\n" + ProcessText.commandLine(overrides($0, spec: spec, launch: launch($0))) }.joined(separator: "\n")
        case .yaml:
            return front.map { set in
                let params = spec.space.parameters.compactMap { p in set.params[p.name].map { (p.name, $0) } }
                return said(set) + "\n" + yaml(params)
            }.joined(separator: "\n---\n")
        case .json:
            let items = front.map { set -> String in
                let params = spec.space.parameters.compactMap { p in set.params[p.name].map { (p.name, $0) } }
                var fields: [(String, String)] = [("set", String(set.paramSet)),
                                                  ("values", "[" + (set.means ?? []).map(number).joined(separator: ", ") + "]"),
                                                  ("runs", String(set.count)), ("first_trial", String(set.firstTrial))]
                fields.append(("interval95", set.intervals95.map { "[" + $0.map { $0.map(number) ?? "null" }.joined(separator: ", ") + "]" } ?? "null"))
                fields.append(("constraints", set.constraintMeans.map { "[" + $0.map(number).joined(separator: ", ") + "]" } ?? "null"))
                fields.append(("params", JSONText.object(params.map { ($0.0, $0.1.jsonText) })))
                fields.append(("overrides", "[" + overrides(set, spec: spec, launch: launch(set)).map(JSONText.quote).joined(separator: ", ") + "]"))
                return JSONText.object(fields)
            }
            let head: [(String, String)] = [("study", JSONText.quote(study)),
                                            ("directions", "[" + directions.map { JSONText.quote($0.rawValue) }.joined(separator: ", ") + "]"),
                                            ("objectives", "[" + names.map(JSONText.quote).joined(separator: ", ") + "]"),
                                            ("front", "[" + items.joined(separator: ", ") + "]")]
            return JSONText.object(head)
        }
    }

    /// The front sorted for printing: by the first objective, best first, then the set number.
    public static func sortedFront(_ study: Study) -> [ParamSetStats] {
        let d = study.directions[0]
        return study.front.sorted { a, b in
            let (x, y) = (a.means?[0] ?? .nan, b.means?[0] ?? .nan)
            return x == y ? a.paramSet < b.paramSet : d.isBetter(x, than: y)
        }
    }

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
