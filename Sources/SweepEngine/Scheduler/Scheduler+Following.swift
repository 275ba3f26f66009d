import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Following: polling running jobs, tailing their metrics, pruning.
extension Scheduler {
    /// Events are stamped when what they say was seen: after the launcher's poll (which may take a
    /// while on a cluster), a trial's end once its files are read to their end; never at the
    /// tick's start, which a long tick leaves far behind.
    func pollRunning() async {
        let statuses = running.isEmpty ? [:] : await launcher.poll(running.values.map(\.job))
        let now = clock.now()
        for note in await launcher.takeNotes() { self.note(note) }
        // The node of each job seen running for the first time after a queue.
        var nodes: [JobHandle: String] = [:]
        for t in running.values where t.queue != nil && statuses[t.job] == .running {
            if let node = await launcher.node(of: t.job) { nodes[t.job] = node }
        }
        lookForRunFiles(statuses, now: now)
        // What each ended job used, as the system said when it was reaped.
        var reaped: [Int: JobRusage] = [:]
        if usage != nil {
            for (number, t) in running where !(statuses[t.job] ?? .running).isLive {
                reaped[number] = await launcher.rusage(of: t.job)
            }
        }
        // Decided without a pause from here on: what was asked meanwhile is in `running`.
        for number in running.keys.sorted() {
            guard var t = running[number] else { continue }
            let status = statuses[t.job] ?? .running
            following(number, status: status, trial: &t, node: nodes[t.job], now: now)
            var update = t.tailer.poll(final: !status.isLive)
            deliver(update, trial: number, output: &t.output, now: now)
            for line in update.runFileNotes { note("Trial #\(number): \(line)") }
            // An ended job's files are read to their end now, a bounded read at a time, each
            // handed to the store before the next: memory stays bounded, and no row is lost.
            // A bounded number of reads: a process the job left behind may go on writing.
            var reads = 1
            let sizesAtEnd = t.tailer.sizes
            while !status.isLive, update.more, update.problem == nil, reads < setup.maxReadsAtEnd {
                reads += 1
                flush()
                update = t.tailer.poll(final: true)
                deliver(update, trial: number, output: &t.output, now: now)
            }
            if !status.isLive {
                // The end of a trial's output is shown and recorded whatever the throttle held.
                deliver(MetricTailer.Update(), trial: number, output: &t.output, now: now, final: true)
            }
            if !status.isLive, update.more, update.problem == nil {
                // What is left is passed over, and the outcome says so (see `MetricTailer.metricsGap`).
                let grew = t.tailer.sizes != sizesAtEnd
                let left = t.tailer.leaveUnread().map { "\(MetricTailer.bytes($0.bytes)) of \(($0.file as NSString).lastPathComponent)" }
                    .joined(separator: ", ")
                if grew {
                    note("Trial #\(number): its files were still being written \(setup.maxReadsAtEnd) reads after its job ended (a process it left behind?); the rest (\(left)) is not read")
                } else {
                    note("Trial #\(number): its files hold more than the \(setup.maxReadsAtEnd) reads of its end take; the rest (\(left)) is not read")
                }
            }
            running[number] = t
            if let problem = update.problem {
                // A job that turned one of its files into a FIFO or a device is ended.
                if status.isLive { terminate(trial: number, reason: "stopped: \(problem)") }
                if t.killReason == nil { t.killReason = "stopped: \(problem)" }
            }
            if status.isLive, !update.rows.isEmpty { prune(number) }
            guard !status.isLive else { continue }
            running[number] = nil
            runFiles.forget(trial: number)
            idleSaid.remove(number)
            if let totals = usage?.end(trial: number, rusage: reaped[number]) { emit(.resourceTotals(trial: number, totals: totals)) }
            finish(outcome(number: number, status: status, trial: t, now: clock.now()), runDir: study.trial(number)?.launch.runDir)
        }
    }

    /// The run files found since the last look (TensorBoard event files, W&B run files; see
    /// `RunFileFinder`) are followed by their trials' tailers from now on, each said once: the
    /// trial's detail shows where its curves come from. A trial whose job ended is looked for at
    /// once, before its files are read to their end.
    func lookForRunFiles(_ statuses: [JobHandle: JobStatus], now: Date) {
        let jobs = running.compactMap { number, t -> RunFileFinder.Job? in
            guard let launch = study.trial(number)?.launch else { return nil }
            return RunFileFinder.Job(number: number, runDir: launch.runDir, startedAt: launch.startedAt, pid: runFiles.local ? t.job.id : nil)
        }
        let ended = running.values.contains { !(statuses[$0.job] ?? .running).isLive }
        for found in runFiles.find(jobs, now: now, force: ended) {
            guard running[found.trial] != nil else { continue }
            running[found.trial]?.tailer.follow(runFile: found.path)
            emit(.curveSource(trial: found.trial, source: RunFileFinder.label(found.path, jobDirectory: setup.jobDirectory)))
        }
    }

