import Foundation

/// When the study's budget will be spent at the current pace (the header's `eta`).
public enum StudyETA {
    /// Seconds from `now` until the last of `max_trials` ends, or until `max_duration_minutes`
    /// ends the study when that comes first (`byTimeLimit`). Each trial is taken to run as long
    /// as the median finished one; the running ones end a median after their start (now, when
    /// they ran longer), and the trials left fill the `n_jobs` slots as they free. nil before a
    /// trial finished, once the study is done, and for a study another program ran.
    public static func remaining(_ study: Study, now: Date) -> (seconds: TimeInterval, byTimeLimit: Bool)? {
        guard let info = study.info, info.external == nil, study.phase != .done else { return nil }
        let spec = info.spec
        let durations = study.trials.compactMap { t -> TimeInterval? in
            guard t.state.isFinished, t.outcome?.wasLost != true else { return nil }
            return t.runTime(now: now)
        }.sorted()
        guard !durations.isEmpty else { return nil }
        let mid = durations.count / 2
        let median = durations.count % 2 == 1 ? durations[mid] : (durations[mid - 1] + durations[mid]) / 2
        let slots = max(1, spec.nJobs)
        // A study that stopped launching only waits for its running trials.
        let left = study.phase == .stopping ? 0 : max(0, spec.maxTrials - study.budgetUsed)
        var free = study.trials.filter { !$0.state.isFinished }.map { max(0, median - $0.runTime(now: now)) }
        while free.count < slots { free.append(0) }
        free.sort()
        // Every slot frees within a median, so the runs left go round the slots in waves.
        let waves = left / slots, extra = left % slots
        var seconds = 0.0
        for (i, f) in free.enumerated() {
            let runs = i < slots ? waves + (i < extra ? 1 : 0) : 0
            seconds = max(seconds, f + Double(runs) * median)
        }
        if let minutes = spec.maxDurationMinutes {
            let limit = max(0, minutes * 60 - now.timeIntervalSince(info.startedAt))
            if limit < seconds { return (limit, true) }
        }
        return (seconds, false)
    }
}
