import Foundation
import Yams

/// What a W&B sweep file's keys say, as its tables read them.
struct WandbSettings {
    var spec: StudySpec
    let file: YAMLFile
    var method: String?
    var methodNode: Node?
    var space = WandbSpace()
    var runCap: Int?
    var metricNode: Node?
    var goal: Direction = .minimize
    var target: Double?
    var earlyTerminateNode: Node?
    var pruner: PrunerSpec = .none
    var programNode: Node?
    var commandNode: Node?
}

/// `metric:` as its table reads it.
struct WandbMetric {
    var name: String?
    var goal: Direction = .minimize
    var target: Double?
}

/// `early_terminate:` as its table reads it; the bands are worked out once every key is read.
struct WandbEarlyTerminate {
    var minIter: (Int, Node)?
    var maxIter: (Int, Node)?
    var s: (Int, Node)?
    var eta = 3.0
    /// W&B's sweep engine fills the schema's default, `true` (its docs say false).
    var strict = true
}

/// W&B sweep files (`wandb sweep sweep.yaml`), read as they are: W&B's keys, its inference of a
/// parameter's distribution, its macros and its error wording, mapped onto a `StudySpec`.
extension ConfigLoader {
    /// Whether the file is a W&B sweep file: no `hydra:` block, and one of W&B's own top-level keys.
    static func isWandbSweep(_ root: Node) -> Bool {
        guard let map = root.mapping, map.value("hydra") == nil, map.value("performance_testing_conditions") == nil else { return false }
        return WandbSchema.signatureKeys.contains { map.value($0) != nil }
    }

    /// W&B's default command (`wandb_agent.py`): `/usr/bin/env python <program> --key=value ...`.
    public static let wandbDefaultCommand = ["${env}", "${interpreter}", "${program}", "${args}"]
    /// W&B's agent stops after this many first runs failed (`Agent.MAX_INITIAL_FAILURES`).
    static let wandbMaxInitialFailures = 5
    /// The most trials for which `method: bayes` takes the GP: one GP ask (Cholesky and fit over
    /// every trial so far) took 14 ms at 128 trials, 56 ms at 256, 0.58 s at 512 and 3.5 s at
    /// 1024 here (hypertop-bench gp-cost, 3 parameters), while TPE's stays under 0.1 ms.
    static let bayesGPMaxTrials = 256
    /// The most parameters for which `method: bayes` takes the GP: W&B's own advice is Bayesian
    /// search for few continuous parameters, and a GP needs ever more trials per dimension.
    static let bayesGPMaxDimensions = 10

