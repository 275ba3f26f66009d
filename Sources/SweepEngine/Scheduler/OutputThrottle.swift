import Foundation

/// A running trial's shown output, handed on at most once per `interval` (and at its end): a job
/// that floods stdout costs one output event a second of its last lines, in the store and on
/// screen, instead of one per poll.
struct OutputThrottle {
    static let interval: TimeInterval = 1
    static let keptLines = 200

    private(set) var stdout: [String] = []
    private(set) var stderr: [String] = []
    private var last = Date.distantPast

    /// Adds a poll's lines; returns what to emit now (the last `keptLines` of each stream since
    /// the previous emit), or nil to wait. `final` emits whatever is held.
    mutating func add(stdout out: [String], stderr err: [String], now: Date, final: Bool) -> (stdout: [String], stderr: [String])? {
        stdout = Self.keep(stdout, out)
        stderr = Self.keep(stderr, err)
        guard !stdout.isEmpty || !stderr.isEmpty, final || now.timeIntervalSince(last) >= Self.interval else { return nil }
        last = now
        defer { stdout = []; stderr = [] }
        return (stdout, stderr)
    }

    private static func keep(_ held: [String], _ new: [String]) -> [String] {
        guard !new.isEmpty else { return held }
        if new.count >= keptLines { return Array(new.suffix(keptLines)) }
        return Array((held + new).suffix(keptLines))
    }
}