    /// Measures the machine and the running trials once per `usageInterval` (see `UsageSampler`),
    /// and says once when a trial goes idle: a hung job is the commonest complaint.
    func measureUsage(_ now: Date) {
        guard usage != nil, let interval = setup.usageInterval, now.timeIntervalSince(lastUsageAt) >= interval else { return }
        lastUsageAt = now
        let local = !launcher.queuesJobs
        let jobs = running.compactMap { number, t -> UsageSampler.Job? in
            guard let trial = study.trial(number) else { return nil }
            return UsageSampler.Job(number: number, group: local ? t.job.id : nil, runDir: trial.launch.runDir,
                                    startedAt: trial.runningSince ?? trial.launch.startedAt)
        }
        let sample = usage!.sample(jobs, now: now)
        emit(.usage(sample))
        // For `attach` and `watch` in other processes (see `UsageFile`).
        UsageFile.write(sample, sweepDirectory: setup.sweepDirectory)
        for (number, use) in sample.trials.sorted(by: { $0.key < $1.key }) {
            if use.idle, idleSaid.insert(number).inserted {
                note("Trial #\(number) is idle: it has used no CPU and no GPU for \(Int(use.idleSeconds)) s (hung?)")
            } else if !use.idle {
                idleSaid.remove(number)
            }
        }
    }

    /// A job that waits in a cluster's queue, or leaves it: said once per change.
    func following(_ number: Int, status: JobStatus, trial t: inout RunningTrial, node: String?, now: Date) {
        switch status {
        case .queued(let reason):
            if t.queue != .some(reason) {
                t.queue = reason
                emit(.queued(trial: number, reason: reason, at: now))
            }
        case .running:
            if t.queue != nil {
                t.queue = nil
                emit(.jobStarted(trial: number, at: now, node: node))
            }
        case .exited, .signaled, .ended:
            break
        }
    }

    /// Hands a poll's rows on at once, and its output lines through the trial's throttle.
    func deliver(_ update: MetricTailer.Update, trial number: Int, output: inout OutputThrottle, now: Date, final: Bool = false) {
        if !update.rows.isEmpty { emit(.metrics(trial: number, rows: update.rows)) }
        if let shown = output.add(stdout: update.stdout, stderr: update.stderr, now: now, final: final) {
            if !shown.stdout.isEmpty { emit(.output(trial: number, stream: .stdout, lines: shown.stdout)) }
            if !shown.stderr.isEmpty { emit(.output(trial: number, stream: .stderr, lines: shown.stderr)) }
        }
        if update.malformed > 0 { note("Trial #\(number): skipped \(update.malformed) malformed metric line(s)") }
        for (file, bytes) in update.skipped {
            note("Trial #\(number): \((file as NSString).lastPathComponent) grows faster than it can be followed; skipped \(ByteCountFormatter.string(fromByteCount: bytes, countStyle: .binary)) of it, read on at its end")
        }
    }

    /// Asks the pruner once per new evaluation of the criterion, in order, as Optuna's
    /// `should_prune` after each `report`. A repeat is judged with its set: on the mean, at each
    /// evaluation, of its own value and those of the set's other runs (finished or running) that
    /// reached it, under the set's name (its first trial), so the set passes each rung once.
    func prune(_ number: Int) {
        guard pruner != nil, let t = running[number], t.termSentAt == nil, let trial = study.trial(number) else { return }
        let criterion = setup.spec.criterion
        let own = trial.metrics.values(criterion)
        guard own.count > t.judged else { return }
        let set = trial.launch.paramSet
        let siblings = study.trials.filter {
            $0.launch.paramSet == set && $0.number != number && ($0.state == .complete || !$0.state.isFinished)
        }.map { $0.metrics.values(criterion) }
        let subjectNumber = study.paramSets.indices.contains(set) ? study.paramSets[set].firstTrial : number
        let context = pruneContext
        for k in (t.judged + 1)...own.count {
            running[number]?.judged = k
            let values = PruneSubject.setMean(Array(own[..<k]), siblings: siblings)
            let verdict = pruner!.prune(PruneSubject(number: subjectNumber, values: values), context)
            if let bar = verdict.bar, let value = values.last, bar.isFinite {
                emit(.pruneCheck(trial: number, evaluation: k - 1, value: value, bar: bar))
            }
            if let reason = verdict.reason {
                let runs = 1 + siblings.count
                terminate(trial: number, reason: runs > 1 ? "set \(set), on the mean of its \(runs) runs: " + reason : reason)
                running[number]?.pruned = true
                return
            }
        }
    }

    /// The completed trials' curves, as pruners compare against them.
    var pruneContext: PruneContext {
        PruneContext(completed: completedCurves, direction: setup.spec.direction, studyName: setup.spec.studyName, criterion: setup.spec.criterion)
    }
}
