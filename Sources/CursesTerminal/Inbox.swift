import DashboardCore
import Foundation
import HyperOpt
import Synchronization

/// Messages handed from other threads (engine events, signals) to the curses thread.
final class Inbox: Sendable {
    private let messages = Mutex<[DashboardMsg]>([])
    /// Ctrl-Z and `fg`: for the runner itself, which alone may touch the terminal.
    private let jobControl = Mutex<[JobControl.Request]>([])

    func push(_ msg: DashboardMsg) {
        messages.withLock { $0.append(msg) }
    }

    func push(_ request: JobControl.Request) {
        jobControl.withLock { $0.append(request) }
    }

    /// The job-control requests waiting, oldest first.
    func drainJobControl() -> [JobControl.Request] {
        jobControl.withLock { r in
            defer { r.removeAll() }
            return r
        }
    }

    /// Everything waiting, oldest first; consecutive engine events become one `.events` batch,
    /// so the table is re-sorted once per batch rather than once per event.
    func drain() -> [DashboardMsg] {
        let taken = messages.withLock { m in
            defer { m.removeAll(keepingCapacity: true) }
            return m
        }
        var out: [DashboardMsg] = []
        var batch: [EngineEvent] = []
        for msg in taken {
            switch msg {
            case .event(let e): batch.append(e)
            case .events(let es): batch.append(contentsOf: es)
            default:
                if !batch.isEmpty { out.append(.events(batch)) }
                batch.removeAll()
                out.append(msg)
            }
        }
        if !batch.isEmpty { out.append(.events(batch)) }
        return out
    }
}
