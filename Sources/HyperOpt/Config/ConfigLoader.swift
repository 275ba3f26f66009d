import Foundation
import Yams

/// A config value hypertop accepts but changes or ignores, said once with its place.
public struct ConfigWarning: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String

    public var description: String {
        "warning: " + (line.map { "\(file):\($0)" } ?? file) + ": " + message
    }
}

/// Collects the warnings of one load (the typed readers are values; this is their shared log).
final class WarningLog {
    var items: [ConfigWarning] = []
}

/// Reads a sweep config as users have it: a Scilab-RL `*-opti.yaml` (`hydra.sweeper.search_space`),
/// or a primary config in the upstream hydra-optuna-sweeper's grammar (`hydra.sweeper.params`),
/// plus hypertop's own optional sweeper keys. The job keys hypertop needs (`n_epochs`, the
/// criterion, ...) come from the composed job config: the project's primary config and its
/// `defaults` groups, overridden by the file.
public enum ConfigLoader {
    /// Keys of `hydra.sweeper` that Scilab-RL's sweeper uses.
    public static let scilabKeys = [
        "study_name", "max_trials", "n_jobs", "direction", "max_duration_minutes",
        "min_trials_per_param", "max_trials_per_param", "search_space",
    ]
    /// Keys of the upstream hydra-optuna-sweeper that Scilab-RL's fork does not have.
    public static let upstreamKeys = ["n_trials", "params", "max_failure_rate"]
    /// Keys of `hydra.sweeper` that only hypertop reads.
    public static let ownKeys = [
        "command", "sampler", "seed", "workdir", "score", "storage", "retries",
        "kill_grace_seconds", "deadline_grace_minutes", "pruner", "pass_config", "seed_key", "epoch_cap",
        "max_initial_failures", "launcher", "repeats", "stop_when_stagnant", "cpus_per_trial", "gpus_per_trial",
    ]
    /// Hydra's own sweeper keys that are accepted and ignored (`_target_` names the Python sweeper class).
    static let ignoredKeys = ["_target_"]
    static let paramKeys = ["type", "low", "high", "log", "step", "choices"]
    static let tpeKeys = [
        "type", "_target_", "seed", "n_startup_trials", "n_ei_candidates", "multivariate", "constant_liar",
        "prior_weight", "consider_magic_clip", "consider_endpoints", "consider_prior", "warn_independent_sampling",
    ]
    /// The original plugin's defaults for keys a file leaves out.
    public static let defaultMaxTrials = 20
    public static let defaultMaxDurationMinutes = 1440.0
    public static let defaultMaxTrialsPerParam = 3
    public static let defaultMaxInitialFailures = 3
    /// Whole numbers up to this size are exact in the samplers' doubles.
    static let maxExactInteger = 9_007_199_254_740_992.0
    /// Repeats of one parameter set, at most (each is a queued run).
    static let maxRepeats = 100_000
    /// More jobs at once than one engine follows well (its poll loop lags; D20). The machine's
    /// own process limit is checked when the study starts (`ProcessLimits`).
    public static let maxJobs = 4096
    /// A directory name holds 255 bytes; the longest suffix hypertop adds is `-moved-yyyyMMdd-HHmmss-NN`.
    static let maxStudyNameBytes = 200

    public static func load(path: String) throws -> StudySpec {
        try check(path: path).spec
    }

    /// The spec and the warnings of the file at `path`, with Hydra-style `overrides` from the
    /// command line (see `CommandLineOverride`). An error that an override causes names it.
    public static func check(path: String, overrides: [String] = []) throws -> (spec: StudySpec, warnings: [ConfigWarning]) {
        let file = try YAMLFile.read(path)
        return try CommandLineOverride.blamed(try overrides.map(CommandLineOverride.parse)) { try parseChecked(file, overrides: $0) }
    }

    /// Whether the file is a performance test (`performance_testing_conditions`) rather than a sweep.
    public static func isPerformanceTest(path: String) throws -> Bool {
        guard let map = try YAMLFile.read(path).root?.mapping else { return false }
        return map[Node("performance_testing_conditions")] != nil
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
        try parseChecked(try YAMLFile.parse(text, path: path)).spec
    }

    /// The `hydra.sweeper` block of one file, read key by key.
    struct SweeperBlock {
        let doc: Doc
        let map: Node.Mapping
        /// The `sweeper:` key: messages about the block as a whole point at its line.
        let line: Node

