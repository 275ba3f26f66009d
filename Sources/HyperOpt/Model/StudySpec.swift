import Foundation

/// Options of the TPE sampler, Optuna 5's defaults.
public struct TPEOptions: Sendable, Hashable, Codable {
    public var nStartupTrials = 10
    public var nEICandidates = 24
    /// Model the parameters jointly; nil: Optuna 5's default, jointly for one objective and one
    /// by one for several.
    public var multivariate: Bool?
    public var constantLiar = true
    public var priorWeight = 1.0
    public var considerMagicClip = true
    public var considerEndpoints = false

    public init() {}
}

public enum SamplerSpec: Sendable, Hashable, Codable {
    case random
    case grid
    case tpe(TPEOptions)
    case gp(GPOptions)
    case cmaes(CMAESOptions)
    case qmc(QMCOptions)
    case nsgaii(NSGAIIOptions)

    public var name: String {
        switch self {
        case .random: return "random"
        case .grid: return "grid"
        case .tpe: return "tpe"
        case .gp: return "gp"
        case .cmaes: return "cmaes"
        case .qmc: return "qmc"
        case .nsgaii: return "nsgaii"
        }
    }
}

/// How one run's criterion history becomes its score.
public enum ScoreRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// The wiki's formula: (mean(h) + mean(h[-n:])) / E.
    case wiki
    /// Scilab-RL's 2023 code: last = max(1, E//5); divide by E when mean(h) >= 0, else multiply.
    case scilab2023
    case last, mean, max
}

/// How a parameter set earns repeats past `min_trials_per_param`.
public enum RepeatRule: String, Sendable, Hashable, Codable {
    /// As the original: a set runs again only when the sampler proposes it again.
    case fixed
    /// Racing: repeats go to the sets whose 95% interval still overlaps the best's, most
    /// promising first, until the best stands apart (or `max_trials` is spent).
    case adaptive
}

/// How a trial's job receives the sweep config's own keys.
public enum PassConfig: String, Sendable, Hashable, Codable, CaseIterable {
    /// As plain Hydra overrides (`algorithm=sac`, `++n_epochs=5`), plus `hydra.run.dir` and the
    /// callback that captures the returned objective: works with any Hydra app.
    case overrides
    /// Scilab-RL's `+performance=<Env>/<name>`, for apps whose sweeper plugin accepts the file.
    case performance
    /// Only the sampled values (a job that is not a Hydra app).
    case none
}

/// A sweep as the config file describes it.
public struct StudySpec: Sendable, Codable {
    public var studyName: String
    public var maxTrials: Int
    public var nJobs: Int
    public var direction: Direction
    public var maxDurationMinutes: Double?
    public var minTrialsPerParam: Int
    public var maxTrialsPerParam: Int
    public var space: SearchSpace
    /// The job's argv; nil means the bundled `reach-trainer`.
    public var command: [String]?
    /// The line of `command` in the config file (errors about the program it names point there).
    public var commandSourceLine: Int?
    public var sampler: SamplerSpec
    public var seed: UInt64?
    public var workdir: String
    public var score: ScoreRule
    /// Metric whose history is scored: `hyperopt_criterion`, else `early_stop_data_column`, else `eval/success_rate`.
    public var criterion: String
    public var earlyStopLastN: Int
    /// Planned evaluation epochs of one run (`n_epochs`), when the config says.
    public var nEpochs: Int?
    public var evalAfterNSteps: Int?
    /// Seconds between SIGTERM and SIGKILL when jobs are stopped hard.
    public var killGraceSeconds: Double
    /// Minutes running jobs may go on past `max_duration_minutes` before they are killed; nil: 5.
    public var deadlineGraceMinutes: Double?
    /// Re-runs of a parameter set whose trial was lost to a dead engine.
    public var retries: Int
    /// Stops trials whose curves fall behind; none by default, as in the original.
    public var pruner: PrunerSpec = .none
    /// Path of the store file, when set in the config.
    public var storage: String?
    /// Absolute path of the config file it came from.
    public var configPath: String
    /// `<Env>/<name>` when the config lives under `conf/performance/`: passed as `+performance=...`.
    public var performanceName: String?
    /// How the job gets the file's keys; nil in stores written before it existed (`performance`).
    public var passConfig: PassConfig?
    /// The file's own settings as Hydra overrides (`defaults` groups, job keys), for `overrides`.
    public var jobOverrides: [String]?
    /// `--config-name` of a file that is itself the app's primary config (the upstream plugin's layout).
    public var configName: String?
    /// Job key that receives each trial's seed (`++seed=N`), so repeats differ.
    public var seedKey: String?
    /// Scilab-RL's epoch cap: the `n_epochs` of the first trial; later ones get less after an early stop. nil: off.
    public var epochCap: Int?
    /// Stop when this many first trials all failed; nil or 0: never.
    public var maxInitialFailures: Int?
    /// Stop gracefully once this many trials have finished since the best last improved.
    public var stopWhenStagnant: Int?
    /// Stop when the share of failed trials passes this (the upstream plugin's `max_failure_rate`).
    public var maxFailureRate: Double?
    /// A running trial that used no CPU and no GPU this long is marked idle (a hung job); nil: the default.
    public var idleAfterSeconds: Double?
    public static let defaultIdleAfterSeconds = 60.0

    /// How repeats beyond `min_trials_per_param` are given out; nil: the original's fixed rule.
    public var repeats: RepeatRule?

    /// Where the trials run; nil (stores written before it existed): local processes.
    public var launcher: LauncherSpec?

