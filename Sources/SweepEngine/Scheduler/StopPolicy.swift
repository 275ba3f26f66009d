import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Why a study stops launching, in one value: the stop file, the time limit, failing jobs, a
/// finished search space, signals, or a plain request. Pure: the scheduler asks it, says what it
/// returns, and acts (kills) on what it answers.
struct StopPolicy: Sendable, Equatable {
    /// Why launching stopped; nil while the study may launch.
    private(set) var reason: String?
    /// The stop came from the deleted stop file: re-creating it cancels it.
    private(set) var byFile = false
    /// The planner found no set left to run (a retry or more runs reopen it).
    private(set) var exhausted: String?
    /// Failing jobs stopped the study (`max_initial_failures`, `max_failure_rate`): exit status 1.
    private(set) var aborted: String?
    /// Past the time limit: when the trials still running are killed.
    private(set) var hardKillAt: Date?
    /// Signals taken so far (SIGTERM counts as two), and the first one's name.
    private(set) var interrupts = 0
    private(set) var firstSignal: String?
    /// The last signal that counted: the engine exits with 128 + it, as a shell reports a process
    /// a signal ended, so that a cancelled run never reads as a success.
    private(set) var lastSignal: Int32?

    /// Whether new trials may start.
    var mayLaunch: Bool { reason == nil && exhausted == nil }

    /// A stop for `reason`; the first reason stands. True when it is new (to be said).
    mutating func stop(_ reason: String) -> Bool {
        guard self.reason == nil else { return false }
        self.reason = reason
        return true
    }

    /// The stop file's state this tick: a deletion stops (said), a re-creation cancels a stop it
    /// made (said). Returns the line to say, if any.
    mutating func stopFile(deleted: Bool) -> String? {
        if deleted {
            guard reason == nil else { return nil }
            byFile = true
            reason = "stop file \(ControlFiles.stopFileName) was deleted; running trials will finish"
            return "Stopping: \(reason!)"
        }
        guard byFile else { return nil }
        byFile = false
        reason = nil
        return "Stop cancelled: the stop file was re-created"
    }

    /// The time limit: once `now` reaches it, a stop that no stop file can cancel, and the time
    /// after which running trials are killed. Returns the stop's line when it is new.
    mutating func deadline(now: Date, startedAt: Date, maxMinutes: Double, graceMinutes: Double) -> String? {
        let deadline = startedAt.addingTimeInterval(maxMinutes * 60)
        guard now >= deadline, hardKillAt == nil else { return nil }
        hardKillAt = deadline.addingTimeInterval(graceMinutes * 60)
        replace("max_duration_minutes (\(ParamValue.float(maxMinutes))) reached")
        return "Stopping: \(reason!)"
    }

    /// Whether the time limit's grace is over at `now`.
    func pastHardKill(_ now: Date) -> Bool { hardKillAt.map { now >= $0 } ?? false }

    /// Failing jobs: a stop that no stop file can cancel, and the study ends with status 1.
    /// Returns the stop's line (the first abort only).
    mutating func abort(_ why: String) -> String? {
        guard aborted == nil else { return nil }
        aborted = why
        if byFile { replace(why) } else if reason == nil { reason = why } else { return nil }
        return "Stopping: \(reason!)"
    }

    /// W&B's `metric.target`: once a finished trial's score reaches it (at or below when
    /// minimizing, at or above when maximizing), a stop that no stop file can cancel; running
    /// trials finish. Returns the stop's line when it is new.
    mutating func target(_ target: Double, score: Double, trial: Int, direction: Direction, criterion: String) -> String? {
        let reached = direction == .maximize ? score >= target : score <= target
        guard reached, reason == nil || byFile else { return nil }
        replace("metric.target reached: trial #\(trial)'s \(criterion) \(ParamValue.float(score)) is \(direction == .maximize ? "at or above" : "at or below") "
                + "the target \(ParamValue.float(target)); running trials will finish")
        return "Stopping: \(reason!)"
    }

    mutating func exhaust(_ why: String) { exhausted = why }

    /// A retry, more runs or an enqueued set reopen a finished search space.
    mutating func reopen() { exhausted = nil }

    /// What a signal asks for.
    enum SignalAction: Equatable {
        /// Nothing more (a SIGHUP after the first signal: the terminal closes once).
        case none
        /// Stop launching; running trials finish.
        case stopLaunching
        /// Stop launching and terminate the running trials (SIGTERM, then SIGKILL after the grace).
        case terminateTrials(reason: String)
        /// SIGKILL the running trials now.
        case killTrialsNow
    }

    /// Ctrl-C (SIGINT): the first stops launching, the second terminates every job, a third kills
    /// at once. SIGHUP (the terminal closed) is a graceful stop like the first Ctrl-C; SIGTERM means
    /// "go away" and terminates the jobs at once. A SIGHUP after the first signal is not a second
    /// Ctrl-C: the terminal closes once (the dashboard that saw it go away and the signal itself
    /// both report it). Returns what to do and the line to say, if any.
    mutating func signal(_ signal: Int32) -> (action: SignalAction, say: String?) {
        if signal == SIGHUP && interrupts > 0 { return (.none, nil) }
        let name = signal == SIGINT ? "Ctrl-C" : ProcessText.signalName(signal) ?? "signal \(signal)"
        if firstSignal == nil { firstSignal = name }
        lastSignal = signal
        interrupts += signal == SIGTERM && interrupts == 0 ? 2 : 1
        switch interrupts {
        case 1:
            let said = stop(signal == SIGHUP
                ? "the terminal closed (SIGHUP); waiting for running trials; Ctrl-C or SIGTERM kills them"
                : "interrupted (Ctrl-C); waiting for running trials; press Ctrl-C again to kill them")
            return (.stopLaunching, said ? "Stopping: \(reason!)" : nil)
        case 2:
            let said = stop(signal == SIGTERM ? "SIGTERM received" : "interrupted twice")
            return (.terminateTrials(reason: "killed by \(name)"), said ? "Stopping: \(reason!)" : nil)
        default:
            return (.killTrialsNow, nil)
        }
    }

    /// The phase the study is in.
    func phase(paused: Bool) -> StudyPhase { reason != nil ? .stopping : paused ? .paused : .running }

    /// Why the study ended, as its last phase says it: a signal's stop begins `stopped by ...`
    /// (`studies` then says "stopped").
    var endReason: String {
        let why = reason ?? exhausted ?? "max_trials reached"
        return firstSignal.map { StudyPhase.stoppedBy + $0 + ": " + why } ?? why
    }

    /// A stop that replaces whatever stopped launching before (a stop file's, which could be cancelled).
    private mutating func replace(_ why: String) {
        byFile = false
        reason = why
    }
}
