import CursesTerminal
import DashboardCore
import Foundation
import HyperOpt
import StudyReports
import SweepEngine
import Synchronization

/// Runs a scheduler under the live dashboard; returns the study when it ends. While the dashboard
/// owns the screen, log lines go to `logPath`; after it closes (q before the end) they are printed.
enum DashboardRun {
    /// `detach`, when given, is offered in the quit dialog: it leaves the terminal, the study goes on.
    /// Returns the study and how the dashboard ended.
    static func run(_ scheduler: Scheduler, controls: ControlFiles, refresh: Double, logPath: String,
                    detach: (@Sendable () -> Void)? = nil, notes: NoteBook? = nil) async -> (Study, DashboardEffect) {
        let (uiEvents, ui) = AsyncStream<EngineEvent>.makeStream()
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let logFile = FileHandle(forWritingAtPath: logPath)
        logFile?.seekToEndOfFile()
        // One reader of the engine's events: the dashboard while it is open, the terminal after.
        let echo = Mutex(true)
        let forwarder = Task {
            var log = HeadlessLog()
            var dashboardOpen = true
            for await event in scheduler.events {
                if dashboardOpen, case .terminated = ui.yield(event) { dashboardOpen = false }
                for line in log.lines(for: event) {
                    logFile?.write(Data((line + "\n").utf8))
                    if !dashboardOpen && echo.withLock({ $0 }) { print(line) }
                }
                if !dashboardOpen { fflush(nil) }
            }
            ui.finish()
        }
        async let finished = scheduler.run()
        var state = DashboardState(mode: .live, now: Date())
        state.canDetach = detach != nil
        if let loaded = notes?.load() { _ = update(&state, .notes(loaded)) }
        // The engine's events, and the notes when another writer (optuna-dashboard) changes them.
        let (messages, sink) = AsyncStream<DashboardMsg>.makeStream()
        let feeder = DashboardRunner.forward(uiEvents, to: sink)
        let notePoller = notes?.follow(after: state.notes, into: sink)
        var exit = DashboardEffect.quit
        do {
            exit = try await DashboardRunner.run(state, messages: messages, refreshSeconds: refresh) { effect in
                await Controls.perform(effect, control: scheduler, notes: notes)
            }
        } catch {
            ui.finish()
            FileHandle.standardError.write(Data("hypertop: the dashboard cannot run here (\(error)); going on with log lines.\n".utf8))
        }
        // Stops reading the engine's events: the forwarder's next yield says the dashboard closed.
        feeder.cancel()
        notePoller?.cancel()
        // The dashboard is gone: Ctrl-C goes to the scheduler again.
        let signals = SignalTrap.forScheduler(scheduler)
        defer { signals.stop() }
        switch exit {
        case .quitAndStop: controls.requestStop()
        case .quitAndKill:
            controls.requestStop()
            await scheduler.killAll()
        case .interrupted: await scheduler.interrupt(signal: SignalTrap.lastSignal ?? SIGINT)
        case .terminalLost: await scheduler.interrupt(signal: SIGHUP)
        case .detach:
            // The log file already gets every line; stdout becomes that file too.
            echo.withLock { $0 = false }
            detach?()
        default: break
        }
        let study = await finished
        await forwarder.value
        // Ended before the caller closes the notes' store (a read of a closed store crashes).
        await notePoller?.value
        try? logFile?.close()
        return (study, exit)
    }
}

/// What the dashboard's effects do: a control goes to the study's `StudyControl` (the engine in
/// this process, or request files for one in another), a note to the store. A control that could
/// not be carried out says why.
enum Controls {
    static func perform(_ effect: DashboardEffect, control: (any StudyControl)?, notes: NoteBook? = nil) async -> DashboardMsg? {
        switch effect {
        case .saveNote(let trial, let body, let base):
            return notes?.save(trial: trial, body: body, base: base) ?? .effectResult("notes are not available here")
        case .command(let command):
            guard let control else { return .effectResult("this study cannot be steered from here") }
            do {
                try await control.send(command)
                return nil
            } catch let error as ControlError {
                return .effectResult(error.description)
            } catch {
                return .effectResult("could not change the study's stop or pause file: \(FileErrorText.describe(error))")
            }
        default:
            return nil
        }
    }
}

