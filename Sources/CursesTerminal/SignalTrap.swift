import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT, SIGTERM and SIGHUP into calls of `handler` instead of ending the process: the
/// dashboard leaves through its normal path and restores the terminal, and headless runs hand
/// Ctrl-C to the scheduler (first a graceful stop, then a kill). `stop()` puts the previous
/// dispositions back.
public final class SignalTrap: Sendable {
    public static let watched: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private struct Installed: ~Copyable {
        var sources: [DispatchSourceSignal] = []
        var previous: [Int32: sigaction] = [:]
    }

    private let installed = Mutex(Installed())

    public init(handler: @escaping @Sendable (Int32) -> Void) {
        installed.withLock { state in
            for sig in Self.watched {
                var old = sigaction()
                var ignore = sigaction()
                ignore.__sigaction_handler.sa_handler = SIG_IGN
                sigaction(sig, &ignore, &old)
                state.previous[sig] = old
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { handler(sig) }
                source.resume()
                state.sources.append(source)
            }
        }
    }

    public func stop() {
        installed.withLock { state in
            for source in state.sources { source.cancel() }
            state.sources.removeAll()
            for (sig, old) in state.previous {
                var action = old
                sigaction(sig, &action, nil)
            }
            state.previous.removeAll()
        }
    }
}
