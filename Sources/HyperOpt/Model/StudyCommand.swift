import Foundation

/// A control of a running study: one value whether it comes from `run`'s dashboard (the engine
/// is in the same process) or from `attach` in another terminal (it travels as a request file).
/// The engine carries out every one the same way (`StudyControl` in SweepEngine).
public enum StudyCommand: Sendable, Hashable, Codable {
    /// Create or delete the pause file: no trial is launched while it exists.
    case togglePause
    /// Delete the stop file (a graceful stop: running trials finish), or re-create it (cancel).
    case toggleStop
    /// Terminate a running trial's job (SIGTERM, SIGKILL after the grace); `reason` is what its
    /// outcome says, nil for the carrier's own ("killed by the user").
    case kill(trial: Int, reason: String?)
    /// The same for every running trial.
    case killAll(reason: String?)
    /// Run the parameter set again, next, as one run more than max_trials.
    case retry(paramSet: Int)
    /// Give the parameter set `count` more runs, beyond max_trials.
    case addRuns(paramSet: Int, count: Int)
    /// Run this parameter set (typed by the user) before the sampler's next proposal.
    case enqueue(Params)
}

/// The study's control files' names (Scilab-RL's), which messages name as well as the engine.
public enum ControlFileNames {
    /// Deleting it stops launching; re-creating it cancels the stop.
    public static let stop = "delete_me_to_stop_hyperopt"
    /// While it exists, no trial is launched.
    public static let pause = "hyperopt_paused"
}