/// `hypertop watch`: the dashboard on a study another process runs, read from its store.
enum WatchDashboard {
    /// `mode` `.attach`: kills work too, through the sweep directory's request files.
    static func run(_ stored: StoredStudy, refresh: Double, mode: DashboardMode = .watch) async throws {
        let info = try stored.load().info
        let config = info?.spec.configPath ?? "<config>"
        let (messages, sink) = AsyncStream<DashboardMsg>.makeStream()
        let poller = Task {
            var follower = stored.follower()
            var said: NotRunning?
            var lastUsage: Date?
            while !Task.isCancelled {
                // Said once, and again if it changes (a finished study deleted meanwhile).
                if let why = stored.notRunning(), why != said {
                    sink.yield(.effectResult(why.description + (why.state == .stopped ? "; resume it with `hypertop run --resume \(config)`" : "")))
                    said = why
                }
                switch try? follower.poll() {
                case .study(let s)?: sink.yield(.replaceStudy(s))
                case .events(let events)?: sink.yield(.events(events))
                default: break
                }
                // What the running trials use now, as the engine last measured it.
                if let dir = info?.sweepDir, let sample = UsageFile.read(sweepDirectory: dir), sample.at != lastUsage {
                    lastUsage = sample.at
                    sink.yield(.event(.usage(sample)))
                }
                try? await Task.sleep(for: .milliseconds(Int(max(0.2, min(refresh, 1)) * 1000)))
            }
            sink.finish()
        }
        // Stop and pause are the study's files; kills and set actions (attach only) request files.
        let control = info.map { RequestFiles(sweepDirectory: $0.sweepDir, controls: ControlFiles(stopFile: $0.stopFile, pauseFile: $0.pauseFile)) }
        let notes = NoteBook(study: stored, program: mode == .attach ? "hypertop attach" : "hypertop watch")
        var state = DashboardState(mode: mode, now: Date())
        if let loaded = notes.load() { _ = update(&state, .notes(loaded)) }
        // Notes written elsewhere (optuna-dashboard, another attach) show here too.
        let notePoller = notes.follow(after: state.notes, into: sink)
        var failure: Error?
        do {
            _ = try await DashboardRunner.run(state, messages: messages, refreshSeconds: refresh) { effect in
                await Controls.perform(effect, control: control, notes: notes)
            }
        } catch {
            failure = error
        }
        // Both pollers read the store, which the caller closes next: they end first (a read of a
        // closed store crashes).
        poller.cancel()
        notePoller.cancel()
        await poller.value
        await notePoller.value
        if let failure { throw CLIError("the dashboard cannot run here (\(failure)); pass --headless.") }
    }
}

