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
/// `defaults` groups, overridden by the file. A W&B sweep file (`wandb sweep sweep.yaml`, no
/// `hydra:` block) is read as W&B reads it (`WandbSweep.swift`).
public enum ConfigLoader {
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

    static func parseChecked(_ file: YAMLFile, overrides: [CommandLineOverride] = []) throws -> (spec: StudySpec, warnings: [ConfigWarning]) {
        guard let fileRoot = file.root else {
            throw ConfigError(file: file.path, line: 1, "the file is empty; a sweep config needs a `hydra.sweeper` block.")
        }
        if isWandbSweep(fileRoot) { return try parseWandb(file, root: fileRoot, overrides: overrides) }
        let root = try CommandLineOverride.apply(overrides, to: fileRoot)
        let warnings = WarningLog()
        let yaml = YAMLReader(path: file.path, warnings: warnings)
        let top = try yaml.mapping(root, "the file")
        let (sweeper, sweeperKey) = try sweeperBlock(top, yaml: yaml)
        let project = HydraProject.find(configPath: file.path)
        var settings = try SweeperSettings(path: file.path, top: top, sweeper: sweeper, project: project, yaml: yaml)
        try sweeperKeys.read(sweeper, at: sweeperKey, yaml, place: "in hydra.sweeper", into: &settings)
        if settings.parameters.isEmpty {
            throw yaml.error(sweeperKey, "hydra.sweeper needs a `search_space` (or `params`) with at least one parameter, e.g. `++algorithm.learning_rate: {type: float, low: 0.0001, high: 0.005, log: true}`.")
        }
        settings.spec.space = SearchSpace(settings.parameters)
        if let command = settings.spec.command, CommandMacros.placesArguments(command), sweeper.value("pass_config") == nil {
            // The command's macros pass the values (`${args}`): by default nothing else, as for a
            // script that is no Hydra app.
            settings.spec.passConfig = PassConfig.none
        }
        var spec = settings.spec
        var job = try JobConfig.compose(project: project, sweepFile: file, top: top, yaml: yaml)
        let forJob = overrides.filter { !$0.isSweepSetting }
        for o in forJob {
            if let p = spec.space.parameters.first(where: { $0.key == Parameter.key(of: o.key) }) {
                throw ConfigError(file: o.place, line: nil, "`\(p.key)` is a parameter of the search space (`\(p.name)`); each trial gets its sampled value. Change its range in the file instead.")
            }
            job.merge(override: o)
        }
        try readJobSettings(job, yaml: yaml, into: &spec)
        try settleLaunchRules(settings, top: top, project: project, job: job, yaml: yaml, into: &spec)
        try settleObjectives(sweeper: sweeper, yaml: yaml, spec: spec)
        if let command = spec.command {
            try settleMacros(command, settings: settings, sweeper: sweeper, forJob: forJob, yaml: yaml, into: &spec)
        }
        if !overrides.isEmpty {
            spec.commandLineOverrides = overrides.map(\.text)
            spec.commandLineJobOverrides = forJob.map(\.text)
        }
        if spec.configName != nil, job.sweeperOption == nil, spec.passing == .overrides {
            // The app composes this very file: its `hydra.sweeper` keys need a sweeper config that
            // has them, else Hydra stops every trial with "Key 'direction' not in 'BasicSweeperConf'".
            yaml.warn(sweeperKey, "this file is the app's primary config and sets hydra.sweeper, but its defaults list has no "
                      + "`override hydra/sweeper: optuna`: Hydra will refuse to compose it (Key '...' not in 'BasicSweeperConf'). "
                      + "Add `- override hydra/sweeper: optuna` under `defaults:` (hypertop supplies that sweeper's config where the plugin is not installed).")
        }
        if job.sweeperOption == "optuna", spec.passing == .overrides {
            // Scilab-RL's and the upstream plugin's sweeper configs have the key; apps read it
            // (Scilab-RL names its MLflow experiment after it).
            spec.sweeperStudyNameKey = true
        }
        return (spec, warnings.items)
    }

