import Foundation

// How a trial's job ended, and the trial outcome that follows from it: pure values, so the rule
// is tested without processes, and no launcher's vocabulary (Slurm's states) reaches the scheduler.

public enum JobStatus: Sendable, Equatable {
    /// Waiting in a cluster's queue, with the cluster's reason (`Priority`, `Resources`, ...).
    case queued(reason: String?)
    case running
    case exited(Int32)
    case signaled(Int32)
    /// Something other than the job itself ended it (a cluster's time limit, memory limit, a lost
    /// node): said by its launcher in words the trial's reason uses.
    case ended(JobEnd)

    /// Whether the job has not ended yet (it runs, or waits to).
    public var isLive: Bool {
        switch self {
        case .queued, .running: return true
        case .exited, .signaled, .ended: return false
        }
    }
}

/// How a job ended when its launcher, not the job, knows why: the reason for the trial's outcome,
/// the exit code and signal recorded, and whether the job was lost with its node (then its set runs
/// again, at no cost to max_trials).
public struct JobEnd: Sendable, Hashable {
    public var reason: String
    public var exit: Int32?
    public var signal: Int32?
    public var lostWithNode: Bool

    public init(reason: String, exit: Int32? = nil, signal: Int32? = nil, lostWithNode: Bool = false) {
        self.reason = reason
        self.exit = exit
        self.signal = signal
        self.lostWithNode = lostWithNode
    }
}

/// What a trial's files said when its job ended, gathered by its tailer: the value the app
/// returned (Hydra's callback writes it), and the stderr line that says why it failed.
public struct JobEndFacts: Sendable {
    public var returned: Result<ReturnedValue, ScoreFailure>?
    public var errorLine: String?
    /// Why its metrics are not whole, when output that may carry them was passed over unread (a
    /// flood the tailer skipped, a file too large to read to its end).
    public var metricsGap: String?

    public init(returned: Result<ReturnedValue, ScoreFailure>? = nil, errorLine: String? = nil, metricsGap: String? = nil) {
        self.returned = returned
        self.errorLine = errorLine
        self.metricsGap = metricsGap
    }
}

extension TrialOutcome {
    /// A trial's outcome from how its job ended. `killedBecause` is why hypertop ended it (a kill,
    /// Ctrl-C, the time limit, a pruner with `pruned`): then that is the reason, whatever the job
    /// did. Otherwise a clean exit is scored (see `Scorer.scored`), and anything else fails with
    /// the launcher's words, the signal's name, or the exit status and the job's own error line.
    /// A clean exit whose metrics were not all read (`facts.metricsGap`) gets no score from them: it
    /// fails saying so, unless its score is the app's returned value, which is then kept with the
    /// gap as its reason.
    public static func classify(number: Int, status: JobStatus, killedBecause: String?, pruned: Bool,
                                metrics: MetricSeries, facts: JobEndFacts, scorer: Scorer, at now: Date) -> TrialOutcome {
        if pruned {
            return TrialOutcome(number: number, state: .pruned, score: nil, reason: killedBecause, exitStatus: nil, signal: nil, endedAt: now)
        }
        func failed(_ reason: String, exit: Int32? = nil, signal: Int32? = nil, cause: EndCause? = nil) -> TrialOutcome {
            TrialOutcome(number: number, state: .failed, score: nil, reason: reason, exitStatus: exit, signal: signal, endedAt: now,
                         cause: cause)
        }
        if let reason = killedBecause {
            switch status {
            case .running, .queued: return failed(reason, cause: .killed)
            case .signaled(let s): return failed(reason, signal: s, cause: .killed)
            case .exited(let code): return failed(reason, exit: code, cause: .killed)
            case .ended(let end): return failed(reason, exit: end.exit, signal: end.signal, cause: .killed)
            }
        }
        switch status {
        case .running, .queued:
            return failed("still running")
        case .ended(let end):
            return failed(end.reason, exit: end.exit, signal: end.signal, cause: end.lostWithNode ? .lostWithNode : nil)
        case .signaled(let s):
            return failed("killed by signal \(s)" + (ProcessText.signalName(s).map { " (\($0))" } ?? ""), signal: s)
        case .exited(let code) where code != 0:
            return failed("exit status \(code)" + (facts.errorLine.map { ": \($0)" } ?? ""), exit: code)
        case .exited(let code):
            switch scorer.scored(metrics, returned: facts.returned) {
            case .success(let scored):
                if let gap = facts.metricsGap, scored.source != .returned {
                    return failed("\(gap); no score from part of them", exit: code)
                }
                var outcome = TrialOutcome(number: number, state: .complete, score: scored.value,
                                           reason: facts.metricsGap.map { "\($0); the score is the app's returned value" }, exitStatus: code,
                                           signal: nil, endedAt: now)
                outcome.scoreSource = scored.source
                if scorer.objectives > 1 { outcome.values = scored.values }
                outcome.constraints = scored.constraints
                return outcome
            case .failure(let why):
                return failed(why.description + (facts.metricsGap.map { "; \($0)" } ?? ""), exit: code)
            }
        }
    }
}