    static let wandbTopKeys = KeyTable<WandbSettings>("a W&B sweep file (the keys of `wandb sweep sweep.yaml`)", refused: [
        "job": "`job` (a W&B Launch job) runs on W&B's queues; hypertop runs `program` itself: give `program` (and `command`) instead.",
        "image_uri": "`image_uri` (a W&B Launch sweep) runs on W&B's queues; hypertop runs `program` itself: give `program` (and `command`) instead.",
        "metrics": "`metrics` (several objectives) needs W&B's `method: custom`; hypertop optimizes one metric: give `metric: {name, goal}`.",
        "scheduler": "`scheduler` (a custom W&B scheduler) is not something hypertop runs; use `method: bayes`, `random` or `grid`.",
    ], unknownKey: { key, names in
        WandbSchema.unexpected(key) + " (W&B's sweep schema); a W&B sweep file's keys are \(names.joined(separator: ", "))."
    }, [
        .init("method", "grid, random or bayes (bayes: hypertop's GP or TPE, chosen by the space and run_cap)", absent: { yaml, block, _ in
            throw yaml.error(block, WandbSchema.required("method") + " (W&B's sweep schema); add `method: bayes`, `random` or `grid`.")
        }) { yaml, v, s in
            let read = try WandbSchema.value(v, yaml: yaml, explicitlyTagged: s.file.isExplicitlyTagged)
            guard case .string(let method) = read, ["bayes", "random", "grid", "custom"].contains(method) else {
                throw yaml.error(v, WandbSchema.notOneOf(read, ["bayes", "random", "grid", "custom"]) + " (`method`).")
            }
            if method == "custom" {
                throw yaml.error(v, "method `custom` needs W&B's custom scheduler (`scheduler:`), which hypertop does not run; use bayes, random or grid.")
            }
            s.method = method
            s.methodNode = v
        },
        .init("parameters", "the search space: each name with value, values, or a distribution (min/max, q); nested `parameters:` make dotted names", absent: { yaml, block, _ in
            throw yaml.error(block, WandbSchema.required("parameters") + " (W&B's sweep schema); add `parameters:` with at least one parameter, e.g. `lr: {min: 0.0001, max: 0.1}`.")
        }) { yaml, v, s in
            try wandbParameters(v, path: [], method: s.method, yaml: yaml, file: s.file, into: &s.space)
        },
        .init("metric", "{name, goal: minimize (default) or maximize, target}: the criterion, scored by its last logged value") { yaml, v, s in
            var m = WandbMetric()
            try wandbMetricKeys.read(try yaml.mapping(v, "`metric`"), at: v, yaml, place: "in metric", into: &m)
            s.metricNode = v
            s.spec.criterion = m.name ?? s.spec.criterion
            s.goal = m.goal
            s.target = m.target
        },
        .init("run_cap", "trials in all (default: the grid's size for grid, else \(defaultMaxTrials), with a warning)") { yaml, v, s in
            let read = try WandbSchema.value(v, yaml: yaml, explicitlyTagged: s.file.isExplicitlyTagged)
            guard case .int(let cap) = read else { throw yaml.error(v, WandbSchema.notOfType(read, "integer") + " (`run_cap`).") }
            if cap <= 0 { throw yaml.error(v, WandbSchema.notAbove(read, 0) + " (`run_cap`).") }
            s.runCap = cap
        },
        .init("early_terminate", "{type: hyperband, min_iter | max_iter and s, eta (default 3), strict (default true)}: W&B's hyperband stopping") { yaml, v, s in
            var e = WandbEarlyTerminate()
            try wandbEarlyTerminateKeys.read(try yaml.mapping(v, "`early_terminate`"), at: v, yaml, place: "in early_terminate", into: &e)
            s.pruner = .wandbHyperband(try wandbHyperband(e, at: v, yaml: yaml))
            s.earlyTerminateNode = v
        },
        .init("program", "the training script: `${program}` in the command") { yaml, v, s in
            s.spec.program = try wandbString(v, "program", yaml: yaml, file: s.file)
            s.programNode = v
        },
        .init("command", "the job's argv with W&B's macros (default ${env} ${interpreter} ${program} ${args})") { yaml, v, s in
            guard let seq = v.sequence else {
                throw yaml.error(v, WandbSchema.notOfType(try WandbSchema.value(v, yaml: yaml, explicitlyTagged: s.file.isExplicitlyTagged), "array") + " (`command` is a list of words).")
            }
            // W&B's agent takes each word's str().
            s.spec.command = try seq.map { PythonText.str(try WandbSchema.value($0, yaml: yaml, explicitlyTagged: s.file.isExplicitlyTagged)) }
            s.commandNode = v
        },
        .init("name", "the study's name (default: the file's name)") { yaml, v, s in
            _ = try wandbString(v, "name", yaml: yaml, file: s.file)
            s.spec.studyName = try studyName(v, yaml: yaml, key: "name")
        },
        .init("description", "text about the sweep, shown with it") { yaml, v, s in
            s.spec.studyDescription = try wandbString(v, "description", yaml: yaml, file: s.file)
        },
        .init("project", "W&B's project: each trial's WANDB_PROJECT") { yaml, v, s in
            s.spec.wandbProject = try wandbString(v, "project", yaml: yaml, file: s.file)
        },
        .init("entity", "W&B's entity: each trial's WANDB_ENTITY") { yaml, v, s in
            s.spec.wandbEntity = try wandbString(v, "entity", yaml: yaml, file: s.file)
        },
        .init("controller", "where W&B's controller runs; hypertop is the controller, so it is accepted and ignored, with a warning") { yaml, v, _ in
            yaml.warn(v, "`controller` chooses where W&B's sweep controller runs; hypertop runs the sweep itself, so it is ignored.")
        },
        .ignored("apiVersion", "W&B's schema version; accepted and ignored"),
        .ignored("kind", "`sweep`; accepted and ignored"),
    ])

