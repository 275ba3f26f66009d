import Dispatch
import DashboardCore
import Foundation

/// Turns SIGINT, SIGTERM and SIGHUP into `.interrupt` messages while the dashboard runs, so the
/// curses thread leaves through its normal path and restores the terminal. The previous
/// dispositions come back on `stop()`.
final class SignalWatch: @unchecked Sendable {
    private static let watched: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    private var sources: [DispatchSourceSignal] = []
    private var previous: [Int32: sigaction] = [:]
    private let lock = NSLock()

    init(inbox: Inbox) {
        for sig in SignalWatch.watched {
            var old = sigaction()
            var ignore = sigaction()
            ignore.__sigaction_handler.sa_handler = SIG_IGN
            sigaction(sig, &ignore, &old)
            previous[sig] = old
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { inbox.push(.interrupt) }
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        for source in sources { source.cancel() }
        sources.removeAll()
        for (sig, old) in previous {
            var action = old
            sigaction(sig, &action, nil)
        }
        previous.removeAll()
    }
}
