import CursesTerminal
import DashboardCore
import Foundation
import HyperOpt
import SweepEngine

/// Runs a scheduler under the live dashboard; returns the study when it ends. While the dashboard
/// owns the screen, log lines go to `logPath`; after it closes (q before the end) they are printed.
enum DashboardRun {
    static func run(_ scheduler: Scheduler, controls: ControlFiles, refresh: Double, logPath: String) async -> Study {
        let (uiEvents, ui) = AsyncStream<EngineEvent>.makeStream()
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let logFile = FileHandle(forWritingAtPath: logPath)
        logFile?.seekToEndOfFile()
        // One reader of the engine's events: the dashboard while it is open, the terminal after.
        let forwarder = Task {
            var log = HeadlessLog()
            var dashboardOpen = true
            for await event in scheduler.events {
                if dashboardOpen, case .terminated = ui.yield(event) { dashboardOpen = false }
                for line in log.lines(for: event) {
                    logFile?.write(Data((line + "\n").utf8))
                    if !dashboardOpen { print(line) }
                }
                if !dashboardOpen { fflush(nil) }
            }
            ui.finish()
        }
        async let finished = scheduler.run()
        let state = DashboardState(mode: .live, now: Date())
        var exit = DashboardExit.quit
        do {
            exit = try await DashboardRunner.run(state, events: uiEvents, refreshSeconds: refresh) { effect in
                await Controls.perform(effect, controls: controls, scheduler: scheduler)
            }
        } catch {
            ui.finish()
            FileHandle.standardError.write(Data("hypertop: the dashboard cannot run here (\(error)); going on with log lines.\n".utf8))
        }
        // The dashboard is gone: Ctrl-C goes to the scheduler again.
        let signals = SignalTrap.forScheduler(scheduler)
        defer { signals.stop() }
        switch exit {
        case .quit, .openStudy: break
        case .quitAndStop: controls.requestStop()
        case .quitAndKill:
            controls.requestStop()
            await scheduler.killAll()
        case .interrupted: await scheduler.interrupt(signal: SignalTrap.lastSignal ?? SIGINT)
        }
        let study = await finished
        await forwarder.value
        try? logFile?.close()
        return study
    }
}

/// What the dashboard's keys do: files for stop and pause (exactly what a user in a shell would
/// do), the scheduler for kills. A control that could not be carried out says why.
enum Controls {
    static func perform(_ effect: DashboardEffect, controls: ControlFiles, scheduler: Scheduler?) async -> DashboardMsg? {
        do {
            switch effect {
            case .togglePause:
                try controls.setPaused(!controls.paused)
            case .toggleStop:
                if controls.stopRequested { try controls.armStop() } else { controls.requestStop() }
            case .killTrial(let n):
                await scheduler?.kill(trial: n)
            case .killAllRunning:
                await scheduler?.killAll()
            default:
                break
            }
            return nil
        } catch {
            return .effectResult("could not change \(controls.pauseFile) or \(controls.stopFile): \(FileErrorText.describe(error))")
        }
    }
}

/// `hypertop watch`: the dashboard on a study another process runs, read from its store.
enum WatchDashboard {
    static func run(store: StudyStore, studyID: Int, refresh: Double) async throws {
        let (messages, sink) = AsyncStream<DashboardMsg>.makeStream()
        let poller = Task {
            var follower = StudyFollower(store: store, studyID: studyID)
            var saidGone = false
            while !Task.isCancelled {
                if !saidGone, let gone = try? EngineOwner.gone(store: store, studyID: studyID) {
                    sink.yield(.effectResult(gone + "; resume it with `hypertop run --resume <config>`"))
                    saidGone = true
                }
                switch try? follower.poll() {
                case .study(let s)?: sink.yield(.replaceStudy(s))
                case .events(let events)?: sink.yield(.events(events))
                default: break
                }
                try? await Task.sleep(for: .milliseconds(Int(max(0.2, min(refresh, 1)) * 1000)))
            }
            sink.finish()
        }
        defer { poller.cancel() }
        // Stop and pause work through the files the running hypertop watches.
        let info: StudyInfo?
        do { info = try store.loadStudy(id: studyID).info } catch { throw CLIError("cannot read the study: \(error)") }
        let controls = info.map { ControlFiles(stopFile: $0.stopFile, pauseFile: $0.pauseFile) }
        do {
            _ = try await DashboardRunner.run(DashboardState(mode: .watch, now: Date()), messages: messages, refreshSeconds: refresh) { effect in
                guard let controls else { return nil }
                return await Controls.perform(effect, controls: controls, scheduler: nil)
            }
        } catch {
            throw CLIError("the dashboard cannot run here (\(error)); pass --headless.")
        }
    }
}

/// `hypertop studies`: the browser; Enter opens a study read-only, `e` exports it as CSV and JSON.
enum StudiesBrowser {
    static func run(_ rows: [(String, StudyStore, StoredStudySummary)]) async throws {
        let summaries = rows.map { _, _, s in
            StudyListRow(name: s.name, direction: s.direction, counts: s.counts, best: s.bestValue, startedAt: s.started,
                            duration: s.started.flatMap { start in s.lastActivity.map { $0.timeIntervalSince(start) } })
        }
        var browser = StudiesBrowserState(rows: summaries, source: Set(rows.map(\.0)).sorted().joined(separator: ", "), now: Date())
        do {
            while true {
                let exit = try await DashboardRunner.run(browser, events: AsyncStream { $0.finish() }) { effect in
                    guard case .exportStudy(let name) = effect, let (_, store, s) = rows.first(where: { $0.2.name == name }) else { return nil }
                    do {
                        return .effectResult(try Exporter.export(store: store, studyID: s.studyID, name: name))
                    } catch {
                        return .effectResult("\(error)")
                    }
                }
                guard case .openStudy(let name) = exit, let (_, store, s) = rows.first(where: { $0.2.name == name }) else { return }
                let study = try store.loadStudy(id: s.studyID)
                _ = try await DashboardRunner.run(DashboardState(study: study, mode: .browse, now: Date()),
                                                  events: AsyncStream { $0.finish() }) { _ in nil }
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