    static let wandbMetricKeys = KeyTable<WandbMetric>("metric (a W&B sweep file)", unknownKey: { key, names in
        WandbSchema.unexpected(key) + " (W&B's sweep schema); `metric`'s keys are \(names.joined(separator: ", "))."
    }, [
        .init("name", "the metric the program logs: the criterion", absent: { yaml, block, _ in
            throw yaml.error(block, WandbSchema.required("name") + " (`metric`); name the metric the program logs.")
        }) { yaml, v, m in
            m.name = try yaml.string(v, "metric.name")
        },
        .init("goal", "minimize (default) or maximize") { yaml, v, m in
            let read = try yaml.configValue(v)
            guard case .string(let goal) = read, let d = Direction(rawValue: goal) else {
                throw yaml.error(v, WandbSchema.notOneOf(read, ["minimize", "maximize"]) + " (`metric.goal`).")
            }
            m.goal = d
        },
        .init("target", "stop launching once a finished trial's score reaches it (in the goal's direction)") { yaml, v, m in
            m.target = try yaml.double(v, "metric.target", positive: false)
        },
        .init("impute", "what W&B's bayes search counts for a failed run; hypertop's samplers leave failed trials out, as Optuna's do (a warning)") { yaml, v, _ in
            yaml.warn(v, "`metric.impute`: hypertop's samplers leave failed trials out, as Optuna's do, so it changes nothing.")
        },
        .init("impute_while_running", "W&B's bayes search's value for running runs; hypertop's samplers treat running trials their own way (a warning)") { yaml, v, _ in
            yaml.warn(v, "`metric.impute_while_running`: hypertop's TPE and GP hold running trials with their own rule (a constant liar, a kriging believer), so it changes nothing.")
        },
    ])

    static let wandbEarlyTerminateKeys = KeyTable<WandbEarlyTerminate>("early_terminate (a W&B sweep file)", unknownKey: { key, names in
        WandbSchema.unexpected(key) + " (W&B's sweep schema); `early_terminate`'s keys are \(names.joined(separator: ", "))."
    }, [
        .init("type", "hyperband", absent: { yaml, block, _ in
            throw yaml.error(block, WandbSchema.required("type") + " (`early_terminate`); write `type: hyperband`.")
        }) { yaml, v, _ in
            let read = try yaml.configValue(v)
            guard read == .string("hyperband") else { throw yaml.error(v, WandbSchema.notOneOf(read, ["hyperband"]) + " (`early_terminate.type`).") }
        },
        .init("min_iter", "the first band, in logged values of the metric; then min_iter·eta^k") { yaml, v, e in
            e.minIter = (try yaml.int(v, "min_iter", min: 1), v)
        },
        .init("max_iter", "with s: the bands max_iter/eta, max_iter/eta², ... (s of them)") { yaml, v, e in
            e.maxIter = (try yaml.int(v, "max_iter"), v)
        },
        .init("s", "how many bands below max_iter") { yaml, v, e in
            e.s = (try yaml.int(v, "s", min: 0, max: 100), v)
        },
        .init("eta", "the factor between bands; a run goes on while among the best 1/eta at its band (default 3)") { yaml, v, e in
            let eta = try yaml.double(v, "eta", positive: false)
            if eta <= 1 { throw yaml.error(v, WandbSchema.notAbove(.float(eta), 1) + " (`eta`).") }
            e.eta = eta
        },
        .init("strict", "true (W&B's schema default): judge a run by its value at the band; false: by its best so far") { yaml, v, e in
            e.strict = try yaml.bool(v, "strict")
        },
    ])

    /// W&B's bands (`hyperband_stopping.py`): from `max_iter` (which wins when both are given),
    /// int(max_iter / eta^i) for i = 1...s while at least 1, sorted; else int(min_iter · eta^k).
    static func wandbHyperband(_ e: WandbEarlyTerminate, at node: Node, yaml: YAMLReader) throws -> WandbHyperbandOptions {
        var bands: [Int] = []
        if let (maxIter, maxNode) = e.maxIter {
            guard let (s, _) = e.s else {
                throw yaml.error(maxNode, "`max_iter` needs `s`, the number of bands below it (W&B's schema: max_iter and s, or min_iter).")
            }
            var band = Double(maxIter)
            for _ in 0..<s {
                band /= e.eta
                if band < 1 { break }
                bands.append(Int(band))
            }
            bands.sort()
        } else if let (minIter, _) = e.minIter {
            var band = Double(minIter)
            // W&B lists 100 bands; those past a run's length never apply.
            while bands.count < 100, band < 1e12 {
                bands.append(Int(band))
                band *= e.eta
            }
        } else {
            throw yaml.error(node, "invalid config for hyperband stopping: either \"max_iter\" or \"min_iter\" must be specified (W&B's words); add `min_iter: 3`, or `max_iter` with `s`.")
        }
        if bands.isEmpty {
            throw yaml.error(node, "Bands must be an array of length at least 1. Try increasing s, decreasing eta, or increasing min_iter. (W&B's words: max_iter / eta is below 1.)")
        }
        return WandbHyperbandOptions(bands: bands, eta: e.eta, strict: e.strict)
    }

