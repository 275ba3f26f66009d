import Foundation

/// When a study should stop because its jobs keep failing.
public enum FailFast {
    public static func reason(study: Study, spec: StudySpec) -> String? {
        // Trials whose end hypertop decided (a kill, a dead engine) say nothing about the job.
        let finished = study.trials.filter { $0.state.isFinished && $0.outcome?.cause == nil }
        let failed = finished.filter { $0.state == .failed }
        guard !failed.isEmpty else { return nil }
        let last = failed.max { ($0.outcome?.endedAt ?? .distantPast) < ($1.outcome?.endedAt ?? .distantPast) }?.outcome?.reason ?? "no reason"
        if let n = spec.maxInitialFailures, n > 0, failed.count >= n, failed.count == finished.count {
            return "the first \(failed.count) trials all failed (max_initial_failures: \(n)); the last: \(last)"
        }
        if let rate = spec.maxFailureRate {
            let share = Double(failed.count) / Double(finished.count)
            if share > rate {
                return "\(failed.count) of \(finished.count) trials failed, more than max_failure_rate \(rate); the last: \(last)"
            }
        }
        return nil
    }
}

/// The line of a failed job's stderr that says why: the exception line (`ValueError: ...`) or
/// the error a tool printed, not the last line (Hydra's is always "Set the environment
/// variable HYDRA_FULL_ERROR=1 ...").
public enum FailureLine {
    static let noise = ["Set the environment variable HYDRA_FULL_ERROR=1", "Traceback (most recent call last)",
                        "During handling of the above exception", "The above exception was the direct cause"]

    public static func pick(_ lines: [String]) -> String? {
        let useful = lines.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "" ? "" : $0 }
        if let i = useful.lastIndex(where: isException) {
            var text = exceptionText(useful[i])
            // A message that goes on below (Hydra's "... raised while composing config:") takes its next line.
            if text.hasSuffix(":"), i + 1 < useful.count, !useful[i + 1].isEmpty {
                text += " " + useful[i + 1].trimmingCharacters(in: .whitespaces)
            }
            return shorten(text)
        }
        let candidates = useful.filter { line in
            guard let first = line.first, first != " ", first != "\t" else { return false }
            return !noise.contains { line.hasPrefix($0) } && !line.allSatisfy { "^~ ".contains($0) }
        }
        return candidates.last.map(shorten)
    }

    /// `omegaconf.errors.ConfigKeyError: Key ...` and `ValueError: ...`, as Python prints an exception.
    static func isException(_ line: String) -> Bool {
        guard let first = line.first, first.isLetter || first == "_" else { return false }
        let head = line.prefix { $0 != ":" }
        guard !head.contains(" "), let name = head.split(separator: ".").last else { return false }
        return name.hasSuffix("Error") || name.hasSuffix("Exception") || name.hasSuffix("Interrupt") || name == "SystemExit"
    }

    /// Drops the module path: `ConfigKeyError: ...`.
    static func exceptionText(_ line: String) -> String {
        guard let colon = line.firstIndex(of: ":") else { return String(line.split(separator: ".").last ?? Substring(line)) }
        let name = line[..<colon].split(separator: ".").last.map(String.init) ?? String(line[..<colon])
        return name + String(line[colon...])
    }

    static func shorten(_ s: String) -> String {
        s.count > 240 ? String(s.prefix(239)) + "…" : s
    }
}
