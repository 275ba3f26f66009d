import Foundation
import Yams

/// Reads a Scilab-RL `*-opti.yaml` file as it is, plus hypertop's own optional sweeper keys.
public enum ConfigLoader {
    /// Keys of `hydra.sweeper` that Scilab-RL's sweeper uses.
    public static let scilabKeys = [
        "study_name", "max_trials", "n_jobs", "direction", "max_duration_minutes",
        "min_trials_per_param", "max_trials_per_param", "search_space",
    ]
    /// Keys of `hydra.sweeper` that only hypertop reads.
    public static let ownKeys = [
        "command", "sampler", "seed", "workdir", "score", "storage", "retries",
        "kill_grace_seconds", "deadline_grace_minutes", "pruner",
    ]
    /// Hydra's own sweeper keys that are accepted and ignored (`_target_` names the Python sweeper class).
    static let ignoredKeys = ["_target_"]
    static let paramKeys = ["type", "low", "high", "log", "step", "choices"]
    static let tpeKeys = [
        "type", "_target_", "seed", "n_startup_trials", "n_ei_candidates", "multivariate", "constant_liar",
        "prior_weight", "consider_magic_clip", "consider_endpoints",
    ]

    public static func load(path: String) throws -> StudySpec {
        let url = URL(fileURLWithPath: path)
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: nil, "cannot read the config file (\(error.localizedDescription)); check the path.")
        }
        return try parse(text, path: url.standardizedFileURL.path)
    }

    /// The `<Env>/<name>` Hydra uses for `+performance=`, when `path` lies under `conf/performance/`.
    public static func performanceName(forConfigAt path: String) -> String? {
        let parts = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        guard let i = parts.lastIndex(of: "performance"), i > 0, parts[i - 1] == "conf", i + 1 < parts.count else { return nil }
        var rest = Array(parts[(i + 1)...])
        guard let last = rest.popLast() else { return nil }
        let name = last.hasSuffix(".yaml") ? String(last.dropLast(5)) : last.hasSuffix(".yml") ? String(last.dropLast(4)) : last
        return (rest + [name]).joined(separator: "/")
    }

    public static func parse(_ text: String, path: String) throws -> StudySpec {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigError(file: path, line: nil, "the file is empty; a sweep config needs a `hydra.sweeper` block.")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw yamlError(error, path: path, text: text)
        }
        let doc = Doc(path: path)
        let top = try doc.mapping(root, "the file")
        guard let hydra = try doc.value(top, "hydra") else {
            throw ConfigError(file: path, line: nil, "no `hydra:` block; a sweep config needs `hydra: sweeper: {study_name, max_trials, n_jobs, direction, search_space, ...}`.")
        }
        let hydraMap = try doc.mapping(hydra, "`hydra`")
        guard let sweeperNode = try doc.value(hydraMap, "sweeper") else {
            throw doc.error(hydra, "`hydra:` has no `sweeper:` block; add `sweeper:` with study_name, max_trials, n_jobs, direction and search_space.")
        }
        let sweeper = try doc.mapping(sweeperNode, "`hydra.sweeper`")
        let known = scilabKeys + ownKeys
        for (k, _) in sweeper {
            let key = k.string ?? ""
            if !known.contains(key) && !ignoredKeys.contains(key) {
                throw doc.error(k, "unknown key `\(key)` in hydra.sweeper; known keys: \(known.joined(separator: ", ")).")
            }
        }

        guard let nameNode = try doc.value(sweeper, "study_name") else {
            throw doc.error(sweeperNode, "hydra.sweeper needs `study_name`.")
        }
        let studyName = try doc.string(nameNode, "study_name")
        if studyName.isEmpty || studyName.contains("/") || studyName == "." || studyName == ".." {
            throw doc.error(nameNode, "study_name `\(studyName)` must be a non-empty name without `/`; it names the sweep directory.")
        }
        let maxTrials = try doc.int(try doc.required(sweeper, "max_trials", in: sweeperNode), "max_trials", min: 1)
        let nJobs = try doc.value(sweeper, "n_jobs").map { try doc.int($0, "n_jobs", min: 1) } ?? 1
        var direction = Direction.maximize
        if let d = try doc.value(sweeper, "direction") {
            let s = try doc.string(d, "direction").lowercased()
            guard let dir = Direction(rawValue: s) else {
                throw doc.error(d, "direction `\(s)` is not `minimize` or `maximize`.")
            }
            direction = dir
        }
        let maxMinutes = try doc.value(sweeper, "max_duration_minutes").map { try doc.double($0, "max_duration_minutes", positive: true) }
        let minPer = try doc.value(sweeper, "min_trials_per_param").map { try doc.int($0, "min_trials_per_param", min: 1) } ?? 1
        let maxPerNode = try doc.value(sweeper, "max_trials_per_param")
        let maxPer = try maxPerNode.map { try doc.int($0, "max_trials_per_param", min: 1) } ?? minPer
        if maxPer < minPer, let n = maxPerNode {
            throw doc.error(n, "max_trials_per_param (\(maxPer)) is smaller than min_trials_per_param (\(minPer)); make it at least \(minPer).")
        }
        guard let spaceNode = try doc.value(sweeper, "search_space") else {
            throw doc.error(sweeperNode, "hydra.sweeper needs a `search_space` with at least one parameter.")
        }
        let space = try searchSpace(spaceNode, doc: doc)

        var command: [String]?
        if let c = try doc.value(sweeper, "command") {
            command = try doc.stringList(c, "command")
            if command?.isEmpty ?? true { throw doc.error(c, "`command` is empty; give the job's argv as a list, e.g. [python, src/main.py].") }
        }
        var seed: UInt64?
        if let s = try doc.value(sweeper, "seed") {
            let v = try doc.int(s, "seed", min: 0)
            seed = UInt64(v)
        }
        var sampler = SamplerSpec.tpe(TPEOptions())
        if let s = try doc.value(sweeper, "sampler") {
            let (spec, samplerSeed) = try samplerSpec(s, doc: doc)
            sampler = spec
            if seed == nil { seed = samplerSeed }
        }
        var score = ScoreRule.wiki
        if let s = try doc.value(sweeper, "score") {
            let name = try doc.string(s, "score")
            guard let rule = ScoreRule(rawValue: name) else {
                throw doc.error(s, "score `\(name)` is not one of \(ScoreRule.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            score = rule
        }
        let workdir = try doc.value(sweeper, "workdir").map { try doc.string($0, "workdir") } ?? "data"
        let storage = try doc.value(sweeper, "storage").map { try doc.string($0, "storage") }
        let retries = try doc.value(sweeper, "retries").map { try doc.int($0, "retries", min: 0) } ?? 1
        let killGrace = try doc.value(sweeper, "kill_grace_seconds").map { try doc.double($0, "kill_grace_seconds", positive: true) } ?? 10
        let deadlineGrace = try doc.value(sweeper, "deadline_grace_minutes").map { try doc.double($0, "deadline_grace_minutes", positive: false) }

        // Top-level job keys hypertop understands (the job reads the rest itself).
        let criterionNode = try doc.value(top, "hyperopt_criterion")
        let columnNode = try doc.value(top, "early_stop_data_column")
        let criterion = try (criterionNode ?? columnNode).map { try doc.string($0, "hyperopt_criterion") } ?? "eval/success_rate"
        let lastN = try doc.value(top, "early_stop_last_n").map { try doc.int($0, "early_stop_last_n", min: 1) } ?? 3
        let nEpochs = try doc.value(top, "n_epochs").map { try doc.int($0, "n_epochs", min: 1) }
        let evalSteps = try doc.value(top, "eval_after_n_steps").map { try doc.int($0, "eval_after_n_steps", min: 1) }
        if let t = try doc.value(top, "early_stop_threshold") { _ = try doc.double(t, "early_stop_threshold", positive: false) }

        var spec = StudySpec(
            studyName: studyName, maxTrials: maxTrials, nJobs: nJobs, direction: direction,
            maxDurationMinutes: maxMinutes, minTrialsPerParam: minPer, maxTrialsPerParam: maxPer,
            space: space, command: command, sampler: sampler, seed: seed, workdir: workdir, score: score,
            criterion: criterion, earlyStopLastN: lastN, nEpochs: nEpochs, evalAfterNSteps: evalSteps,
            killGraceSeconds: killGrace, retries: retries, storage: storage, configPath: path,
            performanceName: performanceName(forConfigAt: path))
        spec.deadlineGraceMinutes = deadlineGrace
        if let p = try doc.value(sweeper, "pruner") { spec.pruner = try prunerSpec(p, doc: doc) }
        return spec
    }

    static func yamlError(_ error: YamlError, path: String, text: String) -> ConfigError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.sorted().first ?? ""
            return ConfigError(file: path, line: secondOccurrence(of: key, in: text, from: context.mark.line) ?? context.mark.line,
                               "key `\(key)` appears twice in the same mapping; keep one.")
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigError(file: path, line: mark.line, "malformed YAML: \(problem) (column \(mark.column)).")
        default:
            return ConfigError(file: path, line: nil, "malformed YAML: \(error).")
        }
    }

    /// Line of the second `key:` at or after line `from` (1-based), for the duplicate-key message.
    static func secondOccurrence(of key: String, in text: String, from: Int) -> Int? {
        var seen = 0
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where i + 1 >= from {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix(key + ":") || t.hasPrefix("'\(key)':") || t.hasPrefix("\"\(key)\":") {
                seen += 1
                if seen == 2 { return i + 1 }
            }
        }
        return nil
    }

    static func searchSpace(_ node: Node, doc: Doc) throws -> SearchSpace {
        let map = try doc.mapping(node, "`search_space`")
        var params: [Parameter] = []
        for (k, v) in map {
            let name = try doc.string(k, "a search_space key")
            let bare = name.drop(while: { $0 == "+" })
            if bare.isEmpty || bare.contains("=") || bare.contains(where: \.isWhitespace) {
                throw doc.error(k, "search_space key `\(name)` is not a Hydra override key like `++algorithm.learning_rate`.")
            }
            if params.contains(where: { $0.name == name }) {
                throw doc.error(k, "parameter `\(name)` is defined twice in search_space.")
            }
            params.append(Parameter(name: name, distribution: try distribution(v, name: name, doc: doc)))
        }
        if params.isEmpty {
            throw doc.error(node, "search_space is empty; add at least one parameter, e.g. `++algorithm.learning_rate: {type: float, low: 0.0001, high: 0.005, log: true}`.")
        }
        return SearchSpace(params)
    }

    static func distribution(_ node: Node, name: String, doc: Doc) throws -> Distribution {
        let map = try doc.mapping(node, "parameter `\(name)`")
        for (k, _) in map where !paramKeys.contains(k.string ?? "") {
            throw doc.error(k, "unknown key `\(k.string ?? "")` in parameter `\(name)`; known keys: \(paramKeys.joined(separator: ", ")).")
        }
        let typeNode = try doc.required(map, "type", in: node, context: "parameter `\(name)`")
        let type = try doc.string(typeNode, "type")
        let log = try doc.value(map, "log").map { try doc.bool($0, "log") } ?? false
        switch type {
        case "float":
            let lowNode = try doc.required(map, "low", in: node, context: "parameter `\(name)`")
            let highNode = try doc.required(map, "high", in: node, context: "parameter `\(name)`")
            let low = try doc.double(lowNode, "low", positive: false), high = try doc.double(highNode, "high", positive: false)
            if low > high { throw doc.error(lowNode, "parameter `\(name)`: low (\(low)) is greater than high (\(high)).") }
            if log && low <= 0 { throw doc.error(lowNode, "parameter `\(name)`: a log range needs low > 0 (got \(low)).") }
            var step: Double?
            if let s = try doc.value(map, "step") {
                let st = try doc.double(s, "step", positive: true)
                if log { throw doc.error(s, "parameter `\(name)`: `step` cannot be combined with `log: true`; drop one of them.") }
                let k = (high - low) / st
                if abs(k - k.rounded()) > 1e-8 * max(1, k) {
                    throw doc.error(s, "parameter `\(name)`: step \(st) does not divide the range \(low)...\(high); choose a step that does.")
                }
                step = st
            }
            return .float(low: low, high: high, log: log, step: step)
        case "int":
            let lowNode = try doc.required(map, "low", in: node, context: "parameter `\(name)`")
            let highNode = try doc.required(map, "high", in: node, context: "parameter `\(name)`")
            let low = try doc.int(lowNode, "low"), high = try doc.int(highNode, "high")
            if low > high { throw doc.error(lowNode, "parameter `\(name)`: low (\(low)) is greater than high (\(high)).") }
            if log && low <= 0 { throw doc.error(lowNode, "parameter `\(name)`: a log range needs low > 0 (got \(low)).") }
            var step = 1
            if let s = try doc.value(map, "step") {
                step = try doc.int(s, "step", min: 1)
                if log && step != 1 { throw doc.error(s, "parameter `\(name)`: `step` cannot be combined with `log: true`; drop one of them.") }
                if (high - low) % step != 0 {
                    throw doc.error(s, "parameter `\(name)`: step \(step) does not divide the range \(low)...\(high); choose a step that does.")
                }
            }
            return .int(low: low, high: high, log: log, step: step)
        case "categorical":
            let choicesNode = try doc.required(map, "choices", in: node, context: "parameter `\(name)`")
            guard let seq = choicesNode.sequence else {
                throw doc.error(choicesNode, "parameter `\(name)`: `choices` must be a list, e.g. [min, max].")
            }
            var choices: [ParamValue] = []
            for c in seq {
                let v = try doc.paramValue(c)
                if choices.contains(v) { throw doc.error(c, "parameter `\(name)`: choice `\(v)` is listed twice.") }
                choices.append(v)
            }
            if choices.isEmpty { throw doc.error(choicesNode, "parameter `\(name)`: `choices` is empty; list at least one value.") }
            return .categorical(choices: choices)
        default:
            throw doc.error(typeNode, "parameter `\(name)`: type `\(type)` is not float, int or categorical.")
        }
    }

    static func samplerSpec(_ node: Node, doc: Doc) throws -> (SamplerSpec, UInt64?) {
        if node.scalar != nil {
            return (try samplerNamed(try doc.string(node, "sampler"), node: node, doc: doc), nil)
        }
        let map = try doc.mapping(node, "`sampler`")
        var typeName = "tpe"
        if let t = try doc.value(map, "type") {
            typeName = try doc.string(t, "sampler type")
        } else if let t = try doc.value(map, "_target_") {
            // Hydra's Optuna sweeper names the class: optuna.samplers.TPESampler / RandomSampler / GridSampler.
            let cls = try doc.string(t, "_target_").split(separator: ".").last.map(String.init) ?? ""
            typeName = cls.replacingOccurrences(of: "Sampler", with: "").lowercased()
        }
        var spec = try samplerNamed(typeName, node: node, doc: doc)
        var seed: UInt64?
        for (k, v) in map {
            let key = k.string ?? ""
            guard case .tpe(var o) = spec else {
                if !["type", "_target_", "seed"].contains(key) {
                    throw doc.error(k, "unknown key `\(key)` for the \(typeName) sampler; known keys: type, seed.")
                }
                if key == "seed" { seed = UInt64(try doc.int(v, "seed", min: 0)) }
                continue
            }
            switch key {
            case "type", "_target_": break
            case "seed": seed = UInt64(try doc.int(v, "seed", min: 0))
            case "n_startup_trials": o.nStartupTrials = try doc.int(v, key, min: 0)
            case "n_ei_candidates": o.nEICandidates = try doc.int(v, key, min: 1)
            case "multivariate": o.multivariate = try doc.bool(v, key)
            case "constant_liar": o.constantLiar = try doc.bool(v, key)
            case "prior_weight": o.priorWeight = try doc.double(v, key, positive: true)
            case "consider_magic_clip": o.considerMagicClip = try doc.bool(v, key)
            case "consider_endpoints": o.considerEndpoints = try doc.bool(v, key)
            default:
                throw doc.error(k, "unknown key `\(key)` for the tpe sampler; known keys: \(tpeKeys.joined(separator: ", ")).")
            }
            spec = .tpe(o)
        }
        return (spec, seed)
    }

    static let prunerKeys = ["type", "n_startup_trials", "n_warmup_steps"]

    /// `pruner: median`, `pruner: none`, or `pruner: {type: median, n_startup_trials: 5, n_warmup_steps: 2}`.
    static func prunerSpec(_ node: Node, doc: Doc) throws -> PrunerSpec {
        var type = "median"
        var options = MedianPrunerOptions()
        if node.scalar != nil {
            type = try doc.string(node, "pruner")
        } else {
            let map = try doc.mapping(node, "`pruner`")
            for (k, v) in map {
                switch k.string ?? "" {
                case "type": type = try doc.string(v, "pruner type")
                case "n_startup_trials": options.nStartupTrials = try doc.int(v, "n_startup_trials", min: 1)
                case "n_warmup_steps": options.nWarmupSteps = try doc.int(v, "n_warmup_steps", min: 0)
                default: throw doc.error(k, "unknown key `\(k.string ?? "")` for the pruner; known keys: \(prunerKeys.joined(separator: ", ")).")
                }
            }
        }
        switch type.lowercased() {
        case "median": return .median(options)
        case "none", "nop": return .none
        default: throw doc.error(node, "pruner `\(type)` is not one of median, none.")
        }
    }

    static func samplerNamed(_ name: String, node: Node, doc: Doc) throws -> SamplerSpec {
        switch name.lowercased() {
        case "tpe": return .tpe(TPEOptions())
        case "random": return .random
        case "grid": return .grid
        default: throw doc.error(node, "sampler `\(name)` is not one of tpe, random, grid.")
        }
    }
}

