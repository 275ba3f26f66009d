import Foundation
import Yams

/// What `hydra.sweeper`'s keys say, as the sweeper table reads them: the study under way, and
/// what is settled only once every key is read.
struct SweeperSettings {
    var spec: StudySpec
    var parameters: [Parameter] = []
    /// `params:`'s plain values: fixed overrides for every trial.
    var fixed: [String] = []
    /// The same values as values, for a command whose macros pass them.
    var fixedValues: [ParamValue.Entry] = []
    /// The file's whole tree: without `launcher`, the launcher comes from `hydra.launcher`.
    let top: Node.Mapping
    /// The sampler the defaults list names (`hydra/sweeper/sampler: gp`), for a `sampler:`
    /// mapping that names none.
    let samplerGroup: String?
    /// `max_trials` was given, so the upstream plugin's `n_trials` is not read.
    var maxTrialsGiven = false
    /// `epoch_cap`'s choice at its node; it needs the job's `n_epochs`, known later.
    var epochCap: (on: Bool, node: Node)?

    /// Settings around a spec read elsewhere (a W&B sweep file's), for `hydra.sweeper.<key>`
    /// overrides of hypertop's own keys.
    init(spec: StudySpec) {
        self.spec = spec
        top = Node.Mapping([])
        samplerGroup = nil
    }

    /// The original plugin's defaults (the upstream plugin's where the file is written in its
    /// grammar, `params:`), and the sampler the defaults list names.
    init(path: String, top: Node.Mapping, sweeper: Node.Mapping, project: HydraProject?, yaml: YAMLReader) throws {
        let upstream = sweeper.value("params") != nil
        spec = StudySpec(studyName: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                         maxTrials: ConfigLoader.defaultMaxTrials, nJobs: upstream ? 2 : 1, direction: .minimize,
                         maxDurationMinutes: upstream ? nil : ConfigLoader.defaultMaxDurationMinutes,
                         minTrialsPerParam: 1, maxTrialsPerParam: ConfigLoader.defaultMaxTrialsPerParam,
                         space: SearchSpace([]), configPath: path, performanceName: ConfigLoader.performanceName(forConfigAt: path))
        spec.maxInitialFailures = ConfigLoader.defaultMaxInitialFailures
        spec.passConfig = .overrides
        if project?.isScilabTree(configPath: path) == true {
            // Scilab-RL's devel code scores with max(1, E // 5) last values; the wiki's formula is older.
            spec.score = .scilab2023
        }
        self.top = top
        let group = try DefaultsEntry.list(top, yaml: yaml).first { $0.group == "hydra/sweeper/sampler" }
        samplerGroup = group?.option
        if let g = group, let name = g.option {
            spec.sampler = try ConfigLoader.samplerNamed(name, node: g.node, yaml: yaml)
        }
    }
}

