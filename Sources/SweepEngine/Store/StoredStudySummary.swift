import Foundation
import HyperOpt

/// One line of the studies browser: what a store says about a study without replaying it.
public struct StoredStudySummary: Sendable, Hashable {
    public var studyID: Int
    public var name: String
    /// One direction per objective; hypertop studies have exactly one.
    public var directions: [Direction]
    /// Trials per state; states with no trial are absent.
    public var counts: [TrialState: Int]
    /// The best parameter set's mean over its COMPLETE repeats (±inf counts, NaN does not), as the dashboard
    /// ranks sets; for trials without hypertop's set (Python optuna's), each trial is its own set.
    public var bestValue: Double?
    /// Earliest trial start (or the study's recorded start when it has no trial yet).
    public var started: Date?
    /// Latest trial start or completion: when the study last did something.
    public var lastActivity: Date?
    /// Whether hypertop recorded its event log for this study (false for a study Python optuna wrote).
    public var hasEventLog: Bool

    public var direction: Direction { directions.first ?? .maximize }
    public var total: Int { counts.values.reduce(0, +) }
    public func count(_ state: TrialState) -> Int { counts[state] ?? 0 }
    public var duration: TimeInterval? {
        guard let started, let lastActivity else { return nil }
        return max(0, lastActivity.timeIntervalSince(started))
    }

    public init(studyID: Int, name: String, directions: [Direction], counts: [TrialState: Int], bestValue: Double?,
                started: Date?, lastActivity: Date?, hasEventLog: Bool) {
        self.studyID = studyID
        self.name = name
        self.directions = directions
        self.counts = counts
        self.bestValue = bestValue
        self.started = started
        self.lastActivity = lastActivity
        self.hasEventLog = hasEventLog
    }
}

/// Keys hypertop keeps in Optuna's `study_system_attributes` / `trial_system_attributes`.
/// Values are JSON text, as Optuna requires.
public enum StoreKey {
    public static let stopFile = "hypertop:stop_file"
    public static let pauseFile = "hypertop:pause_file"
    public static let sweepDir = "hypertop:sweep_dir"
    public static let configPath = "hypertop:config_path"
    public static let criterion = "hypertop:criterion"
    public static let phase = "hypertop:phase"
    /// Why the study ended (`max_trials reached`, `stopped by SIGTERM: ...`).
    public static let endReason = "hypertop:end_reason"
    public static let engine = "hypertop:engine"
    public static let runDir = "hypertop:run_dir"
    /// The trial's parameter set (`ParamSetStats`), as hypertop numbers them.
    public static let paramSet = "hypertop:param_set"
    /// The same, as stores written before the name was settled call it; read, never written.
    public static let legacyParamSet = "hypertop:group"
    public static let repeatIndex = "hypertop:repeat"
    public static let command = "hypertop:command"
    public static let exitStatus = "hypertop:exit_status"
    public static let signal = "hypertop:signal"
    public static let failReason = "hypertop:fail_reason"
    /// `EndCause` of a trial its own job did not end (a dead engine's).
    public static let endCause = "hypertop:end_cause"
    /// What the trial used in all (`ResourceTotals`): CPU seconds, peak resident and GPU memory in MiB.
    public static let cpuSeconds = "hypertop:cpu_seconds"
    public static let peakRSSMegabytes = "hypertop:peak_rss_mb"
    public static let peakGPUMegabytes = "hypertop:gpu_peak_mb"
    /// Optuna 5's own key for `trial.constraints` (a JSON list, feasible when every value <= 0).
    public static let constraints = "constraints"
}