        /// The key's value, nil when absent or `null`.
        func node(_ key: String) throws -> Node? {
            guard let n = try doc.value(map, key), n.null == nil else { return nil }
            return n
        }
    }

    static func parseChecked(_ file: YAMLFile, overrides: [CommandLineOverride] = []) throws -> (spec: StudySpec, warnings: [ConfigWarning]) {
        guard let fileRoot = file.root else {
            throw ConfigError(file: file.path, line: 1, "the file is empty; a sweep config needs a `hydra.sweeper` block.")
        }
        let root = try CommandLineOverride.apply(overrides, to: fileRoot)
        let warnings = WarningLog()
        let doc = Doc(path: file.path, warnings: warnings)
        let top = try doc.mapping(root, "the file")
        let block = try sweeperBlock(top, doc: doc)
        let (space, fixed) = try searchSpace(block)
        var spec = try studySettings(block, space: space, path: file.path)
        try readOwnSettings(block, top: top, into: &spec)
        let project = HydraProject.find(configPath: file.path)
        var job = try JobConfig.compose(project: project, sweepFile: file, top: top, doc: doc)
        let forJob = overrides.filter { !$0.isSweepSetting }
        for o in forJob {
            if let p = spec.space.parameters.first(where: { $0.key == Parameter.key(of: o.key) }) {
                throw ConfigError(file: o.place, line: nil, "`\(p.key)` is a parameter of the search space (`\(p.name)`); each trial gets its sampled value. Change its range in the file instead.")
            }
            job.merge(override: o)
        }
        try readJobSettings(job, doc: doc, into: &spec)
        try readLaunchRules(block, top: top, project: project, job: job, fixed: fixed, into: &spec)
        if !overrides.isEmpty {
            spec.commandLineOverrides = overrides.map(\.text)
            spec.commandLineJobOverrides = forJob.map(\.text)
        }
        if job.sweeperOption == "optuna", spec.passing == .overrides {
            // Scilab-RL's and the upstream plugin's sweeper configs have the key; apps read it
            // (Scilab-RL names its MLflow experiment after it).
            spec.sweeperStudyNameKey = true
        }
        return (spec, warnings.items)
    }

    static func sweeperBlock(_ top: Node.Mapping, doc: Doc) throws -> SweeperBlock {
        guard let hydra = try doc.value(top, "hydra") else {
            throw ConfigError(file: doc.path, line: nil, "no `hydra:` block; a sweep config needs `hydra: sweeper: {study_name, max_trials, n_jobs, direction, search_space, ...}`.")
        }
        let hydraMap = try doc.mapping(hydra, "`hydra`")
        guard let sweeperNode = try doc.value(hydraMap, "sweeper") else {
            throw doc.error(hydra, "`hydra:` has no `sweeper:` block; add `sweeper:` with study_name, max_trials, n_jobs, direction and search_space.")
        }
        let sweeper = try doc.mapping(sweeperNode, "`hydra.sweeper`")
        let known = scilabKeys + upstreamKeys + ownKeys
        for (k, _) in sweeper {
            let key = k.string ?? ""
            if key == "custom_search_space" {
                throw doc.error(k, "`custom_search_space` (a Python function that defines the space) is not supported; describe every parameter in `params` or `search_space`.")
            }
            if !known.contains(key) && !ignoredKeys.contains(key) {
                throw doc.error(k, "unknown key `\(key)` in hydra.sweeper; known keys: \(known.joined(separator: ", ")).")
            }
        }
        return SweeperBlock(doc: doc, map: sweeper, line: hydraMap.first { $0.key.string == "sweeper" }?.key ?? sweeperNode)
    }

