import Foundation
import HyperOpt

/// The pure parts of talking to Slurm: the batch script hypertop writes, and what `sbatch`,
/// `squeue` and `sacct` print. Kept apart so each is tested without a cluster.
public enum SlurmText {
    /// `text` as one shell word: single-quoted, a `'` inside written `'\''`. Never interpolated.
    public static func quote(_ text: String) -> String {
        if !text.isEmpty, text.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/._-=:,+@%".unicodeScalars.contains($0)) }) {
            return text
        }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Files the batch script writes in the trial directory, so hypertop learns a job's start and
    /// end from the shared file system at once, without asking slurmctld.
    public static let startedFile = "slurm_started"
    public static let exitFile = "slurm_exit"
    public static let jobIDFile = "slurm_job_id"
    public static let scriptFile = "job.sbatch"

    /// The batch script of one trial: the `setup` lines, the trial's environment, the job's argv
    /// (each word quoted), and two marker files around it.
    public static func batchScript(argv: [String], environment: [(String, String)], setup: [String], runDir: String,
                                   workingDirectory: String, title: String) -> String {
        var lines = ["#!/bin/bash", "# \(title.replacingOccurrences(of: "\n", with: " "))",
                     "# Written by hypertop; its sbatch options are on the sbatch command line (see sbatch.txt)."]
        if !setup.isEmpty {
            lines.append("# setup (hydra.sweeper.launcher.setup)")
            lines += setup
        }
        for (key, value) in environment where key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) && !(key.first?.isNumber ?? true) {
            lines.append("export \(key)=\(quote(value))")
        }
        let dir = quote(runDir)
        lines.append("cd \(quote(workingDirectory)) || exit 1")
        lines.append("printf '%s %s %s\\n' \"$(hostname)\" \"${SLURM_JOB_ID:-}\" \"$(date +%s)\" > \(dir)/\(startedFile)")
        lines.append(argv.map(quote).joined(separator: " "))
        lines.append("code=$?")
        lines.append("printf '%s\\n' \"$code\" > \(dir)/\(exitFile).tmp && mv -f \(dir)/\(exitFile).tmp \(dir)/\(exitFile)")
        lines.append("exit $code")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `sbatch --parsable` prints `<id>` or `<id>;<cluster>`.
    public static func jobID(fromSbatch output: String) -> Int32? {
        let line = output.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        return Int32(line.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "")
    }

    /// One job as `squeue` shows it.
    public struct QueueEntry: Sendable, Equatable {
        public var id: Int32
        public var state: String
        public var reason: String?
        public var node: String?
    }

    /// The `squeue` format hypertop asks for: `%i|%T|%r|%N`.
    public static let squeueFormat = "%i|%T|%r|%N"

    /// Lines of `squeue -h -o '%i|%T|%r|%N'`. An array job's `123_4` is not one of hypertop's.
    public static func queue(_ output: String) -> [Int32: QueueEntry] {
        var out: [Int32: QueueEntry] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count >= 2, let id = Int32(f[0]) else { continue }
            let reason = f.count > 2 && !["None", "(null)", ""].contains(f[2]) ? f[2] : nil
            let node = f.count > 3 && !["", "(null)"].contains(f[3]) ? f[3] : nil
            out[id] = QueueEntry(id: id, state: f[1].uppercased(), reason: reason, node: node)
        }
        return out
    }

    /// One job as `sacct` remembers it: its state and `ExitCode` (`code:signal`).
    public struct AccountEntry: Sendable, Equatable {
        public var id: Int32
        public var state: String
        public var exitCode: Int32?
        public var signal: Int32?
    }

    /// Lines of `sacct -n -P -X -o JobIDRaw,State,ExitCode` (or `sacct -c`, the completion file):
    /// `123|CANCELLED by 0|0:15`. The last line of a job wins (a requeued job has several).
    public static func accounting(_ output: String) -> [Int32: AccountEntry] {
        var out: [Int32: AccountEntry] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count >= 2, let id = Int32(f[0]) else { continue }
            let state = f[1].split(separator: " ").first.map { String($0).uppercased() } ?? ""
            var exit: Int32?, signal: Int32?
            if f.count > 2 {
                let parts = f[2].split(separator: ":")
                exit = parts.first.flatMap { Int32($0) }
                signal = parts.count > 1 ? Int32(parts[1]).flatMap { $0 == 0 ? nil : $0 } : nil
            }
            out[id] = AccountEntry(id: id, state: state, exitCode: exit, signal: signal)
        }
        return out
    }

    /// Slurm's states of a job that has not ended.
    public static let liveStates: Set<String> = [
        "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD",
        "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD", "SPECIAL_EXIT", "POWER_UP_NODE",
    ]
    /// States in which the job waits to run.
    public static let waitingStates: Set<String> = ["PENDING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "RESV_DEL_HOLD", "SPECIAL_EXIT"]
    /// Ends in which the cluster lost the job, not the job itself: its set runs again.
    public static let lostStates: Set<String> = ["NODE_FAIL", "PREEMPTED", "BOOT_FAIL"]

    /// A job Slurm ended (`state`), as the engine's outcome takes it.
    public static func end(_ state: String, exit: Int32?, options: SlurmOptions?) -> JobEnd {
        JobEnd(reason: explain(state, options: options), exit: exit, signal: nil, lostWithNode: lostStates.contains(state))
    }

    /// What each of Slurm's ends means, for the trial's reason.
    public static func explain(_ state: String, options: SlurmOptions?) -> String {
        switch state {
        case "TIMEOUT":
            return "Slurm: TIMEOUT (the job ran past its time limit" + (options?.timeoutMin.map { ", timeout_min \($0)" } ?? "") + ")"
        case "OUT_OF_MEMORY":
            return "Slurm: OUT_OF_MEMORY (the job used more memory than it asked for" + (options?.memGB.map { ", mem_gb \(ParamValue.float($0))" } ?? "") + ")"
        case "NODE_FAIL": return "Slurm: NODE_FAIL (its node failed; the set runs again)"
        case "PREEMPTED": return "Slurm: PREEMPTED (a job of higher priority took its place; the set runs again)"
        case "BOOT_FAIL": return "Slurm: BOOT_FAIL (its node did not boot; the set runs again)"
        case "CANCELLED": return "Slurm: CANCELLED (scancel from outside hypertop, or an administrator)"
        case "DEADLINE": return "Slurm: DEADLINE (the job passed its deadline)"
        case "FAILED": return "Slurm: FAILED"
        case "UNKNOWN": return "Slurm no longer knows the job, and it wrote no exit status (ended before its script ran, or its node was lost)"
        default: return "Slurm: \(state)"
        }
    }
}