    /// CPUs each trial gets (`cpus_per_trial`): its own set and thread variables locally, Slurm's
    /// `cpus_per_task` on a cluster. nil: the engine's CPUs shared among the slots; 0: off.
    public var cpusPerTrial: Int?
    /// GPUs each trial gets (`gpus_per_trial`): 0.5 shares one between two trials; nil or 0: none
    /// handed out (the trials see the engine's `CUDA_VISIBLE_DEVICES`).
    public var gpusPerTrial: Double?

    /// The `key=value` overrides the study was started with, as typed after the file.
    public var commandLineOverrides: [String]?
    /// Those of them that go to every trial's job (all but `hydra.sweeper.*` and `hydra.launcher.*`).
    public var commandLineJobOverrides: [String]?
    /// Whether the job's Hydra config has `hydra.sweeper.study_name` (its sweeper group is
    /// `optuna`): each trial then gets the study's name there, as under the original sweeper.
    public var sweeperStudyNameKey: Bool?

    /// Stop launching once a finished trial's score reaches this, in the study's direction (W&B's
    /// `metric.target`): at or below it when minimizing, at or above it when maximizing.
    public var stopAtTarget: Double?
    /// Why the sampler is the one it is, when the config left the choice to hypertop (W&B's
    /// `method: bayes`), for `check` and the study's log.
    public var samplerReason: String?
    /// The W&B sweep file's `method` (grid, random or bayes), when the study came from one; nil
    /// for hypertop's own format. A W&B sweep passes the trial's values only where the command's
    /// macros say (W&B's default command is `${env} ${interpreter} ${program} ${args}`).
    public var wandbMethod: String?
    /// W&B's `program`: what `${program}` expands to.
    public var program: String?
    /// W&B's `description` of the sweep, for display.
    public var studyDescription: String?
    /// W&B's `project` and `entity`: each trial's `WANDB_PROJECT` and `WANDB_ENTITY`.
    public var wandbProject: String?
    public var wandbEntity: String?
    /// Values every trial gets through the command's macros, besides its sampled ones: W&B's
    /// `value` parameters (not a search dimension), by their dotted names.
    public var constantArguments: [ParamValue.Entry]?
    /// The path of each value whose dotted name nested `parameters:` made (`optimizer.lr` →
    /// [optimizer, lr]): the macros pass it inside its top-level key's value, as W&B does
    /// (`--optimizer={'lr': 0.1}`). A name without an entry is one argument, dots and all.
    public var argumentPaths: [String: [String]]?

    /// Each objective's direction when the study has several (`direction: [maximize, minimize]`);
    /// nil for one objective (`direction` alone). `direction` is always the first.
    public var directions: [Direction]?
    /// Each objective's criterion when `hyperopt_criterion` lists one per objective; nil: the one
    /// `criterion` (for several objectives, each value then comes from what the app returns).
    public var criteria: [String]?
    /// Metrics or returned keys whose values must be <= 0 for a trial to be feasible (Optuna 5's
    /// `trial.set_constraint`); nil: none.
    public var constraints: [String]?

    /// Every objective's direction, in order; one for a single-objective study.
    public var objectiveDirections: [Direction] { directions ?? [direction] }
    public var isMultiObjective: Bool { objectiveDirections.count > 1 }
    /// Each objective's short name, for columns and axes: its criterion when `hyperopt_criterion`
    /// lists them, else `values[i]` (Optuna's own name); `score` for a single objective.
    public var objectiveNames: [String] {
        let n = objectiveDirections.count
        if n == 1 { return ["score"] }
        if let criteria, criteria.count == n { return criteria }
        return (0..<n).map { "values[\($0)]" }
    }

    public var isWandbSweep: Bool { wandbMethod != nil }
    public var passing: PassConfig { passConfig ?? .performance }
    public var launching: LauncherSpec { launcher ?? .local }

    /// Scilab-RL's criterion when neither `hyperopt_criterion` nor `early_stop_data_column` is set.
    public static let defaultCriterion = "eval/success_rate"

    public init(studyName: String, maxTrials: Int, nJobs: Int, direction: Direction, maxDurationMinutes: Double? = nil,
                minTrialsPerParam: Int = 1, maxTrialsPerParam: Int = 1, space: SearchSpace, command: [String]? = nil,
                sampler: SamplerSpec = .tpe(TPEOptions()), seed: UInt64? = nil, workdir: String = "data",
                score: ScoreRule = .wiki, criterion: String = StudySpec.defaultCriterion, earlyStopLastN: Int = 3,
                nEpochs: Int? = nil, evalAfterNSteps: Int? = nil, killGraceSeconds: Double = 10, retries: Int = 1,
                storage: String? = nil, configPath: String = "", performanceName: String? = nil) {
        self.studyName = studyName
        self.maxTrials = maxTrials
        self.nJobs = nJobs
        self.direction = direction
        self.maxDurationMinutes = maxDurationMinutes
        self.minTrialsPerParam = minTrialsPerParam
        self.maxTrialsPerParam = maxTrialsPerParam
        self.space = space
        self.command = command
        self.sampler = sampler
        self.seed = seed
        self.workdir = workdir
        self.score = score
        self.criterion = criterion
        self.earlyStopLastN = earlyStopLastN
        self.nEpochs = nEpochs
        self.evalAfterNSteps = evalAfterNSteps
        self.killGraceSeconds = killGraceSeconds
        self.retries = retries
        self.storage = storage
        self.configPath = configPath
        self.performanceName = performanceName
    }
}
