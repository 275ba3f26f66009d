import ArgumentParser
import Foundation
import HyperOpt
import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

/// How `hypertop best` prints the best set.
enum BestFormat: String, ExpressibleByArgument, CaseIterable {
    case overrides, args0, yaml, json
}

/// `hypertop best STUDY`: the best parameter set (by the mean of its runs) as a Hydra override
/// line, a YAML block, or JSON.
struct BestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "Print a study's best parameter set: a Hydra override line, a YAML config block, or JSON.",
        discussion: """
        The best set is the one with the best mean over its complete runs, as the dashboard's header and optimization_results.yaml give it.

        What reproduces the best set's first trial is every override it ran with: the sweep file's keys (or its --config-name or +performance=...), the command line's overrides, the epoch cap it had, its sampled values and its seed; not hypertop's run directory and callback.

        --exec -- COMMAND... runs COMMAND with those overrides appended, as separate words: no shell parses them, so any value (spaces, quotes, `$`, nested lists) arrives as the trial had it. The exit status is COMMAND's.
        --format overrides (the default) prints them as one line quoted for a POSIX shell: use it with eval, e.g. eval "python src/main.py $(hypertop best STUDY)". (Without eval the shell does not remove the quotes, and Hydra sees them.)
        --format args0 prints them NUL-separated, for `hypertop best STUDY --format args0 | xargs -0 python src/main.py`.
        --format yaml prints the parameters as the nested block of a config file (`++algorithm.learning_rate` becomes `algorithm: {learning_rate: ...}`).
        --format json prints the set, its mean, runs, 95% interval and the trial's overrides, for scripts.

        Example: hypertop best sac_her_Reach3D --exec -- python src/main.py
        """
    )

    @Argument(help: "The study (default: the one started last).")
    var study: String?

    @Option(help: "The study store (default: data/hypertop.db, as `run` uses without hydra.sweeper.storage).")
    var storage: String = "data/hypertop.db"

    @Option(help: "overrides, args0, yaml or json.")
    var format: BestFormat = .overrides

    @Option(parsing: .remaining, help: ArgumentHelp("Run this command with the best trial's overrides appended (put it last, after --).",
                                                    valueName: "command"))
    var exec: [String] = []

    mutating func run() async throws {
        let command = exec.first == "--" ? Array(exec.dropFirst()) : exec
        try await withUserErrors {
            let stored = try StoredStudy.open(storePath: storage, named: study)
            let (name, loaded) = (stored.name, try stored.load())
            guard let spec = loaded.info?.spec else { throw CLIError("study \"\(name)\" in \(storage) has no settings recorded.") }
            guard let best = loaded.best, let mean = best.mean else {
                throw CLIError("study \"\(name)\" has no complete trial with a score yet, so it has no best set.")
            }
            let launch = loaded.trial(best.firstTrial)?.launch
            guard let program = command.first else {
                let text = BestText.render(best, mean: mean, spec: spec, study: name, format: format, launch: launch)
                if format == .args0 { FileHandle.standardOutput.write(Data(text.utf8)) } else { print(text) }
                return
            }
            // A Hydra app finds the sweeper stand-in its trials had (see `HydraCallback`), where the
            // study's sweep directory still has it.
            let plugins = ((loaded.info?.sweepDir ?? "") as NSString).appendingPathComponent(".hypertop")
            if spec.passing == .overrides, FileManager.default.fileExists(atPath: plugins + "/hydra_plugins") {
                let path = ProcessInfo.processInfo.environment["PYTHONPATH"].map { plugins + ":" + $0 } ?? plugins
                setenv("PYTHONPATH", path, 1)
            }
            fflush(nil)
            // The command takes this process's place: its signals, its exit status.
            _ = withCStrings(command + BestText.overrides(best, spec: spec, launch: launch)) { execvp(program, $0) }
            throw CLIError("cannot run `\(program)`: \(String(cString: strerror(errno))).")
        }
    }
}

enum BestText {
    /// The overrides that reproduce the set's first trial (see `TrialArguments.reproduction`); for
    /// a study whose trials' commands are not recorded (Optuna's own), the file's and the set's.
    static func overrides(_ best: ParamSetStats, spec: StudySpec, launch: TrialLaunch?) -> [String] {
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

    static func render(_ best: ParamSetStats, mean: Double, spec: StudySpec, study: String, format: BestFormat, launch: TrialLaunch?) -> String {
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