extension ConfigLoader {
    /// `hydra.sweeper` of a sweep: Scilab-RL's keys, the upstream hydra-optuna-sweeper's
    /// (`n_trials`, `params`, `max_failure_rate`) and hypertop's own, read in this order.
    static let sweeperKeys = KeyTable<SweeperSettings>("hydra.sweeper", nulls: .absent, refused: [
        "custom_search_space": "`custom_search_space` (a Python function that defines the space) is not supported; describe every parameter in `params` or `search_space`.",
    ], [
        .init("search_space", "Scilab-RL's parameters: `++key: {type: float|int|categorical, low, high, log, step, choices}`") { yaml, v, s in
            s.parameters += try searchSpace(v, yaml: yaml).parameters
        },
        .init("params", "the upstream plugin's parameters: `key: interval(a, b)`, choice(...), range(...), int(...), tag(log, ...); a plain value is fixed") { yaml, v, s in
            try readParams(v, yaml: yaml, into: &s)
        },
        .init("study_name", "the study's name and its sweep directory's (default: the file's name)") { yaml, v, s in
            s.spec.studyName = try studyName(v, yaml: yaml)
        },
        .init("max_trials", "trials in all (default 20)") { yaml, v, s in
            s.spec.maxTrials = try yaml.int(v, "max_trials", min: 1)
            s.maxTrialsGiven = true
        },
        .init("n_trials", "the upstream plugin's max_trials (max_trials wins when both are given)") { yaml, v, s in
            if !s.maxTrialsGiven { s.spec.maxTrials = try yaml.int(v, "max_trials", min: 1) }
        },
        .init("n_jobs", "trials at once, up to \(maxJobs) (default 1; 2 with params:)") { yaml, v, s in
            s.spec.nJobs = try yaml.int(v, "n_jobs", min: 1, max: maxJobs)
        },
        .init("direction", "minimize or maximize, or a list with one per objective ([maximize, minimize]); default minimize, with a warning", absent: { yaml, block, _ in
            yaml.warn(block, "hydra.sweeper has no `direction`; minimizing, as Scilab-RL's sweeper does (add `direction: maximize` for a success rate).")
        }) { yaml, v, s in
            let directions = try directions(v, yaml: yaml)
            s.spec.direction = directions[0]
            s.spec.directions = directions.count > 1 ? directions : nil
        },
        .init("constraints", "metrics or returned keys that must be <= 0 for a trial to be feasible, as Optuna 5's constraints (default none)") { yaml, v, s in
            let names = v.scalar != nil ? [try yaml.string(v, "constraints")] : try yaml.nameList(v, "constraints")
            if names.isEmpty { throw yaml.error(v, "`constraints` is empty; name the metrics that must be <= 0, or leave the key out.") }
            if let twice = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
                throw yaml.error(v, "`constraints` names `\(twice)` twice; keep one.")
            }
            s.spec.constraints = names
        },
        .init("max_duration_minutes", "the study's time limit; null: none (default 1440; none with params:)", readsNull: true) { yaml, v, s in
            s.spec.maxDurationMinutes = v.null != nil ? nil : try yaml.double(v, "max_duration_minutes", positive: true)
        },
        .init("min_trials_per_param", "runs of each parameter set at least (default 1)") { yaml, v, s in
            s.spec.minTrialsPerParam = try yaml.int(v, "min_trials_per_param", min: 1, max: maxRepeats)
            // Left out, the most follows the least.
            s.spec.maxTrialsPerParam = max(defaultMaxTrialsPerParam, s.spec.minTrialsPerParam)
        },
        .init("max_trials_per_param", "runs of one parameter set at most (default 3, or min_trials_per_param when more)") { yaml, v, s in
            let most = try yaml.int(v, "max_trials_per_param", min: 1, max: maxRepeats)
            let least = s.spec.minTrialsPerParam
            if most < least {
                throw yaml.error(v, "max_trials_per_param (\(most)) is smaller than min_trials_per_param (\(least)); make it at least \(least).")
            }
            s.spec.maxTrialsPerParam = most
        },
        .init("command", "the job's argv, e.g. [python, train.py] (default: the Hydra app beside conf/)") { yaml, v, s in
            let command = try yaml.stringList(v, "command")
            if command.first?.isEmpty ?? true { throw yaml.error(v, "`command` is empty; give the job's argv as a list, e.g. [python, src/main.py].") }
            s.spec.command = command
            s.spec.commandSourceLine = v.mark?.line
        },
        .init("seed", "seed of the sampler and of each trial's $HYPERTOP_TRIAL_SEED (default: drawn, and printed)") { yaml, v, s in
            s.spec.seed = UInt64(try yaml.int(v, "seed", min: 0))
        },
        .init("sampler", "tpe (default), gp, random or grid, or a mapping with the sampler's options (below)") { yaml, v, s in
            let (sampler, samplerSeed) = try samplerSpec(v, yaml: yaml, defaultType: s.samplerGroup ?? "tpe")
            s.spec.sampler = sampler
            if s.spec.seed == nil { s.spec.seed = samplerSeed }
        },
        .init("score", "how a run's criterion history becomes its score: \(ScoreRule.allCases.map(\.rawValue).joined(separator: ", ")) (default wiki; scilab2023 in a Scilab-RL tree)") { yaml, v, s in
            let name = try yaml.string(v, "score")
            guard let rule = ScoreRule(rawValue: name) else {
                throw yaml.error(v, "score `\(name)` is not one of \(ScoreRule.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            s.spec.score = rule
        },
        .init("workdir", "where sweep directories and the store go (default data)") { yaml, v, s in
            s.spec.workdir = try yaml.string(v, "workdir")
        },
        .init("storage", "the study store file, a path or sqlite:///path (default <workdir>/hypertop.db)") { yaml, v, s in
            let text = try yaml.string(v, "storage")
            if text.hasPrefix("sqlite:///") {
                s.spec.storage = String(text.dropFirst("sqlite:///".count))
            } else if text.contains("://") {
                throw yaml.error(v, "storage `\(text)`: hypertop records in a SQLite file; give a path or `sqlite:///<path>`.")
            } else {
                s.spec.storage = text
            }
        },
        .init("retries", "re-runs of a parameter set whose trial a dead engine lost (default 1)") { yaml, v, s in
            s.spec.retries = try yaml.int(v, "retries", min: 0)
        },
        .init("kill_grace_seconds", "seconds from SIGTERM to SIGKILL when jobs are stopped hard (default 10)") { yaml, v, s in
            s.spec.killGraceSeconds = try yaml.double(v, "kill_grace_seconds", positive: true)
        },
        .init("deadline_grace_minutes", "how long running trials may go on past max_duration_minutes (default 5)") { yaml, v, s in
            let minutes = try yaml.double(v, "deadline_grace_minutes", positive: false)
            if minutes < 0 { throw yaml.error(v, "`deadline_grace_minutes` must be 0 or more, got \(minutes).") }
            s.spec.deadlineGraceMinutes = minutes
        },
        .init("pruner", "stops hopeless trials early, as Optuna's pruners do: a name, or a mapping with its options (below); default none") { yaml, v, s in
            s.spec.pruner = try prunerSpec(v, yaml: yaml)
        },
        .init("launcher", "local (default) or slurm, or {type: slurm, ...} with Slurm's options (below)", absent: { yaml, _, s in
            // A submitit user's config: the launcher group in the defaults list, its keys in `hydra.launcher`.
            if let launcher = try submititLauncher(s.top, yaml: yaml) { s.spec.launcher = launcher }
        }) { yaml, v, s in
            s.spec.launcher = try launcherSpec(v, yaml: yaml, context: "hydra.sweeper.launcher")
        },
        .init("cpus_per_trial", "CPUs each trial gets (Slurm's cpus_per_task on a cluster); 0: off (default: the engine's shared among the slots)") { yaml, v, s in
            s.spec.cpusPerTrial = try yaml.int(v, "cpus_per_trial", min: 0, max: maxJobs)
            if let cpus = s.spec.cpusPerTrial, cpus > 0, case .slurm(var options) = s.spec.launching, options.cpusPerTask == nil {
                // On a cluster it is the job's own request, and Slurm confines the job to it.
                options.cpusPerTask = cpus
                s.spec.launcher = .slurm(options)
            }
        },
        .init("gpus_per_trial", "GPUs each trial gets: a fraction up to 1 shares one (0.5: two trials a GPU), or whole GPUs (default none)") { yaml, v, s in
            let gpus = try gpusPerTrial(v, yaml: yaml)
            s.spec.gpusPerTrial = gpus
            if gpus > 0, case .slurm(var options) = s.spec.launching {
                if gpus != gpus.rounded() {
                    throw yaml.error(v, "`gpus_per_trial` \(gpus): a Slurm job gets whole GPUs (gpus_per_node); give 1 or more, or run the trials locally to share a GPU.")
                }
                if options.gpusPerNode == nil { options.gpusPerNode = Int(gpus) }
                s.spec.launcher = .slurm(options)
            }
        },
        .init("repeats", "fixed (default: a set runs again only when proposed again) or adaptive (racing)") { yaml, v, s in
            let name = try yaml.string(v, "repeats")
            guard let rule = RepeatRule(rawValue: name.lowercased()) else {
                throw yaml.error(v, "repeats `\(name)` is not one of fixed, adaptive.")
            }
            s.spec.repeats = rule
            if rule == .adaptive && s.spec.maxTrialsPerParam <= s.spec.minTrialsPerParam {
                yaml.warn(v, "repeats: adaptive gives out runs between min_trials_per_param and max_trials_per_param, but both are \(s.spec.minTrialsPerParam); raise max_trials_per_param.")
            }
        },
        .init("idle_after_seconds", "mark a running trial idle (hung?) once it used no CPU and no GPU this long (default \(Int(StudySpec.defaultIdleAfterSeconds)))") { yaml, v, s in
            s.spec.idleAfterSeconds = try yaml.double(v, "idle_after_seconds", positive: true)
        },
        .init("stop_when_stagnant", "stop once this many trials have finished since the best last improved (default off)") { yaml, v, s in
            s.spec.stopWhenStagnant = try yaml.int(v, "stop_when_stagnant", min: 1)
        },
        .init("max_initial_failures", "stop when this many first trials all failed; 0: never (default \(defaultMaxInitialFailures))") { yaml, v, s in
            s.spec.maxInitialFailures = try yaml.int(v, "max_initial_failures", min: 0)
        },
        .init("max_failure_rate", "the upstream plugin's: stop when the share of failed trials passes this, 0 to 1 (default none)") { yaml, v, s in
            let rate = try yaml.double(v, "max_failure_rate", positive: false)
            guard rate >= 0 && rate <= 1 else { throw yaml.error(v, "max_failure_rate must be between 0 and 1, got \(rate).") }
            s.spec.maxFailureRate = rate
        },
        .init("pass_config", "how the job gets the file's keys: \(PassConfig.allCases.map(\.rawValue).joined(separator: ", ")) (default overrides)") { yaml, v, s in
            let mode = try passConfig(v, yaml: yaml)
            if mode == .performance && s.spec.performanceName == nil {
                throw yaml.error(v, "pass_config `performance` needs the file under `conf/performance/<Env>/`, so that `+performance=<Env>/<name>` names it.")
            }
            s.spec.passConfig = mode
        },
        .init("seed_key", "a job key that receives each trial's seed, e.g. seed gives ++seed=<N> (default none)") { yaml, v, s in
            let key = try yaml.string(v, "seed_key")
            if key.isEmpty || key.contains("=") || key.contains(where: \.isWhitespace) {
                throw yaml.error(v, "seed_key `\(key)` is not a config key like `seed`.")
            }
            s.spec.seedKey = Parameter.key(of: key)
        },
        .init("epoch_cap", "Scilab-RL's epoch cap, scilab or off (default scilab in a Scilab-RL tree, else off)") { yaml, v, s in
            switch try yaml.configValue(v) {
            case .string("scilab"), .bool(true): s.epochCap = (true, v)
            case .string("off"), .bool(false): s.epochCap = (false, v)
            case let other: throw yaml.error(v, "epoch_cap `\(other)` is not `scilab` or `off`.")
            }
        },
        .ignored("_target_", "Hydra's sweeper class; accepted and ignored"),
    ])

    static func studyName(_ v: Node, yaml: YAMLReader, key: String = "study_name") throws -> String {
        let name = try yaml.string(v, key)
        if name.isEmpty || name.contains("/") || name == "." || name == ".." {
            throw yaml.error(v, "\(key) `\(name)` must be a non-empty name without `/`; it names the sweep directory.")
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw yaml.error(v, "\(key) must not contain control characters (a newline, a tab, NUL or an escape); it names the sweep directory.")
        }
        if name.utf8.count > maxStudyNameBytes {
            throw yaml.error(v, "\(key) is \(name.utf8.count) bytes long; at most \(maxStudyNameBytes) fit in a directory name with the suffixes hypertop adds.")
        }
        if name.hasSuffix(".db") || name.hasSuffix(".db-wal") || name.hasSuffix(".db-shm") {
            throw yaml.error(v, "\(key) `\(name)` would collide with the study store's files; choose a name not ending in .db.")
        }
        return name
    }

    /// Most objectives a study may have (Optuna sets no limit; a front of more is hard to read).
    static let maxObjectives = 8

    /// `direction: maximize`, or one per objective: `direction: [maximize, minimize]`.
    static func directions(_ node: Node, yaml: YAMLReader) throws -> [Direction] {
        let items = node.sequence ?? [node]
        if items.isEmpty { throw yaml.error(node, "`direction` is an empty list; give minimize or maximize, or one per objective.") }
        if items.count > maxObjectives {
            throw yaml.error(node, "`direction` lists \(items.count) objectives; hypertop takes at most \(maxObjectives).")
        }
        return try items.map { d in
            let s = try yaml.string(d, "direction").lowercased()
            guard let direction = Direction(rawValue: s) else {
                throw yaml.error(d, "direction `\(s)` is not `minimize` or `maximize`.")
            }
            return direction
        }
    }

    static func passConfig(_ v: Node, yaml: YAMLReader) throws -> PassConfig {
        let name = try yaml.string(v, "pass_config")
        guard let mode = PassConfig(rawValue: name) else {
            throw yaml.error(v, "pass_config `\(name)` is not one of \(PassConfig.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return mode
    }

    /// `gpus_per_trial`: a fraction up to 1 (0.5 shares a GPU between two trials) or whole GPUs.
    static func gpusPerTrial(_ g: Node, yaml: YAMLReader) throws -> Double {
        let gpus = try yaml.double(g, "gpus_per_trial", positive: false)
        if gpus < 0 { throw yaml.error(g, "`gpus_per_trial` must be 0 or more, got \(gpus).") }
        if gpus > 1 && gpus != gpus.rounded() {
            throw yaml.error(g, "`gpus_per_trial` \(gpus) is more than one GPU but not a whole number; give a fraction up to 1 (0.5 shares a GPU between two trials) or whole GPUs.")
        }
        let shares = 1 / gpus
        if gpus > 0 && gpus < 1 && abs(shares - shares.rounded()) > 1e-6 {
            yaml.warn(g, "`gpus_per_trial` \(gpus) does not divide a GPU evenly; \(Int(shares)) trials share each GPU.")
        }
        return gpus
    }
}
