import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT, SIGTERM and SIGHUP into calls of `handler` (Ctrl-C handling belongs to the
/// scheduler: first a graceful stop, then a kill), instead of ending the process.
final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    init(handler: @escaping @Sendable () async -> Void) {
        for s in signals {
            signal(s, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler {
                Task { await handler() }
                // SIGTERM and SIGHUP mean "go away": escalate straight to killing the jobs.
                if s != SIGINT { Task { await handler() } }
            }
            source.resume()
            sources.append(source)
        }
    }

    func restore() {
        for s in sources { s.cancel() }
        for s in signals { signal(s, SIG_DFL) }
    }
}
