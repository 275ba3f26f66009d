import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT, SIGTERM and SIGHUP into calls of a handler instead of ending the process: the
/// dashboard leaves through its normal path and restores the terminal, and headless runs hand
/// the signal to the scheduler (a graceful stop, then a kill).
///
/// The signals are caught once for the life of the process and routed to the newest trap; a
/// trap that stops hands them back to none, and a signal that arrives while no trap is set is
/// kept for the next one. (Catching them anew for each trap does not work: once libdispatch has
/// caught a signal, a second source for it, after the disposition was reset, never fires, so a
/// second Ctrl-C after the dashboard closed was lost.)
public final class SignalTrap: Sendable {
    public static let watched: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private struct Routing: ~Copyable {
        var sources: [DispatchSourceSignal] = []
        var current: (token: ObjectIdentifier, handler: @Sendable (Int32) -> Void)?
        var pending: [Int32] = []
        var last: Int32?
    }

    private static let routing = Mutex(Routing())

    /// The signals are caught the first time a trap is made, and from then on for good.
    private static let installed: Bool = {
        routing.withLock { r in
            for sig in watched {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { SignalTrap.deliver(sig) }
                source.resume()
                r.sources.append(source)
            }
        }
        return true
    }()

    private static let hangupIgnored = Mutex(false)

    /// A detached engine has no terminal to lose: SIGHUP is ignored from then on (said, not acted on).
    public static var ignoresHangup: Bool {
        get { hangupIgnored.withLock { $0 } }
        set {
            hangupIgnored.withLock { $0 = newValue }
            if newValue { _ = installed }
        }
    }

    private static func deliver(_ sig: Int32) {
        if sig == SIGHUP && ignoresHangup { return }
        let handler: (@Sendable (Int32) -> Void)? = routing.withLock { r in
            r.last = sig
            if let current = r.current { return current.handler }
            r.pending.append(sig)
            return nil
        }
        handler?(sig)
    }

    /// The last of the watched signals the process received, if any.
    public static var lastSignal: Int32? { routing.withLock { $0.last } }

    public init(handler: @escaping @Sendable (Int32) -> Void) {
        _ = Self.installed
        let token = ObjectIdentifier(self)
        let missed = Self.routing.withLock { r -> [Int32] in
            r.current = (token, handler)
            defer { r.pending.removeAll() }
            return r.pending
        }
        for sig in missed { handler(sig) }
    }

    /// Signals no longer reach this trap's handler (they wait for the next trap).
    public func stop() {
        let token = ObjectIdentifier(self)
        Self.routing.withLock { r in
            if r.current?.token == token { r.current = nil }
        }
    }
}