/// `hypertop studies`: the browser; Enter opens a study read-only, `e` exports it as CSV and JSON.
enum StudiesBrowser {
    static func run(_ initial: [(String, StudyStore, StoredStudySummary)]) async throws {
        var rows = initial
        var summaries = rows.map { _, store, s in
            var row = StudyListRow(name: s.name, direction: s.direction, counts: s.counts, best: s.bestValue, startedAt: s.started,
                                   duration: s.started.flatMap { start in s.lastActivity.map { $0.timeIntervalSince(start) } },
                                   engine: (try? store.engineState(studyID: s.studyID))?.status)
            if s.directions.count > 1 { row.directions = s.directions }
            // The best so far and the best set, for the sparkline and the compare view.
            if let study = try? store.loadStudy(id: s.studyID) {
                row.history = StudyHistory(study).points.compactMap(\.record)
                if let best = study.best, let spec = study.info?.spec {
                    row.bestParams = spec.space.parameters.compactMap { p in best.params[p.name].map { (p.name, $0) } }
                }
            }
            return row
        }
        var browser = StudiesBrowserState(rows: summaries, source: Set(rows.map(\.0)).sorted().joined(separator: ", "), now: Date())
        do {
            while true {
                let current = rows
                // Deletions and renames that went through, applied to the list after this round.
                let changed = Mutex<[(String, String?)]>([])
                let exit = try await DashboardRunner.run(browser, events: AsyncStream { $0.finish() }) { effect in
                    switch effect {
                    case .exportStudy(let name):
                        guard let (db, store, s) = current.first(where: { $0.2.name == name }) else { return nil }
                        do {
                            return .effectResult(try Exporter.export(StoredStudy(path: db, store: store, id: s.studyID, name: s.name)))
                        } catch {
                            return .effectResult("\(error)")
                        }
                    case .deleteStudy(let name):
                        guard let (db, store, s) = current.first(where: { $0.2.name == name }) else { return nil }
                        do {
                            try StoredStudy(path: db, store: store, id: s.studyID, name: s.name).delete()
                            changed.withLock { $0.append((name, nil)) }
                            return .effectResult("deleted study \(name) from \(db)")
                        } catch {
                            return .effectResult("could not delete \(name): \(error)")
                        }
                    case .renameStudy(let name, let new):
                        guard let (db, store, s) = current.first(where: { $0.2.name == name }) else { return nil }
                        do {
                            try StoredStudy(path: db, store: store, id: s.studyID, name: s.name).rename(to: new)
                            changed.withLock { $0.append((name, new)) }
                            return .effectResult("renamed study \(name) to \(new)")
                        } catch {
                            return .effectResult("could not rename \(name): \(error)")
                        }
                    default:
                        return nil
                    }
                }
                // What the browser changed in the store, for the next round.
                for (old, new) in changed.withLock({ $0 }) {
                    if let new {
                        rows = rows.map { db, store, s in
                            var s = s
                            if s.name == old { s.name = new }
                            return (db, store, s)
                        }
                        summaries = summaries.map { r in
                            var r = r
                            if r.name == old { r.name = new }
                            return r
                        }
                    } else {
                        rows.removeAll { $0.2.name == old }
                        summaries.removeAll { $0.name == old }
                    }
                }
                browser.rows = summaries
                browser.marked = []
                guard case .openStudy(let name) = exit, let (db, store, s) = rows.first(where: { $0.2.name == name }) else { return }
                let stored = StoredStudy(path: db, store: store, id: s.studyID, name: s.name)
                let study = try stored.load()
                let notes = NoteBook(study: stored, program: "hypertop studies")
                var state = DashboardState(study: study, mode: .browse, now: Date())
                if let loaded = notes.load() { _ = update(&state, .notes(loaded)) }
                let inner = try await DashboardRunner.run(state, events: AsyncStream { $0.finish() }) { effect in
                    guard case .saveNote(let trial, let body, let base) = effect else { return nil }
                    return notes.save(trial: trial, body: body, base: base)
                }
                // A signal (or a terminal that went away) ends the browser too, not only the study's screen.
                if inner == .interrupted || inner == .terminalLost { return }
                browser.status = nil
                browser.scroll.selected = summaries.firstIndex { $0.name == name }
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("the browser cannot run here (\(error)); pass --list.")
        }
    }
}

/// The dashboard's notes of one study, in its store (optuna-dashboard's format): read through the
/// study's read-only connection, each save through one of its own (see `StoredStudy.saveNote`).
struct NoteBook: Sendable {
    let study: StoredStudy
    /// This hypertop, as the store records who wrote a note (`hypertop attach`).
    let writer: NoteWriter

    /// `program`: the command that saves notes here, in the user's words (`hypertop attach`).
    init(study: StoredStudy, program: String) {
        self.study = study
        writer = .current(program: program)
    }

    func load() -> StudyNotes? { study.notes() }

    /// Looks at the notes every `interval` and hands them on when another writer (optuna-dashboard,
    /// another attach) changed them since `last`; until cancelled.
    func follow(after last: StudyNotes?, every interval: Duration = .seconds(2),
                into sink: AsyncStream<DashboardMsg>.Continuation) -> Task<Void, Never> {
        Task {
            var last = last
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                // A cancel wakes the sleep: the store may be closing, so it is not read again.
                if Task.isCancelled { break }
                if let now = load(), now != last {
                    last = now
                    sink.yield(.notes(now))
                }
            }
        }
    }

    /// Saves the note made from `base`; another writer's change meanwhile is kept, and the
    /// dashboard then shows the note as the store has it.
    func save(trial: Int?, body: String, base: String) -> DashboardMsg {
        let on = trial.map { "trial \($0)" } ?? "the study"
        do {
            let (saved, notes) = try study.saveNote(trial: trial, body: body, base: base, by: writer)
            return .notes(notes, status: saved.addedToLinesBy.map { "note on \(on) saved after the lines \($0) added meanwhile" }
                ?? "note on \(on) saved")
        } catch let conflict as StoreError {
            guard case .noteChanged = conflict else { return .effectResult("could not save the note in \(study.path): \(conflict)") }
            return study.notes().map { .notes($0, status: conflict.description) } ?? .effectResult(conflict.description)
        } catch {
            return .effectResult("could not save the note in \(study.path): \(error)")
        }
    }
}
