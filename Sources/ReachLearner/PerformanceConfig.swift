import Foundation
import JobContract
import Yams

/// A Scilab-RL `conf/performance/<Env>/<name>.yaml` file, as the job sees it: its top-level job keys.
/// The sweep's `hydra:` block, Hydra's `defaults:` list and a performance test's conditions are not the
/// job's business and are skipped.
public struct PerformanceConfig: Sendable {
    public struct Setting: Sendable, Equatable {
        public var key: String
        public var value: HydraValue
        public var line: Int?
    }

    /// The sweep's keys, not the job's: `hyperopt_criterion` may list one metric per objective.
    static let skippedKeys: Set<String> = ["hydra", "defaults", "performance_testing_conditions", "hyperopt_criterion"]

    public let path: String
    /// Nested mappings flattened to dotted keys (`algorithm: {use_her: True}` is `algorithm.use_her`).
    public let settings: [Setting]

    /// The file `+performance=<name>` means: under `$HYPERTOP_CONFIG_ROOT/conf/performance/` when that is
    /// set, else under `conf/performance/` of the current directory or the nearest parent that has it.
    public static func locate(_ name: String, environment: [String: String], currentDirectory: String) throws(TrainerError) -> String {
        let relative = "conf/performance/" + (name.hasSuffix(".yaml") ? name : name + ".yaml")
        let manager = FileManager.default
        if let root = environment[TrialEnvironment.configRoot], !root.isEmpty {
            let path = (root as NSString).appendingPathComponent(relative)
            guard manager.fileExists(atPath: path) else {
                throw .configNotFound(name: name, searched: [path + " (from \(TrialEnvironment.configRoot))"])
            }
            return path
        }
        var directory = URL(fileURLWithPath: currentDirectory).standardizedFileURL
        while true {
            let path = directory.appendingPathComponent(relative).path
            if manager.fileExists(atPath: path) { return path }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        let first = URL(fileURLWithPath: currentDirectory).appendingPathComponent(relative).standardizedFileURL.path
        throw .configNotFound(name: name, searched: [first + " and the same under every parent directory"])
    }

    public init(path: String) throws(TrainerError) {
        self.path = path
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .configInvalid(path: path, line: nil, reason: "cannot be read (\(error.localizedDescription))")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let (line, problem) = Self.describe(error)
            throw .configInvalid(path: path, line: line, reason: "is not valid YAML (\(problem))")
        } catch {
            throw .configInvalid(path: path, line: nil, reason: "is not valid YAML (\(error))")
        }
        guard let root else {
            settings = []
            return
        }
        guard case .mapping(let mapping) = root else {
            throw .configInvalid(path: path, line: root.mark?.line, reason: "must be a mapping of keys to values")
        }
        var settings: [Setting] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string, !Self.skippedKeys.contains(key) else { continue }
            try Self.flatten(key: key, value, path: path, into: &settings)
        }
        self.settings = settings
    }

    private static func flatten(key: String, _ node: Node, path: String, into settings: inout [Setting]) throws(TrainerError) {
        switch node {
        case .scalar(let scalar):
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
            let value: HydraValue = quoted ? .string(scalar.string, quoted: true)
                : scalar.string == "~" ? .null : HydraValue.plain(scalar.string)
            settings.append(Setting(key: key, value: value, line: scalar.mark?.line))
        case .mapping(let mapping):
            for (child, value) in mapping {
                guard let name = child.string else { continue }
                try flatten(key: key + "." + name, value, path: path, into: &settings)
            }
        case .sequence(let sequence):
            throw .configInvalid(path: path, line: sequence.mark?.line,
                                 reason: "'\(key)' is a list; reach-trainer's keys take single values")
        case .alias(let alias):
            throw .configInvalid(path: path, line: alias.mark?.line, reason: "'\(key)' is a YAML alias; write the value out")
        }
    }

    /// Line and problem alone: YamlError's own description spans several lines.
    private static func describe(_ error: YamlError) -> (line: Int?, problem: String) {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return (mark.line, problem)
        case .duplicatedKeysInMapping(let duplicates, _):
            return (nil, "duplicated keys " + duplicates.joined(separator: ", "))
        default:
            return (nil, "\(error)")
        }
    }
}