    /// A W&B string key: text as W&B's schema wants it.
    static func wandbString(_ v: Node, _ key: String, yaml: YAMLReader, file: YAMLFile) throws -> String {
        let read = try WandbSchema.value(v, yaml: yaml, explicitlyTagged: file.isExplicitlyTagged)
        guard case .string(let text) = read else { throw yaml.error(v, WandbSchema.notOfType(read, "string") + " (`\(key)`).") }
        return text
    }

    /// `method: bayes` as hypertop runs it: the GP where W&B's advice and the GP's cost allow
    /// (numbers only, at most `bayesGPMaxDimensions` of them, at most `bayesGPMaxTrials` trials),
    /// else TPE; with the reason in words.
    public static func bayesSampler(space: SearchSpace, trials: Int) -> (sampler: SamplerSpec, reason: String) {
        let categorical = space.parameters.filter { if case .categorical = $0.distribution { return true } else { return false } }
        if let first = categorical.first {
            return (.tpe(TPEOptions()), "bayes → TPE: `\(first.name)` is categorical\(categorical.count > 1 ? " (and \(categorical.count - 1) more)" : ""), "
                    + "and TPE models choices directly; hypertop's GP takes spaces of numbers only")
        }
        if space.parameters.count > bayesGPMaxDimensions {
            return (.tpe(TPEOptions()), "bayes → TPE: \(space.parameters.count) parameters; the GP is taken for at most \(bayesGPMaxDimensions) "
                    + "(W&B advises Bayesian search for few continuous parameters)")
        }
        if trials > bayesGPMaxTrials {
            return (.tpe(TPEOptions()), "bayes → TPE: \(trials) trials; the GP refits on every trial at each ask (0.06 s at 256 trials, "
                    + "0.6 s at 512, 3.5 s at 1024), so it is taken for at most \(bayesGPMaxTrials)")
        }
        return (.gp(GPOptions()), "bayes → GP (a Gaussian process, as W&B's bayes): \(space.parameters.count) numeric parameter\(space.parameters.count == 1 ? "" : "s"), "
                + "\(trials) trials (the GP is taken for numbers only, at most \(bayesGPMaxDimensions) parameters and \(bayesGPMaxTrials) trials)")
    }

    /// The study a W&B sweep file describes, with the command line's overrides: W&B's keys
    /// (`run_cap=4`, `metric.goal=maximize`, `parameters.lr.max=0.1`) change the file's tree, and
    /// `hydra.sweeper.<key>` sets hypertop's own settings that W&B has no key for (`n_jobs`,
    /// `seed`, `workdir`, `launcher`, `cpus_per_trial`, ...).
    static func parseWandb(_ file: YAMLFile, root fileRoot: Node, overrides: [CommandLineOverride]) throws -> (spec: StudySpec, warnings: [ConfigWarning]) {
        let ours = overrides.filter(\.isSweepSetting)
        let root = try CommandLineOverride.apply(overrides.filter { !$0.isSweepSetting }, to: fileRoot, all: true)
        let warnings = WarningLog()
        let yaml = YAMLReader(path: file.path, warnings: warnings)
        let top = try yaml.mapping(root, "the file")
        var spec = StudySpec(studyName: URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent,
                             maxTrials: defaultMaxTrials, nJobs: 1, direction: .minimize, maxDurationMinutes: nil,
                             minTrialsPerParam: 1, maxTrialsPerParam: 1, space: SearchSpace([]), command: wandbDefaultCommand,
                             sampler: .random, score: .last, configPath: file.path)
        spec.passConfig = PassConfig.none
        spec.maxInitialFailures = wandbMaxInitialFailures
        var s = WandbSettings(spec: spec, file: file)
        try wandbTopKeys.read(top, at: root, yaml, place: "in a W&B sweep file", into: &s)
        spec = s.spec
        let method = s.method ?? "random"
        spec.wandbMethod = method
        spec.space = SearchSpace(s.space.parameters)
        spec.constantArguments = s.space.constants
        spec.argumentPaths = s.space.paths.isEmpty ? nil : s.space.paths
        spec.direction = s.goal
        spec.stopAtTarget = s.target
        spec.pruner = s.pruner
        if s.metricNode == nil {
            let why = method == "bayes" ? "Bayesian search requires \"metric\" section (W&B's words)"
                : s.earlyTerminateNode != nil ? "Hyperband stopping requires \"metric\" section (W&B's words)"
                : "hypertop scores each trial by the sweep's metric (W&B runs \(method) sweeps without one, but then has no best run)"
            throw yaml.error(s.methodNode ?? root, "\(why); add `metric: {name: <what the program logs>, goal: minimize or maximize}`.")
        }
        switch spec.space.parameters.isEmpty ? "constants only" : method {
        case "constants only":
            // Every parameter is a `value`: one set, run once (as W&B's grid runs it).
            spec.maxTrials = s.runCap ?? 1
            spec.samplerReason = "every parameter is a constant (`value`): one set of values"
        case "grid":
            spec.sampler = .grid
            let size = spec.space.cardinality
            spec.maxTrials = s.runCap ?? size ?? defaultMaxTrials
        default:
            if let cap = s.runCap {
                spec.maxTrials = cap
            } else {
                yaml.warn(s.methodNode ?? root, "no `run_cap`: W&B's agent would run until stopped; hypertop runs \(defaultMaxTrials) trials (add `run_cap: N`, or run_cap=N after the file).")
            }
            if method == "bayes" {
                let (sampler, reason) = bayesSampler(space: spec.space, trials: spec.maxTrials)
                spec.sampler = sampler
                spec.samplerReason = reason
            } else {
                spec.sampler = .random
            }
        }
        if let command = spec.command {
            if command.isEmpty { throw yaml.error(s.commandNode ?? root, "`command` is empty; give the job's argv, e.g. [${env}, ${interpreter}, ${program}, ${args}].") }
            let names = Set(spec.space.parameters.map(\.name) + spec.space.parameters.compactMap { spec.argumentPaths?[$0.name]?.first }
                            + (spec.constantArguments ?? []).map(\.key))
            let (errors, notes) = CommandMacros.problems(command, hasProgram: spec.program != nil, parameters: names, wandbFile: true)
            if let first = errors.first { throw yaml.error(s.commandNode ?? s.programNode ?? root, first) }
            for note in notes { yaml.warn(s.commandNode ?? root, note) }
        }
        spec.commandSourceLine = (s.commandNode ?? s.programNode)?.mark?.line
        try applyHypertopSettings(ours, to: &spec, yaml: yaml)
        if !overrides.isEmpty { spec.commandLineOverrides = overrides.map(\.text) }
        return (spec, warnings.items)
    }

