import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Following: polling running jobs, tailing their metrics, pruning.
extension Scheduler {
    func pollRunning(_ now: Date) {
        for number in running.keys.sorted() {
            guard var t = running[number] else { continue }
            let status = launcher.poll(t.job)
            var update = t.tailer.poll(final: status != .running)
            deliver(update, trial: number, output: &t.output, now: now)
            // An ended job's files are read to their end now, a bounded read at a time, each
            // handed to the store before the next: memory stays bounded, and no row is lost.
            // A bounded number of reads: a process the job left behind may go on writing.
            var reads = 1
            while status != .running, update.more, update.problem == nil, reads < setup.maxReadsAtEnd {
                reads += 1
                flush()
                update = t.tailer.poll(final: true)
                deliver(update, trial: number, output: &t.output, now: now)
            }
            if status != .running {
                // The end of a trial's output is shown and recorded whatever the throttle held.
                deliver(MetricTailer.Update(), trial: number, output: &t.output, now: now, final: true)
            }
            if status != .running, update.more, update.problem == nil {
                note("Trial #\(number): its files were still being written \(setup.maxReadsAtEnd) reads after its job ended (a process it left behind?); the rest is not read")
            }
            running[number] = t
            if let problem = update.problem {
                // A job that turned one of its files into a FIFO or a device is ended.
                if status == .running { kill(trial: number, reason: "stopped: \(problem)") }
                if t.killReason == nil { t.killReason = "stopped: \(problem)" }
            }
            if status == .running, !update.rows.isEmpty { prune(number) }
            guard status != .running else { continue }
            running[number] = nil
            finish(outcome(number: number, status: status, trial: t, now: now), runDir: study.trial(number)?.launch.runDir)
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

    func prune(_ number: Int) {
        guard let pruner, running[number]?.termSentAt == nil, let trial = study.trial(number) else { return }
        let completed = study.trials.filter { $0.state == .complete }
        if let reason = pruner.reasonToPrune(trial, completed: completed) {
            kill(trial: number, reason: reason)
            running[number]?.pruned = true
        }
    }
}
