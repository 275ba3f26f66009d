import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Controls: Ctrl-C, the stop and pause files, kills and their escalation, the time limit.
extension Scheduler {
    /// A signal to hypertop. Ctrl-C (SIGINT): the first stops launching, the second terminates
    /// every job, a third kills at once. SIGHUP (the terminal closed) is a graceful stop like the
    /// first Ctrl-C; SIGTERM means "go away" and terminates the jobs at once.
    public func interrupt(signal: Int32 = SIGINT) {
        let name = signal == SIGINT ? "Ctrl-C" : ProcessText.signalName(signal) ?? "signal \(signal)"
        interrupts += signal == SIGTERM && interrupts == 0 ? 2 : 1
        switch interrupts {
        case 1:
            requestStop(signal == SIGHUP
                ? "the terminal closed (SIGHUP); waiting for running trials; Ctrl-C or SIGTERM kills them"
                : "interrupted (Ctrl-C); waiting for running trials; press Ctrl-C again to kill them")
        case 2:
            requestStop(signal == SIGTERM ? "SIGTERM received" : "interrupted twice")
            killAll(reason: "killed by \(name)")
        default:
            for (n, t) in running {
                launcher.signal(t.job, SIGKILL)
                running[n]?.killSent = true
            }
        }
        flush()
    }

    /// Stops launching; running trials finish.
    public func requestStop(_ reason: String) {
        if stopReason == nil {
            stopReason = reason
            note("Stopping: \(reason)")
        }
    }

    /// Terminates one trial's job (SIGTERM, then SIGKILL after the grace).
    public func kill(trial number: Int, reason: String = "killed by the user") {
        guard var t = running[number], t.termSentAt == nil else { return }
        t.killReason = reason
        t.termSentAt = clock.now()
        launcher.signal(t.job, SIGTERM)
        running[number] = t
        note("Trial #\(number): sending SIGTERM (\(reason))")
    }

    public func killAll(reason: String = "killed by the user") {
        for n in running.keys.sorted() { kill(trial: n, reason: reason) }
    }

    public func snapshot() -> Study { study }

    /// Trials that used up the budget: a trial lost with a dead engine (at this resume or an
    /// earlier one) does not.
    var launchedCount: Int { study.budgetUsed }

    var mayLaunchMore: Bool {
        stopReason == nil && exhausted == nil && launchedCount < setup.spec.maxTrials
    }

    func checkControls(_ now: Date) {
        for request in setup.requests.take() {
            switch request {
            case .kill(let n, let reason):
                if running[n] == nil { note("Trial #\(n): a kill was asked (\(reason)), but it is not running") }
                kill(trial: n, reason: reason)
            case .killAll(let reason):
                killAll(reason: reason)
            }
        }
        if setup.controls.stopRequested {
            if stopReason == nil {
                stopByFile = true
                requestStop("stop file \(ControlFiles.stopFileName) was deleted; running trials will finish")
            }
        } else if stopByFile {
            stopByFile = false
            stopReason = nil
            note("Stop cancelled: the stop file was re-created")
        }
        if let minutes = setup.spec.maxDurationMinutes {
            let deadline = startedAt.addingTimeInterval(minutes * 60)
            if now >= deadline && hardKillAt == nil {
                hardKillAt = deadline.addingTimeInterval((setup.spec.deadlineGraceMinutes ?? 5) * 60)
                stopByFile = false
                stopReason = nil
                requestStop("max_duration_minutes (\(ParamValue.float(minutes))) reached")
            }
            if let hardKillAt, now >= hardKillAt, running.values.contains(where: { $0.termSentAt == nil }) {
                killAll(reason: "killed: still running past the time limit and its grace")
            }
        }
    }

    func updatePhase() {
        let next: StudyPhase = stopReason != nil ? .stopping : setup.controls.paused ? .paused : .running
        if next != phase {
            phase = next
            emit(.phase(next, reason: stopReason))
        }
    }

    func escalateKills(_ now: Date) {
        for (n, t) in running where !t.killSent {
            if let sent = t.termSentAt, now.timeIntervalSince(sent) >= setup.spec.killGraceSeconds {
                launcher.signal(t.job, SIGKILL)
                running[n]?.killSent = true
            }
        }
    }
}
