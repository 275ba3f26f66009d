import ArgumentParser
import Foundation
import HyperOpt
import SweepEngine

/// How `hypertop best` prints the best set.
enum BestFormat: String, ExpressibleByArgument, CaseIterable {
    case overrides, yaml, json
}

/// `hypertop best STUDY`: the best parameter set (by the mean of its runs) as a Hydra override
/// line, a YAML block, or JSON.
struct BestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "Print a study's best parameter set: a Hydra override line, a YAML config block, or JSON.",
        discussion: """
        The best set is the one with the best mean over its complete runs, as the dashboard's header and optimization_results.yaml give it.

        --format overrides (the default) prints one line to paste after `python src/main.py` (each word quoted for the shell where it needs it); it names what else the trials were given (the sweep's --config-name or +performance=..., and its fixed overrides), so the job composes the same config its trials had.
        --format yaml prints the parameters as the nested block of a config file (`++algorithm.learning_rate` becomes `algorithm: {learning_rate: ...}`).
        --format json prints the set, its mean, runs and 95% interval, for scripts.

        Example: python src/main.py $(hypertop best sac_her_Reach3D)
        """
    )

    @Argument(help: "The study (default: the one started last).")
    var study: String?

    @Option(help: "The study store (default: data/hypertop.db, as `run` uses without hydra.sweeper.storage).")
    var storage: String = "data/hypertop.db"

    @Option(help: "overrides, yaml or json.")
    var format: BestFormat = .overrides

    mutating func run() async throws {
        try await withUserErrors {
            let (_, _, name, loaded) = try StoreLookup.loadStudy(db: storage, named: study)
            guard let spec = loaded.info?.spec else { throw CLIError("study \"\(name)\" in \(storage) has no settings recorded.") }
            guard let best = loaded.best, let mean = best.mean else {
                throw CLIError("study \"\(name)\" has no complete trial with a score yet, so it has no best set.")
            }
            print(BestText.render(best, mean: mean, spec: spec, study: name, format: format))
        }
    }
}

enum BestText {
    static func render(_ best: ParamSetStats, mean: Double, spec: StudySpec, study: String, format: BestFormat) -> String {
        let params = spec.space.parameters.compactMap { p in best.params[p.name].map { (p.name, $0) } }
        switch format {
        case .overrides:
            // What the set's trials were given, less hypertop's own (run dir, callback, epoch cap, seed).
            var words: [String] = []
            if spec.passing == .overrides, let name = spec.configName { words.append("--config-name=\(name)") }
            words += spec.jobOverrides ?? []
            words += params.map { HydraOverride.argument(name: $0.0, value: $0.1) }
            if spec.passing == .performance, let performance = spec.performanceName { words.append("+performance=\(performance)") }
            return ProcessText.commandLine(words)
        case .yaml:
            return yaml(params)
        case .json:
            var fields: [(String, String)] = [("study", JSONText.quote(study)), ("direction", JSONText.quote(spec.direction.rawValue)),
                                              ("criterion", JSONText.quote(spec.criterion)), ("value", number(mean)),
                                              ("runs", String(best.count)), ("first_trial", String(best.firstTrial))]
            fields.append(("interval95", best.interval95.map(number) ?? "null"))
            fields.append(("params", JSONText.object(params.map { ($0.0, $0.1.jsonText) })))
            return JSONText.object(fields)
        }
    }

    static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

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
                    lines.append("\(indent)\(yamlKey(key)):")
                    emit(child, indent + "  ")
                } else if let v = node.values[key] {
                    lines.append("\(indent)\(yamlKey(key)): \(v.jsonText)")
                }
            }
        }
        emit(root, "")
        return lines.joined(separator: "\n")
    }

    static func yamlKey(_ key: String) -> String {
        key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } ? key : JSONText.quote(key)
    }
}
