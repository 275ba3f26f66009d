import DashboardCore
import Foundation
import HyperOpt

/// Messages handed from other threads (engine events, signals) to the curses thread.
final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [DashboardMsg] = []

    func push(_ msg: DashboardMsg) {
        lock.lock()
        messages.append(msg)
        lock.unlock()
    }

    /// Everything waiting, oldest first; consecutive engine events become one `.events` batch,
    /// so the table is re-sorted once per batch rather than once per event.
    func drain() -> [DashboardMsg] {
        lock.lock()
        let taken = messages
        messages.removeAll(keepingCapacity: true)
        lock.unlock()
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
