import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-Z (SIGTSTP) and `fg` (SIGCONT) while a dashboard owns the terminal. The signal only asks:
/// the curses thread gives the terminal back (`Terminal.suspend`), stops the process
/// (`stopProcess`), and on its return takes the terminal again and draws every cell. Curses is not
/// safe to call from a signal handler or another thread, which is why curses' own SIGTSTP handler
/// (installed only when SIGTSTP is left at its default) must not run: these are caught before the
/// terminal opens.
///
/// Caught once, for good, as `SignalTrap`'s signals are; while no dashboard runs, SIGTSTP stops
/// the process as it would by default.
final class JobControl: Sendable {
    enum Request: Sendable {
        /// Ctrl-Z: give the terminal back and stop.
        case suspend
        /// The process was continued (`fg`, or a SIGCONT after a stop it did not make itself):
        /// take the terminal again and draw it whole.
        case continued
    }

    private static let current = Mutex<(token: ObjectIdentifier, handler: @Sendable (Request) -> Void)?>(nil)
    private static let sources = Mutex<[DispatchSourceSignal]>([])

    private static let installed: Bool = {
        sources.withLock { list in
            for sig in [SIGTSTP, SIGCONT] {
                // Not the default from here on, so curses leaves SIGTSTP alone.
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { JobControl.deliver(sig) }
                source.resume()
                list.append(source)
            }
        }
        return true
    }()

    private static func deliver(_ sig: Int32) {
        let handler = current.withLock { $0?.handler }
        if let handler {
            handler(sig == SIGTSTP ? .suspend : .continued)
        } else if sig == SIGTSTP {
            stopProcess()
        }
    }

    init(handler: @escaping @Sendable (Request) -> Void) {
        _ = Self.installed
        let token = ObjectIdentifier(self)
        Self.current.withLock { $0 = (token, handler) }
    }

    /// Ctrl-Z no longer reaches this handler: it stops the process as by default.
    func stop() {
        let token = ObjectIdentifier(self)
        Self.current.withLock { if $0?.token == token { $0 = nil } }
    }

    /// Stops the process until it is continued. The shell's job (the terminal's foreground group)
    /// stops with SIGTSTP at its default, as any program on Ctrl-Z. `run`'s engine child has a
    /// session of its own, whose orphaned group the kernel never stops on SIGTSTP: it stops with
    /// SIGSTOP, and its stand-in in the terminal stops after it (`hypertop_supervise`).
    ///
    /// Raised on this thread (unblocked for it), not sent to the process: another thread would
    /// take it, and this one would go on drawing for a moment before the stop reached it.
    static func stopProcess() {
        guard tcgetpgrp(STDIN_FILENO) == getpgrp() else {
            raise(SIGSTOP)
            return
        }
        var byDefault = sigaction()
        byDefault.__sigaction_handler.sa_handler = SIG_DFL
        var caught = sigaction()
        sigaction(SIGTSTP, &byDefault, &caught)
        var tstp = sigset_t(), mask = sigset_t()
        sigemptyset(&tstp)
        sigaddset(&tstp, SIGTSTP)
        pthread_sigmask(SIG_UNBLOCK, &tstp, &mask)
        raise(SIGTSTP)
        // Continued: SIGTSTP is blocked and caught again, as before.
        pthread_sigmask(SIG_SETMASK, &mask, nil)
        sigaction(SIGTSTP, &caught, nil)
    }
}