    /// `search_space` (Scilab-RL's) and `params` (the upstream plugin's); a plain value in
    /// `params` is a fixed override, returned apart.
    static func searchSpace(_ block: SweeperBlock) throws -> (SearchSpace, fixed: [String]) {
        let doc = block.doc
        var parameters: [Parameter] = []
        var fixed: [String] = []
        if let spaceNode = try block.node("search_space") {
            parameters += try searchSpace(spaceNode, doc: doc).parameters
        }
        if let paramsNode = try block.node("params") {
            for (k, v) in try doc.mapping(paramsNode, "`params`") {
                let name = try doc.string(k, "a params key")
                if parameters.contains(where: { $0.name == name }) {
                    throw doc.error(k, "parameter `\(name)` is defined twice (in search_space and params).")
                }
                guard let scalar = v.scalar else {
                    throw doc.error(v, "params `\(name)` must be a sweep such as `interval(0.001, 1.0)` or `choice(a, b)`, or one value.")
                }
                if !scalar.string.contains("(") {
                    fixed.append(name + "=" + HydraOverride.text(try doc.configValue(v)))
                    continue
                }
                do {
                    switch try SweepGrammar.parse(scalar.string) {
                    case .parameter(let d): parameters.append(Parameter(name: name, distribution: d))
                    case .fixed(let value): fixed.append(name + "=" + HydraOverride.text(value))
                    }
                } catch {
                    throw doc.error(v, "params `\(name)`: \(error.message).")
                }
            }
        }
        if parameters.isEmpty {
            throw doc.error(block.line, "hydra.sweeper needs a `search_space` (or `params`) with at least one parameter, e.g. `++algorithm.learning_rate: {type: float, low: 0.0001, high: 0.005, log: true}`.")
        }
        return (SearchSpace(parameters), fixed)
    }