    /// Samplers that model one objective only.
    static let singleObjectiveSamplers: Set<String> = ["gp", "cmaes"]

    /// What a study of several objectives cannot have, refused at the key's line: a pruner (Optuna
    /// prunes none: a trial's intermediate values have one objective), a sampler of one objective,
    /// racing repeats and the stagnation stop (both need one best).
    static func settleObjectives(sweeper: Node.Mapping, yaml: YAMLReader, spec: StudySpec) throws {
        guard spec.isMultiObjective else { return }
        let n = spec.objectiveDirections.count
        let at = { (key: String) in sweeper.value(key) ?? sweeper.value("direction") ?? Node("") }
        if spec.pruner != .none {
            throw yaml.error(at("pruner"), "a study of \(n) objectives cannot be pruned: a trial's intermediate values score one objective, and Optuna prunes none of several (its pruners raise). Drop `pruner`.")
        }
        if singleObjectiveSamplers.contains(spec.sampler.name) {
            throw yaml.error(at("sampler"), "sampler `\(spec.sampler.name)` optimizes one objective; this study has \(n). Use tpe (the default), nsgaii, qmc, random or grid.")
        }
        if spec.repeats == .adaptive {
            throw yaml.error(at("repeats"), "repeats: adaptive races sets against one best; a study of \(n) objectives has a front. Use repeats: fixed.")
        }
        if spec.stopWhenStagnant != nil {
            throw yaml.error(at("stop_when_stagnant"), "stop_when_stagnant counts trials since the best improved; a study of \(n) objectives has a front, not one best. Drop the key.")
        }
    }

    /// The `hydra.sweeper` mapping, and its `sweeper:` key, where messages about the block as a whole point.
    static func sweeperBlock(_ top: Node.Mapping, yaml: YAMLReader) throws -> (Node.Mapping, key: Node) {
        guard let hydra = top.value("hydra") else {
            throw ConfigError(file: yaml.path, line: nil, "no `hydra:` block; a sweep config needs `hydra: sweeper: {study_name, max_trials, n_jobs, direction, search_space, ...}`.")
        }
        let hydraMap = try yaml.mapping(hydra, "`hydra`")
        guard let sweeperNode = hydraMap.value("sweeper") else {
            throw yaml.error(hydra, "`hydra:` has no `sweeper:` block; add `sweeper:` with study_name, max_trials, n_jobs, direction and search_space.")
        }
        let sweeper = try yaml.mapping(sweeperNode, "`hydra.sweeper`")
        return (sweeper, hydraMap.first { $0.key.string == "sweeper" }?.key ?? sweeperNode)
    }

    /// A `command` with W&B's macros in hypertop's format: its macros checked (at the command's
    /// line), and, when they pass the values, `params:`'s fixed values and the command line's job
    /// overrides passed by them too, unless pass_config passes them as Hydra overrides.
    static func settleMacros(_ command: [String], settings: SweeperSettings, sweeper: Node.Mapping, forJob: [CommandLineOverride],
                             yaml: YAMLReader, into spec: inout StudySpec) throws {
        let node = sweeper.value("command")
        let (errors, notes) = CommandMacros.problems(command, hasProgram: false, parameters: Set(spec.space.parameters.map(\.key)))
        if let node {
            if let first = errors.first { throw yaml.error(node, first) }
            for note in notes { yaml.warn(node, note) }
        }
        guard CommandMacros.placesArguments(command), spec.passing != .overrides else { return }
        var constants = settings.fixedValues
        for o in forJob {
            guard o.value != nil else {
                throw ConfigError(file: o.place, line: nil, "the command's macros pass the values, and a `~key` deletion means nothing to them; leave it out.")
            }
            constants.append(ParamValue.Entry(Parameter.key(of: o.key), try yaml.configValue(o.node)))
        }
        spec.constantArguments = constants.isEmpty ? nil : constants
        spec.commandLineJobOverrides = nil
    }