/// Typed access to YAML nodes that turns every mismatch into a ConfigError at the node's line.
struct Doc {
    let path: String

    func error(_ node: Node, _ message: String) -> ConfigError {
        ConfigError(file: path, line: node.mark?.line, message)
    }

    func mapping(_ node: Node, _ what: String) throws -> Node.Mapping {
        guard let m = node.mapping else { throw error(node, "\(what) must be a mapping of `key: value` lines.") }
        var seen = Set<String>()
        for (k, _) in m {
            let key = k.string ?? ""
            if !seen.insert(key).inserted { throw error(k, "key `\(key)` appears twice in \(what).") }
        }
        return m
    }

    func value(_ map: Node.Mapping, _ key: String) throws -> Node? {
        map[Node(key)]
    }

    func required(_ map: Node.Mapping, _ key: String, in parent: Node, context: String = "hydra.sweeper") throws -> Node {
        guard let v = map[Node(key)] else { throw error(parent, "\(context) needs `\(key)`.") }
        return v
    }

    func string(_ node: Node, _ key: String) throws -> String {
        guard let s = node.scalar?.string else { throw error(node, "`\(key)` must be a single value, not a list or mapping.") }
        return s
    }

    func stringList(_ node: Node, _ key: String) throws -> [String] {
        guard let seq = node.sequence else {
            throw error(node, "`\(key)` must be a list of strings (the job's argv), e.g. [python, src/main.py].")
        }
        return try seq.map { try string($0, key) }
    }

