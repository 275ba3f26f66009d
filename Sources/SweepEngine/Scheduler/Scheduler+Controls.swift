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
    /// A SIGHUP after the first signal is not a second Ctrl-C: the terminal closes once (the
    /// dashboard that saw it go away and the signal itself both report it).
    public func interrupt(signal: Int32 = SIGINT) async {
        let (action, say) = stops.signal(signal)
        if let say { note(say) }
        switch action {
        case .none, .stopLaunching: break
        case .terminateTrials(let reason):
            terminatedBecause = reason
            terminateAll(reason: reason)
        case .killTrialsNow:
            terminatedBecause = terminatedBecause ?? "killed by a third interrupt"
            for (n, t) in running {
                signalsDue.append((t.job, SIGKILL))
                running[n]?.killSent = true
            }
        }
        flush()
        await deliverSignals()
    }

    /// Sends the signals the tick or a control decided on. Kept apart from the decisions, which
    /// are made in one piece on the actor: a launcher's `signal` is awaited (`scancel` may be slow)
    /// and the actor takes other calls meanwhile.
    func deliverSignals() async {
        while !signalsDue.isEmpty {
            let due = signalsDue
            signalsDue.removeAll()
            for (job, signal) in due { await launcher.signal(job, signal) }
        }
    }

    /// Stops launching; running trials finish.
    public func requestStop(_ reason: String) {
        if stops.stop(reason) { note("Stopping: \(reason)") }
    }

    /// The dashboard's `r`: the set runs again next (its failed or pruned run stays recorded),
    /// as one run more than max_trials.
    public func retry(paramSet set: Int) {
        guard set < study.paramSets.count else { return note("Retry of set \(set) refused: the study has no such set") }
        planner.retry(paramSet: set)
        askedRuns += 1
        stops.reopen()
        note("Set \(set) runs again next (retry asked from the dashboard)" + (stops.reason.map { "; but the study is stopping: \($0)" } ?? ""))
    }

    /// The dashboard's `+`: `count` more runs of the set, beyond max_trials.
    public func addRepeats(paramSet set: Int, count: Int) {
        guard set < study.paramSets.count, count > 0 else { return note("Repeats of set \(set) refused: the study has no such set") }
        planner.addRepeats(paramSet: set, count: count)
        askedRuns += count
        stops.reopen()
        note("Set \(set) gets \(count) more run\(count == 1 ? "" : "s") (asked from the dashboard)")
    }

    /// The dashboard's `e`: a set typed by the user runs before the sampler's next proposal
    /// (Optuna's enqueue_trial); refused when a value is outside the search space.
    @discardableResult
    public func enqueue(_ params: Params) -> Int? {
        for p in setup.spec.space.parameters {
            guard let v = params[p.name], p.distribution.contains(v) else {
                note("Enqueued set refused: \(p.name) = \(params[p.name]?.description ?? "missing") is not in its search space")
                return nil
            }
        }
        let set = planner.enqueue(params)
        askedRuns += max(1, setup.spec.minTrialsPerParam)
        stops.reopen()
        let text = setup.spec.space.parameters.compactMap { p in params[p.name].map { "\(p.name)=\($0)" } }.joined(separator: " ")
        note("Enqueued set \(set): \(text); it runs next")
        return set
    }

    /// Terminates one trial's job (SIGTERM, then SIGKILL after the grace).
    public func kill(trial number: Int, reason: String = "killed by the user") async {
        terminate(trial: number, reason: reason)
        await deliverSignals()
    }

    public func killAll(reason: String = "killed by the user") async {
        terminateAll(reason: reason)
        await deliverSignals()
    }

    /// Decides a trial's end: SIGTERM goes out with the next `deliverSignals`, SIGKILL after the grace.
    func terminate(trial number: Int, reason: String) {
        guard var t = running[number], t.termSentAt == nil else { return }
        t.killReason = reason
        t.termSentAt = clock.now()
        signalsDue.append((t.job, SIGTERM))
        running[number] = t
        note("Trial #\(number): sending SIGTERM (\(reason))")
    }

    func terminateAll(reason: String) {
        for n in running.keys.sorted() { terminate(trial: n, reason: reason) }
    }

    public func snapshot() -> Study { study }

    /// Trials that used up the budget: a trial lost with a dead engine (at this resume or an
    /// earlier one) does not.
    var launchedCount: Int { study.budgetUsed }

    var mayLaunchMore: Bool {
        stops.mayLaunch && launchedCount < setup.spec.maxTrials + askedRuns
    }

    func checkControls(_ now: Date) {
        let requests = setup.requests.take()
        for problem in requests.refused { note(problem) }
        for command in requests.commands { carryOut(command, defaultReason: RequestFiles.defaultKillReason) }
        if let say = stops.stopFile(deleted: setup.controls.stopRequested) { note(say) }
        if let minutes = setup.spec.maxDurationMinutes {
            if let say = stops.deadline(now: now, startedAt: startedAt, maxMinutes: minutes, graceMinutes: setup.spec.deadlineGraceMinutes ?? 5) {
                note(say)
            }
            if stops.pastHardKill(now), running.values.contains(where: { $0.termSentAt == nil }) {
                terminateAll(reason: "killed: still running past the time limit and its grace")
            }
        }
    }

    func updatePhase() {
        let next = stops.phase(paused: setup.controls.paused)
        if next != phase {
            phase = next
            emit(.phase(next, reason: stops.reason))
        }
    }

    func escalateKills(_ now: Date) {
        for (n, t) in running where !t.killSent {
            if let sent = t.termSentAt, now.timeIntervalSince(sent) >= setup.spec.killGraceSeconds {
                signalsDue.append((t.job, SIGKILL))
                running[n]?.killSent = true
            }
        }
    }
}
