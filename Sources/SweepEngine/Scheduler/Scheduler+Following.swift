import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Following: polling running jobs, tailing their metrics, pruning.
extension Scheduler {
    /// Most bounded reads of an ended trial's files (at 4 MB each, 1 GB per file).
    static let maxReadsAtEnd = 256

    func pollRunning(_ now: Date) {
        for number in running.keys.sorted() {
            guard var t = running[number] else { continue }
            let status = launcher.poll(t.job)
            var update = t.tailer.poll(final: status != .running)
            deliver(update, trial: number)
            // An ended job's files are read to their end now, a bounded read at a time, each
            // handed to the store before the next: memory stays bounded, and no row is lost.
            // A bounded number of reads: a process the job left behind may go on writing.
            var reads = 1
            while status != .running, update.more, update.problem == nil, reads < Self.maxReadsAtEnd {
                reads += 1
                flush()
                update = t.tailer.poll(final: true)
                deliver(update, trial: number)
            }
            if status != .running, update.more, update.problem == nil {
                note("Trial #\(number): its files were still being written \(Self.maxReadsAtEnd) reads after its job ended (a process it left behind?); the rest is not read")
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
        if !update.stdout.isEmpty { emit(.output(trial: number, stream: .stdout, lines: update.stdout)) }
        if !update.stderr.isEmpty { emit(.output(trial: number, stream: .stderr, lines: update.stderr)) }
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