    func int(_ node: Node, _ key: String, min: Int? = nil) throws -> Int {
        guard node.scalar != nil, let v = node.int else {
            throw error(node, "`\(key)` must be a whole number, got `\(node.scalar?.string ?? "a list or mapping")`.")
        }
        if let min, v < min { throw error(node, "`\(key)` must be at least \(min), got \(v).") }
        return v
    }

    func double(_ node: Node, _ key: String, positive: Bool) throws -> Double {
        guard node.scalar != nil, let v = node.float ?? node.int.map(Double.init), v.isFinite else {
            throw error(node, "`\(key)` must be a finite number, got `\(node.scalar?.string ?? "a list or mapping")`.")
        }
        if positive && v <= 0 { throw error(node, "`\(key)` must be greater than 0, got \(v).") }
        return v
    }

    func bool(_ node: Node, _ key: String) throws -> Bool {
        guard node.scalar != nil, let v = node.bool else {
            throw error(node, "`\(key)` must be true or false, got `\(node.scalar?.string ?? "a list or mapping")`.")
        }
        return v
    }

    /// A categorical choice keeps the type YAML gives it: quoted text stays a string.
    func paramValue(_ node: Node) throws -> ParamValue {
        guard let scalar = node.scalar else { throw error(node, "a choice must be a single value, not a list or mapping.") }
        if scalar.style == .singleQuoted || scalar.style == .doubleQuoted || scalar.style == .literal || scalar.style == .folded {
            return .string(scalar.string)
        }
        if node.null != nil { return .null }
        if let b = node.bool { return .bool(b) }
        if let i = node.int { return .int(i) }
        if let f = node.float { return .float(f) }
        return .string(scalar.string)
    }
}
