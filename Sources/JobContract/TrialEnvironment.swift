/// The environment a trial's job gets from hypertop: the one place that names the variables, for
/// the engine that sets them, the orphan finder that looks for them in `/proc`, and the bundled
/// demo job that reads them. (hypertop's Python callback reads `HYPERTOP_TRIAL_DIR` as text.)
public enum TrialEnvironment {
    /// The trial's parameters as JSON, keyed without Hydra's `+` prefixes.
    public static let params = "HYPERTOP_PARAMS"
    /// The trial's run directory (also `hydra.run.dir` for a Hydra app).
    public static let trialDirectory = "HYPERTOP_TRIAL_DIR"
    /// A JSON-lines file the job may write its metrics to.
    public static let metrics = "HYPERTOP_METRICS"
    public static let trialNumber = "HYPERTOP_TRIAL_NUMBER"
    /// A seed that differs between repeats and is fixed by the study's seed.
    public static let trialSeed = "HYPERTOP_TRIAL_SEED"
    public static let study = "HYPERTOP_STUDY"
    /// The engine that started the job (`<pid>@<host>`): cleanup never reaches another engine's processes.
    public static let engine = "HYPERTOP_ENGINE"
    /// The directory that holds `conf/`, for jobs that look up `+performance=...` themselves.
    public static let configRoot = "HYPERTOP_CONFIG_ROOT"

    /// What W&B is told for one trial, unless the user set it: its run is filed in the trial's
    /// directory (`WANDB_DIR`, where the engine reads the run file), grouped by study
    /// (`WANDB_RUN_GROUP`), named `<study>-<trial>` (`WANDB_NAME`), with the job type `trial`.
    public static func wandb(study: String, trial: Int, runDir: String) -> [(String, String)] {
        [("WANDB_DIR", runDir), ("WANDB_RUN_GROUP", study), ("WANDB_NAME", "\(study)-\(trial)"), ("WANDB_JOB_TYPE", "trial")]
    }
}
