import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Outcomes: how a job's end becomes a trial's outcome, and when failures stop the study.
extension Scheduler {
    func outcome(number: Int, status: JobStatus, trial t: RunningTrial, now: Date) -> TrialOutcome {
        if t.pruned {
            return TrialOutcome(number: number, state: .pruned, score: nil, reason: t.killReason, exitStatus: nil, signal: nil, endedAt: now)
        }
        func failed(_ reason: String, exit: Int32? = nil, signal: Int32? = nil, cause: EndCause? = nil) -> TrialOutcome {
            TrialOutcome(number: number, state: .failed, score: nil, reason: reason, exitStatus: exit, signal: signal, endedAt: now,
                         cause: cause)
        }
        // A job hypertop ended (a kill, Ctrl-C, the time limit) did not fail by itself: its
        // outcome says why hypertop ended it, whatever the job did then.
        if let reason = t.killReason {
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
            let hint = errorLine(number).map { ": \($0)" } ?? ""
            return failed("exit status \(code)\(hint)", exit: code)
        case .exited(let code):
            let returned = study.trial(number).flatMap { TrialFiles(runDir: $0.launch.runDir).readReturned() }
            switch scorer.scored(study.trial(number)?.metrics ?? MetricSeries(), returned: returned) {
            case .success(let scored):
                var outcome = TrialOutcome(number: number, state: .complete, score: scored.value, reason: nil, exitStatus: code, signal: nil,
                                           endedAt: now)
                outcome.scoreSource = scored.source
                return outcome
            case .failure(let why):
                return failed(why.description, exit: code)
            }
        }
    }

    /// The stderr line that says why the job failed (read from the end of the log).
    func errorLine(_ number: Int) -> String? {
        guard let dir = study.trial(number)?.launch.runDir else { return nil }
        return FailureLine.pick(TrialFiles(runDir: dir).stderrTail())
    }

    func finish(_ outcome: TrialOutcome, runDir: String?) {
        emit(.finished(outcome))
        resources.release(trial: outcome.number)
        if pruner != nil, outcome.state == .complete, let t = study.trial(outcome.number) {
            completedCurves.append((outcome.number, t.metrics.values(setup.spec.criterion)))
        }
        if outcome.state == .pruned, let set = study.trial(outcome.number)?.launch.paramSet, !planner.retired.contains(set) {
            // Repeats are pruned as a set: a set pruned once is not launched again.
            planner.retire(paramSet: set)
        }
        if outcome.cause == .lostWithNode, let set = study.trial(outcome.number)?.launch.paramSet {
            // The cluster lost the job, not the job itself: the same set runs again, at no cost to max_trials.
            planner.rerun(paramSet: set)
            note("Trial #\(outcome.number): \(outcome.reason ?? "its node was lost"); its parameter set runs again")
        }
        if let runDir { TrialFiles(runDir: runDir).writeOutcome(outcome) }
        if let limit = setup.spec.stopWhenStagnant, stops.reason == nil {
            let history = StudyHistory(study)
            if let trial = history.recordTrial, history.trialsSinceRecord >= limit {
                requestStop("stop_when_stagnant: \(history.trialsSinceRecord) trials finished since the best last improved (trial #\(trial)); running trials will finish")
            }
        }
        if outcome.state == .failed, stops.aborted == nil, let reason = FailFast.reason(study: study, spec: setup.spec) {
            // A stop file re-created later must not cancel this stop.
            if let say = stops.abort(reason) { note(say) }
        }
    }
}
