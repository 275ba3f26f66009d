import Foundation

/// What `/proc/<pid>/stat` says of a process that the engine needs: its state and its process
/// group. One reader for the engine-liveness check and the end of a dead engine's jobs.
struct ProcStat {
    /// `R`, `S`, `D`, `T`, `Z` (zombie), `X` (dead), ...
    var state: Character
    var group: Int32

    /// Whether it still runs: a zombie or a dead process is gone for good, waiting only for its
    /// parent (init, in a container perhaps nobody) to reap it.
    var runs: Bool { state != "Z" && state != "X" }

    init?(pid: Int32) {
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so fields count from the last ')'.
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let state = fields[0].first, let group = Int32(fields[2]) else { return nil }
        self.state = state
        self.group = group
    }

    /// Every process id `/proc` lists now.
    static func pids() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
    }
}