    /// The job keys hypertop needs, as the job will see them (an error points at the file that set them).
    static func readJobSettings(_ job: JobConfig, yaml: YAMLReader, into spec: inout StudySpec) throws {
        func value<T>(_ key: String, _ read: (YAMLReader, Node) throws -> T) throws -> T? {
            guard let s = job[key], s.node.null == nil else { return nil }
            if let text = s.node.scalar?.string, text.contains("${") {
                yaml.warn(s.node, "`\(key)` is an interpolation (`\(text)`); hypertop does not resolve it and uses its default.", file: s.file)
                return nil
            }
            return try read(YAMLReader(path: s.file, warnings: yaml.warnings), s.node)
        }
        // A list names one criterion per objective; the first is the criterion of the rest of hypertop.
        let criteria = try value("hyperopt_criterion") { yaml, node in
            node.sequence != nil ? try yaml.nameList(node, "hyperopt_criterion") : [try yaml.string(node, "hyperopt_criterion")]
        }
        if let criteria, criteria.count > 1 {
            if criteria.count != spec.objectiveDirections.count {
                let place = job["hyperopt_criterion"]
                throw ConfigError(file: place?.file ?? yaml.path, line: place?.node.mark?.line,
                                  "`hyperopt_criterion` lists \(criteria.count) metrics but `direction` gives \(spec.objectiveDirections.count) objective(s); list one metric per objective.")
            }
            spec.criteria = criteria
        }
        spec.criterion = try criteria?.first
            ?? value("early_stop_data_column") { try $0.string($1, "early_stop_data_column") } ?? spec.criterion
        spec.earlyStopLastN = try value("early_stop_last_n") { try $0.int($1, "early_stop_last_n", min: 1) } ?? spec.earlyStopLastN
        spec.nEpochs = try value("n_epochs") { try $0.int($1, "n_epochs", min: 1) }
        spec.evalAfterNSteps = try value("eval_after_n_steps") { try $0.int($1, "eval_after_n_steps", min: 1) }
        _ = try value("early_stop_threshold") { try $0.double($1, "early_stop_threshold", positive: false) }
    }

    /// How each trial's job gets the file: `pass_config`, `seed_key`, the epoch cap, and the

    /// What the sweeper's keys leave to the job's config: the epoch cap (it needs `n_epochs`),
    /// a primary config's name, and the file's own keys as the job's overrides.
    static func settleLaunchRules(_ settings: SweeperSettings, top: Node.Mapping, project: HydraProject?, job: JobConfig, yaml: YAMLReader,
                                  into spec: inout StudySpec) throws {
        var capOn = project?.isScilabTree(configPath: spec.configPath) ?? false
        if let (on, node) = settings.epochCap {
            capOn = on
            if capOn && spec.nEpochs == nil {
                throw yaml.error(node, "epoch_cap `scilab` needs `n_epochs` in the file or the primary config.")
            }
        }
        if capOn { spec.epochCap = spec.nEpochs }
        let primary = project?.isPrimary(configPath: spec.configPath) ?? false
        if primary { spec.configName = URL(fileURLWithPath: spec.configPath).deletingPathExtension().lastPathComponent }
        if spec.passing == .overrides {
            var skipping = Set(spec.space.parameters.map(\.key))
            if let key = spec.seedKey { skipping.insert(key) }
            if spec.epochCap != nil { skipping.insert("n_epochs") }
            spec.jobOverrides = (primary ? [] : try JobConfig.overrides(top: top, primaryGroups: job.primaryGroups, yaml: yaml, skipping: skipping)) + settings.fixed
        } else if !settings.fixed.isEmpty {
            spec.jobOverrides = settings.fixed
        }
    }
}
