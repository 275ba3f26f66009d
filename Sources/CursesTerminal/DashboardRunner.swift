import DashboardCore
import Dispatch
import Foundation
import HyperOpt

/// Runs a dashboard (or the studies browser) in the terminal until the user leaves.
///
/// Threads: every curses call happens on one dedicated thread, which reads keys with `get_wch`
/// and a timeout (that wait is its sleep, so an idle dashboard costs next to nothing), applies
/// messages, and draws. Engine events and signals reach it through a locked inbox. Keys act at
/// once: the frame is redrawn right after each key. Otherwise the screen is redrawn every
/// `refreshSeconds`, and at once when the study's phase changes or a trial starts or ends.
/// Ctrl-Z gives the terminal back and stops the process; `fg` takes it again and draws it whole
/// (`JobControl`).
public enum DashboardRunner {
    /// The longest the curses thread sleeps before looking at the inbox: an engine event (a stop
    /// from a shell) shows within this time even with a slow refresh.
    static let inboxLatencyMs = 200

    /// - Parameters:
    ///   - program: the starting state (`DashboardState` or `StudiesBrowserState`); its glyphs are
    ///     replaced by ASCII ones when the locale is not UTF-8, its size by the terminal's.
    ///   - events: the engine's events; when the stream ends the dashboard stays until `q`. The
    ///     runner stops reading (cancels its reader, which ends an `AsyncStream`) when it returns:
    ///     to follow the study after the dashboard closes, give it a stream of its own and forward
    ///     the engine's events into it; a `yield` answering `.terminated` says the dashboard closed.
    ///   - perform: carries out effects that do not end the dashboard (pause, stop, kill,
    ///     export), one at a time and in order, off the curses thread; what it returns comes back
    ///     to the dashboard as a message (`.effectResult`). Effects that end it
    ///     (quit, quitAndStop, quitAndKill, interrupted, openStudy) are not performed: they come
    ///     back as what `run` returns, after the terminal is restored (or `.terminalLost`).
    ///   - termType: `$TERM` when nil.
    /// - Throws: `TerminalError` when curses cannot drive the terminal (the caller then runs headless).
    public static func run<Program: DashboardProgram>(
        _ program: Program,
        events: AsyncStream<EngineEvent>,
        refreshSeconds: Double = 1,
        termType: String? = nil,
        perform: @escaping @Sendable (DashboardEffect) async -> DashboardMsg?
    ) async throws -> DashboardEffect {
        let (messages, sink) = AsyncStream<DashboardMsg>.makeStream()
        let forwarder = forward(events, to: sink)
        defer { forwarder.cancel() }
        return try await run(program, messages: messages, refreshSeconds: refreshSeconds, termType: termType, perform: perform)
    }

    /// The engine's events into `sink` as messages, which ends when they end; cancelling the
    /// task stops reading them (the events' producer then sees its yields answer `.terminated`).
    public static func forward(_ events: AsyncStream<EngineEvent>, to sink: AsyncStream<DashboardMsg>.Continuation) -> Task<Void, Never> {
        Task {
            for await event in events { sink.yield(.event(event)) }
            sink.finish()
        }
    }

