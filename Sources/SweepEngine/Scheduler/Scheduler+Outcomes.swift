import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Outcomes: how a job's end becomes a trial's outcome, and when failures stop the study.
extension Scheduler {
    func outcome(number: Int, status: JobStatus, trial t: RunningTrial, now: Date) -> TrialOutcome {
        // The files are read only when the job ended by itself: a killed or pruned trial's reason is hypertop's.
        let facts = t.killReason == nil && !status.isLive ? t.tailer.endFacts(exitStatus: status) : JobEndFacts()
        return TrialOutcome.classify(number: number, status: status, killedBecause: t.killReason, pruned: t.pruned,
                                     metrics: study.trial(number)?.metrics ?? MetricSeries(), facts: facts, scorer: scorer, at: now)
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
        if let target = setup.spec.stopAtTarget, outcome.state == .complete, let score = outcome.score,
           let say = stops.target(target, score: score, trial: outcome.number, direction: setup.spec.direction, criterion: setup.spec.criterion) {
            note(say)
        }
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
