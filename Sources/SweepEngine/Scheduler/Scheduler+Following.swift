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
            deliver(update, trial: number)
            // An ended job's files are read to their end now, a bounded read at a time, each
            // handed to the store before the next: memory stays bounded, and no row is lost.
            while status != .running, update.more, update.problem == nil {
                flush()
                update = t.tailer.poll(final: true)
                deliver(update, trial: number)
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

    func deliver(_ update: MetricTailer.Update, trial number: Int) {
        if !update.rows.isEmpty { emit(.metrics(trial: number, rows: update.rows)) }
        if !update.stdout.isEmpty { emit(.output(trial: number, stream: .stdout, lines: Array(update.stdout.suffix(200)))) }
        if !update.stderr.isEmpty { emit(.output(trial: number, stream: .stderr, lines: Array(update.stderr.suffix(200)))) }
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