    /// The same, fed with messages rather than engine events: for a caller that also replaces the
    /// whole study (`.replaceStudy`, as `hypertop watch` does when its follower starts over).
    /// `.streamEnded` is sent when `messages` ends.
    public static func run<Program: DashboardProgram>(
        _ program: Program,
        messages: AsyncStream<DashboardMsg>,
        refreshSeconds: Double = 1,
        termType: String? = nil,
        perform: @escaping @Sendable (DashboardEffect) async -> DashboardMsg?
    ) async throws -> DashboardEffect {
        let inbox = Inbox()
        let feeder = Task {
            for await msg in messages { inbox.push(msg) }
            inbox.push(.streamEnded)
        }
        let (effects, effectSink) = AsyncStream<DashboardEffect>.makeStream()
        let performer = Task {
            for await effect in effects {
                if let result = await perform(effect) { inbox.push(result) }
            }
        }
        let signals = SignalTrap { _ in inbox.push(.interrupt) }
        // Before the terminal opens, so that curses does not catch Ctrl-Z itself.
        let jobControl = JobControl { inbox.push($0) }
        defer {
            signals.stop()
            jobControl.stop()
            feeder.cancel()
        }
        let refresh = max(0.05, refreshSeconds)
        let result: Result<DashboardEffect, Error> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result {
                    try loop(program, inbox: inbox, refresh: refresh, termType: termType) { effectSink.yield($0) }
                })
            }
            thread.name = "hypertop-curses"
            thread.start()
        }
        effectSink.finish()
        await performer.value
        return try result.get()
    }

    /// Waits for a key that end at once, in a row, before the terminal is taken as gone.
    static let lostTerminalReturns = 50

    /// The curses thread's whole life: open, draw, read, close.
    private static func loop<Program: DashboardProgram>(
        _ start: Program, inbox: Inbox, refresh: Double, termType: String?,
        emit: (DashboardEffect) -> Void
    ) throws -> DashboardEffect {
        let terminal = try Terminal(termType: termType)
        defer { terminal.close() }
        var program = start
        program.glyphs = terminal.supportsUnicode ? program.glyphs : .ascii
        var size = terminal.size
        _ = program.receive(.resize(width: size.width, height: size.height))
        _ = program.receive(.tick(Date()))
        terminal.flush(program.frame(size: size))
        var nextTick = Date().addingTimeInterval(refresh)
        // A terminal that went away (the window closed, the tmux session killed) makes get_wch
        // return at once instead of waiting: counted, so the dashboard leaves instead of spinning.
        var emptyReturns = 0

        while true {
            var redraw = false
            for request in inbox.drainJobControl() {
                if request == .suspend {
                    terminal.suspend()
                    JobControl.stopProcess()
                }
                // Continued (after our own stop, or someone else's): the terminal is ours again.
                terminal.resume()
                terminal.flush(program.frame(size: size))
            }
            var messages = inbox.drain()
            // Sleep in get_wch only when nothing is waiting; a busy engine never starves the keys.
            let untilTick = max(0, Int(nextTick.timeIntervalSinceNow * 1000))
            let wait = messages.isEmpty ? min(inboxLatencyMs, untilTick) : 0
            let asked = Date()
            let input = terminal.readInput(timeoutMs: wait)
            if input == nil, wait >= 20, Date().timeIntervalSince(asked) * 1000 < Double(wait) / 4 {
                emptyReturns += 1
                if emptyReturns >= Self.lostTerminalReturns { return .terminalLost }
            } else {
                emptyReturns = 0
            }
            if let input {
                switch input {
                case .key(let key): messages.append(.key(key))
                case .resize(let newSize):
                    size = newSize
                    messages.append(.resize(width: newSize.width, height: newSize.height))
                }
                redraw = true
                messages += inbox.drain()
            }
            if Date() >= nextTick {
                messages.append(.tick(Date()))
                nextTick = Date().addingTimeInterval(refresh)
                redraw = true
            }
            for msg in messages {
                if case .events(let events) = msg, events.contains(where: \.changesAtAGlance) { redraw = true }
                switch msg {
                case .interrupt, .replaceStudy, .streamEnded: redraw = true
                default: break
                }
                for effect in program.receive(msg) {
                    if effect.endsDashboard { return effect }
                    if effect == .repaint {
                        terminal.redrawAll()
                        redraw = true
                        continue
                    }
                    emit(effect)
                }
            }
            if redraw { terminal.flush(program.frame(size: size)) }
        }
    }
}

extension EngineEvent {
    /// Events the user should see without waiting for the next refresh.
    var changesAtAGlance: Bool {
        switch self {
        case .started, .launched, .finished, .phase, .message, .queued, .jobStarted: return true
        case .metrics, .output, .pruneCheck, .curveSource, .usage, .resourceTotals: return false
        }
    }
}