    /// The keys of `hydra.sweeper` a W&B sweep file's command line may set, and those W&B names
    /// itself (said with W&B's key).
    static let wandbOwnKeys: [String: String] = [
        "max_trials": "run_cap", "n_trials": "run_cap", "study_name": "name", "direction": "metric.goal",
        "search_space": "parameters", "params": "parameters", "command": "command", "pruner": "early_terminate",
        "score": "metric (W&B scores a run by the metric's last value)", "pass_config": "command (its macros pass the values)",
        "seed_key": "command (its macros pass the values)", "epoch_cap": "parameters",
    ]

    /// `hydra.sweeper.<key>=value` after a W&B sweep file: hypertop's own settings, read by the
    /// keys' readers of `hydra.sweeper`.
    static func applyHypertopSettings(_ overrides: [CommandLineOverride], to spec: inout StudySpec, yaml: YAMLReader) throws {
        guard !overrides.isEmpty else { return }
        for o in overrides where !(o.key == "hydra.sweeper" || o.key.hasPrefix("hydra.sweeper.")) {
            throw ConfigError(file: o.place, line: nil, "a W&B sweep file has no `hydra.launcher`; choose the launcher with hydra.sweeper.launcher=slurm.")
        }
        let tree = try CommandLineOverride.apply(overrides, to: Node([(Node, Node)]()))
        guard let sweeper = tree.mapping?.value("hydra")?.mapping?.value("sweeper") else { return }
        let map = try yaml.mapping(sweeper, "`hydra.sweeper`")
        var settings = SweeperSettings(spec: spec)
        for (k, _) in map {
            let key = k.string ?? ""
            if let own = wandbOwnKeys[key] {
                throw ConfigError(file: yaml.path, line: nil, "`hydra.sweeper.\(key)` is W&B's `\(own)` in a W&B sweep file; set that instead (e.g. run_cap=4).")
            }
            if !sweeperKeys.names.contains(key) {
                throw ConfigError(file: yaml.path, line: nil, sweeperKeys.unknownKeyMessage(key, "in hydra.sweeper"))
            }
        }
        for key in sweeperKeys.keys {
            guard let v = map.value(key.name), v.null == nil else { continue }
            try key.read?(yaml, v, &settings)
        }
        if settings.spec.sampler != spec.sampler {
            settings.spec.samplerReason = "hydra.sweeper.sampler on the command line"
        }
        spec = settings.spec
    }
}