    /// The study itself: its name, budget, direction, time limit and repeats, with the original
    /// plugin's defaults (the upstream plugin's where the file is written for it).
    static func studySettings(_ block: SweeperBlock, space: SearchSpace, path: String) throws -> StudySpec {
        let doc = block.doc
        let upstream = try doc.value(block.map, "params") != nil
        var studyName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        if let nameNode = try block.node("study_name") {
            studyName = try doc.string(nameNode, "study_name")
            if studyName.isEmpty || studyName.contains("/") || studyName == "." || studyName == ".." {
                throw doc.error(nameNode, "study_name `\(studyName)` must be a non-empty name without `/`; it names the sweep directory.")
            }
            if studyName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw doc.error(nameNode, "study_name must not contain control characters (a newline, a tab, NUL or an escape); it names the sweep directory.")
            }
            if studyName.utf8.count > maxStudyNameBytes {
                throw doc.error(nameNode, "study_name is \(studyName.utf8.count) bytes long; at most \(maxStudyNameBytes) fit in a directory name with the suffixes hypertop adds.")
            }
            if studyName.hasSuffix(".db") || studyName.hasSuffix(".db-wal") || studyName.hasSuffix(".db-shm") {
                throw doc.error(nameNode, "study_name `\(studyName)` would collide with the study store's files; choose a name not ending in .db.")
            }
        }
        let trialsNode = try block.node("max_trials") ?? block.node("n_trials")
        let maxTrials = try trialsNode.map { try doc.int($0, "max_trials", min: 1) } ?? defaultMaxTrials
        let nJobs = try block.node("n_jobs").map { try doc.int($0, "n_jobs", min: 1, max: maxJobs) } ?? (upstream ? 2 : 1)
        var direction = Direction.minimize
        if var d = try block.node("direction") {
            if let seq = d.sequence {
                guard seq.count == 1 else {
                    throw doc.error(d, "`direction` lists \(seq.count) objectives; hypertop optimizes one objective, so give one direction (minimize or maximize).")
                }
                d = seq[0]
            }
            let s = try doc.string(d, "direction").lowercased()
            guard let dir = Direction(rawValue: s) else {
                throw doc.error(d, "direction `\(s)` is not `minimize` or `maximize`.")
            }
            direction = dir
        } else {
            doc.warn(block.line, "hydra.sweeper has no `direction`; minimizing, as Scilab-RL's sweeper does (add `direction: maximize` for a success rate).")
        }
        var maxMinutes: Double? = upstream ? nil : defaultMaxDurationMinutes
        if let m = try doc.value(block.map, "max_duration_minutes") {
            maxMinutes = m.null != nil ? nil : try doc.double(m, "max_duration_minutes", positive: true)
        }
        let minPer = try block.node("min_trials_per_param").map { try doc.int($0, "min_trials_per_param", min: 1, max: maxRepeats) } ?? 1
        let maxPerNode = try block.node("max_trials_per_param")
        let maxPer = try maxPerNode.map { try doc.int($0, "max_trials_per_param", min: 1, max: maxRepeats) } ?? max(defaultMaxTrialsPerParam, minPer)
        if maxPer < minPer, let n = maxPerNode {
            throw doc.error(n, "max_trials_per_param (\(maxPer)) is smaller than min_trials_per_param (\(minPer)); make it at least \(minPer).")
        }
        return StudySpec(studyName: studyName, maxTrials: maxTrials, nJobs: nJobs, direction: direction,
                         maxDurationMinutes: maxMinutes, minTrialsPerParam: minPer, maxTrialsPerParam: maxPer,
                         space: space, configPath: path, performanceName: performanceName(forConfigAt: path))
    }

    /// hypertop's own sweeper keys: the job's command, seed, sampler, score, where things go.
    static func readOwnSettings(_ block: SweeperBlock, top: Node.Mapping, into spec: inout StudySpec) throws {
        let doc = block.doc
        if let c = try block.node("command") {
            let command = try doc.stringList(c, "command")
            if command.first?.isEmpty ?? true { throw doc.error(c, "`command` is empty; give the job's argv as a list, e.g. [python, src/main.py].") }
            spec.command = command
        }
        if let s = try block.node("seed") { spec.seed = UInt64(try doc.int(s, "seed", min: 0)) }
        let samplerGroup = try DefaultsEntry.list(top, doc: doc).first { $0.group == "hydra/sweeper/sampler" }
        if let g = samplerGroup, let name = g.option {
            spec.sampler = try samplerNamed(name, node: g.node, doc: doc)
        }
        if let s = try block.node("sampler") {
            let (sampler, samplerSeed) = try samplerSpec(s, doc: doc, defaultType: samplerGroup?.option ?? "tpe")
            spec.sampler = sampler
            if spec.seed == nil { spec.seed = samplerSeed }
        }
        if let s = try block.node("score") {
            let name = try doc.string(s, "score")
            guard let rule = ScoreRule(rawValue: name) else {
                throw doc.error(s, "score `\(name)` is not one of \(ScoreRule.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            spec.score = rule
        }
        if let w = try block.node("workdir") { spec.workdir = try doc.string(w, "workdir") }
        if let s = try block.node("storage") {
            let text = try doc.string(s, "storage")
            if text.hasPrefix("sqlite:///") {
                spec.storage = String(text.dropFirst("sqlite:///".count))
            } else if text.contains("://") {
                throw doc.error(s, "storage `\(text)`: hypertop records in a SQLite file; give a path or `sqlite:///<path>`.")
            } else {
                spec.storage = text
            }
        }
        if let r = try block.node("retries") { spec.retries = try doc.int(r, "retries", min: 0) }
        if let k = try block.node("kill_grace_seconds") { spec.killGraceSeconds = try doc.double(k, "kill_grace_seconds", positive: true) }
        if let g = try block.node("deadline_grace_minutes") {
            let minutes = try doc.double(g, "deadline_grace_minutes", positive: false)
            if minutes < 0 { throw doc.error(g, "`deadline_grace_minutes` must be 0 or more, got \(minutes).") }
            spec.deadlineGraceMinutes = minutes
        }
        if let p = try block.node("pruner") { spec.pruner = try prunerSpec(p, doc: doc) }
        try readLauncher(block, top: top, into: &spec)
        try readResources(block, into: &spec)
        if let r = try block.node("repeats") {
            let name = try doc.string(r, "repeats")
            guard let rule = RepeatRule(rawValue: name.lowercased()) else {
                throw doc.error(r, "repeats `\(name)` is not one of fixed, adaptive.")
            }
            spec.repeats = rule
            if rule == .adaptive && spec.maxTrialsPerParam <= spec.minTrialsPerParam {
                doc.warn(r, "repeats: adaptive gives out runs between min_trials_per_param and max_trials_per_param, but both are \(spec.minTrialsPerParam); raise max_trials_per_param.")
            }
        }
        spec.stopWhenStagnant = try block.node("stop_when_stagnant").map { try doc.int($0, "stop_when_stagnant", min: 1) }
        spec.maxInitialFailures = try block.node("max_initial_failures").map { try doc.int($0, "max_initial_failures", min: 0) } ?? defaultMaxInitialFailures
        if let r = try block.node("max_failure_rate") {
            let rate = try doc.double(r, "max_failure_rate", positive: false)
            guard rate >= 0 && rate <= 1 else { throw doc.error(r, "max_failure_rate must be between 0 and 1, got \(rate).") }
            spec.maxFailureRate = rate
        }
    }

    /// `cpus_per_trial` and `gpus_per_trial`: what of the machine each trial gets.
    static func readResources(_ block: SweeperBlock, into spec: inout StudySpec) throws {
        let doc = block.doc
        spec.cpusPerTrial = try block.node("cpus_per_trial").map { try doc.int($0, "cpus_per_trial", min: 0, max: maxJobs) }
        if let g = try block.node("gpus_per_trial") { spec.gpusPerTrial = try gpusPerTrial(g, doc: doc) }
        // On a cluster they are the job's own request, and Slurm confines the job to it.
        guard case .slurm(var options) = spec.launching else { return }
        if let cpus = spec.cpusPerTrial, cpus > 0, options.cpusPerTask == nil { options.cpusPerTask = cpus }
        if let gpus = spec.gpusPerTrial, gpus > 0 {
            if gpus != gpus.rounded(), let g = try block.node("gpus_per_trial") {
                throw doc.error(g, "`gpus_per_trial` \(gpus): a Slurm job gets whole GPUs (gpus_per_node); give 1 or more, or run the trials locally to share a GPU.")
            }
            if options.gpusPerNode == nil { options.gpusPerNode = Int(gpus) }
        }
        spec.launcher = .slurm(options)
    }

    /// `gpus_per_trial`: a fraction up to 1 (0.5 shares a GPU between two trials) or whole GPUs.
    static func gpusPerTrial(_ g: Node, doc: Doc) throws -> Double {
        let gpus = try doc.double(g, "gpus_per_trial", positive: false)
        if gpus < 0 { throw doc.error(g, "`gpus_per_trial` must be 0 or more, got \(gpus).") }
        if gpus > 1 && gpus != gpus.rounded() {
            throw doc.error(g, "`gpus_per_trial` \(gpus) is more than one GPU but not a whole number; give a fraction up to 1 (0.5 shares a GPU between two trials) or whole GPUs.")
        }
        let shares = 1 / gpus
        if gpus > 0 && gpus < 1 && abs(shares - shares.rounded()) > 1e-6 {
            doc.warn(g, "`gpus_per_trial` \(gpus) does not divide a GPU evenly; \(Int(shares)) trials share each GPU.")
        }
        return gpus
    }

    /// The job keys hypertop needs, as the job will see them (an error points at the file that set them).
    static func readJobSettings(_ job: JobConfig, doc: Doc, into spec: inout StudySpec) throws {
        func value<T>(_ key: String, _ read: (Doc, Node) throws -> T) throws -> T? {
            guard let s = job[key], s.node.null == nil else { return nil }
            if let text = s.node.scalar?.string, text.contains("${") {
                doc.warn(s.node, "`\(key)` is an interpolation (`\(text)`); hypertop does not resolve it and uses its default.", file: s.file)
                return nil
            }
            return try read(Doc(path: s.file, warnings: doc.warnings), s.node)
        }
        spec.criterion = try value("hyperopt_criterion") { try $0.string($1, "hyperopt_criterion") }
            ?? value("early_stop_data_column") { try $0.string($1, "early_stop_data_column") } ?? spec.criterion
        spec.earlyStopLastN = try value("early_stop_last_n") { try $0.int($1, "early_stop_last_n", min: 1) } ?? spec.earlyStopLastN
        spec.nEpochs = try value("n_epochs") { try $0.int($1, "n_epochs", min: 1) }
        spec.evalAfterNSteps = try value("eval_after_n_steps") { try $0.int($1, "eval_after_n_steps", min: 1) }
        _ = try value("early_stop_threshold") { try $0.double($1, "early_stop_threshold", positive: false) }
    }

    /// How each trial's job gets the file: `pass_config`, `seed_key`, the epoch cap, and the
    /// file's own keys as overrides.
    static func readLaunchRules(_ block: SweeperBlock, top: Node.Mapping, project: HydraProject?, job: JobConfig, fixed: [String],
                                into spec: inout StudySpec) throws {
        let doc = block.doc
        var passing = PassConfig.overrides
        if let p = try block.node("pass_config") {
            let name = try doc.string(p, "pass_config")
            guard let mode = PassConfig(rawValue: name) else {
                throw doc.error(p, "pass_config `\(name)` is not one of \(PassConfig.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            if mode == .performance && spec.performanceName == nil {
                throw doc.error(p, "pass_config `performance` needs the file under `conf/performance/<Env>/`, so that `+performance=<Env>/<name>` names it.")
            }
            passing = mode
        }
        spec.passConfig = passing
        if let k = try block.node("seed_key") {
            let key = try doc.string(k, "seed_key")
            if key.isEmpty || key.contains("=") || key.contains(where: \.isWhitespace) {
                throw doc.error(k, "seed_key `\(key)` is not a config key like `seed`.")
            }
            spec.seedKey = Parameter.key(of: key)
        }
        var capOn = project?.isScilabTree(configPath: spec.configPath) ?? false
        if let c = try block.node("epoch_cap") {
            let v = try doc.configValue(c)
            switch v {
            case .string("scilab"), .bool(true): capOn = true
            case .string("off"), .bool(false): capOn = false
            default: throw doc.error(c, "epoch_cap `\(v)` is not `scilab` or `off`.")
            }
            if capOn && spec.nEpochs == nil {
                throw doc.error(c, "epoch_cap `scilab` needs `n_epochs` in the file or the primary config.")
            }
        }
        if capOn { spec.epochCap = spec.nEpochs }
        if try block.node("score") == nil, project?.isScilabTree(configPath: spec.configPath) == true {
            // Scilab-RL's devel code scores with max(1, E // 5) last values; the wiki's formula is older.
            spec.score = .scilab2023
        }
        let primary = project?.isPrimary(configPath: spec.configPath) ?? false
        if primary { spec.configName = URL(fileURLWithPath: spec.configPath).deletingPathExtension().lastPathComponent }
        if passing == .overrides {
            var skipping = Set(spec.space.parameters.map(\.key))
            if let key = spec.seedKey { skipping.insert(key) }
            if spec.epochCap != nil { skipping.insert("n_epochs") }
            spec.jobOverrides = (primary ? [] : try JobConfig.overrides(top: top, primaryGroups: job.primaryGroups, doc: doc, skipping: skipping)) + fixed
        } else if !fixed.isEmpty {
            spec.jobOverrides = fixed
        }
    }

    static func searchSpace(_ node: Node, doc: Doc) throws -> SearchSpace {
        let map = try doc.mapping(node, "`search_space`")
        var params: [Parameter] = []
        for (k, v) in map {
            let name = try doc.string(k, "a search_space key")
            let bare = Parameter.key(of: name)
            if bare.isEmpty || bare.contains("=") || bare.contains(where: \.isWhitespace) || bare.first?.isNumber == true {
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
                let values = (high - low) / st
                if !(values < Self.maxExactInteger) {
                    throw doc.error(s, "parameter `\(name)`: step \(st) makes \(values) values of \(low)...\(high); use a larger step or none.")
                }
                if log {
                    doc.warn(s, "parameter `\(name)`: `step` is ignored with `log: true`, as Scilab-RL's sweeper does.")
                    return .float(low: low, high: high, log: true, step: nil)
                }
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
            for (node, v) in [(lowNode, low), (highNode, high)] where abs(Double(v)) > Self.maxExactInteger {
                throw doc.error(node, "parameter `\(name)`: \(v) is beyond ±2^53, the largest whole numbers the samplers hold exactly; narrow the range.")
            }
            if log && low <= 0 { throw doc.error(lowNode, "parameter `\(name)`: a log range needs low > 0 (got \(low)).") }
            var step = 1
            if let s = try doc.value(map, "step") {
                step = try doc.int(s, "step", min: 1)
                if log && step != 1 {
                    doc.warn(s, "parameter `\(name)`: `step` is ignored with `log: true`, as Scilab-RL's sweeper does.")
                    step = 1
                }
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
            var seen = Set<ParamValue>()
            var sawNaN = false
            for c in seq {
                let v = try doc.configValue(c)
                let isNaN = v.number?.isNaN == true
                if isNaN ? sawNaN : !seen.insert(v).inserted { throw doc.error(c, "parameter `\(name)`: choice `\(v)` is listed twice.") }
                sawNaN = sawNaN || isNaN
                choices.append(v)
            }
            if choices.isEmpty { throw doc.error(choicesNode, "parameter `\(name)`: `choices` is empty; list at least one value.") }
            return .categorical(choices: choices)
        default:
            throw doc.error(typeNode, "parameter `\(name)`: type `\(type)` is not float, int or categorical.")
        }
    }

    static func samplerSpec(_ node: Node, doc: Doc, defaultType: String = "tpe") throws -> (SamplerSpec, UInt64?) {
        if node.scalar != nil {
            return (try samplerNamed(try doc.string(node, "sampler"), node: node, doc: doc), nil)
        }
        let map = try doc.mapping(node, "`sampler`")
        var typeName = defaultType
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
            if case .gp(var o) = spec {
                switch key {
                case "type", "_target_": break
                case "seed": seed = UInt64(try doc.int(v, "seed", min: 0))
                case "n_startup_trials": o.nStartupTrials = try doc.int(v, key, min: 0, max: 10_000)
                case "startup":
                    switch try doc.string(v, key) {
                    case "sobol": o.sobolStartup = true
                    case "random": o.sobolStartup = false
                    case let other: throw doc.error(v, "startup is `sobol` or `random`, not `\(other)`.")
                    }
                case "deterministic_objective", "independent_sampler", "warn_independent_sampling": break
                default: throw doc.error(k, "unknown key `\(key)` for the gp sampler; known keys: type, seed, n_startup_trials, startup.")
                }
                spec = .gp(o)
                continue
            }
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
            case "n_ei_candidates": o.nEICandidates = try doc.int(v, key, min: 1, max: 100_000)
            case "multivariate": o.multivariate = try doc.bool(v, key)
            case "constant_liar": o.constantLiar = try doc.bool(v, key)
            case "prior_weight": o.priorWeight = try doc.double(v, key, positive: true)
            case "consider_magic_clip": o.considerMagicClip = try doc.bool(v, key)
            case "consider_endpoints": o.considerEndpoints = try doc.bool(v, key)
            case "consider_prior":
                if !(try doc.bool(v, key)) { throw doc.error(v, "consider_prior: false is not supported (Optuna 5 always considers the prior); drop the key.") }
            case "warn_independent_sampling": _ = try doc.bool(v, key)
            default:
                throw doc.error(k, "unknown key `\(key)` for the tpe sampler; known keys: \(tpeKeys.joined(separator: ", ")).")
            }
            spec = .tpe(o)
        }
        return (spec, seed)
    }

    static func samplerNamed(_ name: String, node: Node, doc: Doc) throws -> SamplerSpec {
        switch name.lowercased() {
        case "tpe": return .tpe(TPEOptions())
        case "random": return .random
        case "grid": return .grid
        case "gp": return .gp(GPOptions())
        case "cmaes", "nsgaii", "nsgaiii", "qmc", "motpe", "partialfixed", "bruteforce":
            throw doc.error(node, "sampler `\(name)` is not available in hypertop; use tpe, gp, random or grid.")
        default: throw doc.error(node, "sampler `\(name)` is not one of tpe, gp, random, grid.")
        }
    }
}

/// Typed access to YAML nodes that turns every mismatch into a ConfigError at the node's line.
struct Doc {
    let path: String
    var warnings = WarningLog()

    func warn(_ node: Node, _ message: String, file: String? = nil) {
        let w = ConfigWarning(file: file ?? path, line: node.mark?.line, message: message)
        if !warnings.items.contains(w) { warnings.items.append(w) }
    }

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

    func int(_ node: Node, _ key: String, min: Int? = nil, max: Int? = nil) throws -> Int {
        guard node.scalar != nil, let v = node.int else {
            throw error(node, "`\(key)` must be a whole number, got `\(node.scalar?.string ?? "a list or mapping")`.")
        }
        if let min, v < min { throw error(node, "`\(key)` must be at least \(min), got \(v).") }
        if let max, v > max { throw error(node, "`\(key)` must be at most \(max), got \(v).") }
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

    /// A value as Hydra's YAML loader reads it: lists and mappings kept, quoted text stays a string.
    func configValue(_ node: Node) throws -> ParamValue {
        if let seq = node.sequence { return .list(try seq.map(configValue)) }
        if node.mapping != nil {
            return .mapping(try self.mapping(node, "a mapping value").map { k, v in ParamValue.Entry(try string(k, "a key"), try configValue(v)) })
        }
        guard let scalar = node.scalar else { throw error(node, "an alias or anchor is not supported here.") }
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
