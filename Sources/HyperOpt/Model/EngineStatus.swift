import Foundation

/// Whether a study's engine runs, as the studies browser shows it: a value, never a string the UI
/// takes apart.
public enum EngineStatus: Sendable, Hashable {
    /// Its engine runs as process `pid` on `host`.
    case running(host: String, pid: Int32)
    /// It ran to its end.
    case done
    /// Its engine is gone before the end, or a signal ended it: resume it to go on.
    case stopped

    public var isRunning: Bool { if case .running = self { return true } else { return false } }

    /// `run node3:12`, `done`, `stopped`.
    public var text: String {
        switch self {
        case .running(let host, let pid): return "run \(host):\(pid)"
        case .done: return "done"
        case .stopped: return "stopped"
        }
    }

    /// For a narrow column: `node3:12` for a running engine (the colour says it runs).
    public var narrowText: String {
        if case .running(let host, let pid) = self { return "\(host):\(pid)" }
        return text
    }
}
