import ArgumentParser
import Foundation
import HyperOpt
import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

/// Opens the live dashboard on a study a (detached) engine runs, with every key.
struct AttachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Open the live dashboard on a running study, from any terminal; q detaches and leaves it running.",
        discussion: """
        Every key works as in `run`: p pauses, s stops (running trials finish), x kills the selected trial, K kills all. Pause and stop use the study's stop and pause files; kills and set actions are requests in the sweep directory (`.hypertop-requests/`, one numbered JSON command each, such as `{"kill": {"trial": 3}}`) that the engine carries out in order on its next tick, so attach also works from another machine that shares the file system. STUDY defaults to the running study started last; `hypertop studies --list` shows which are running and where.
        """
    )

    @Argument(help: "The study to attach to (default: the running one started last).")
    var study: String?

    @Option(help: "The study store (default: data/hypertop.db, as `run` uses without hydra.sweeper.storage).")
    var storage: String = "data/hypertop.db"

    @OptionGroup var refreshOption: RefreshOption

    mutating func run() async throws {
        try await withUserErrors {
            guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
                throw CLIError("attach shows the live dashboard and needs a terminal; `hypertop watch --headless \(storage)` prints a line per change.")
            }
            guard FileManager.default.fileExists(atPath: storage) else {
                throw CLIError("no study store at \(storage); pass the one the study records in with --storage (its `run` printed \"Recording in ...\").")
            }
            let store = try StoredStudy.openStore(storage)
            defer { store.close() }
            let all: [StoredStudySummary]
            do { all = try store.studies() } catch { throw CLIError("cannot read the studies in \(storage): \(error)") }
            let states = Dictionary(uniqueKeysWithValues: all.map { ($0.studyID, (try? store.engineState(studyID: $0.studyID)) ?? .unknown) })
            let running = all.filter { states[$0.studyID]?.isRunning == true }
            let chosen: StoredStudySummary
            if let study {
                guard let s = all.first(where: { $0.name == study }) else {
                    throw CLIError("no study named \"\(study)\" in \(storage); it has: \(all.map(\.name).joined(separator: ", ")).")
                }
                guard states[s.studyID]?.isRunning == true else {
                    let config = (try? store.loadStudy(id: s.studyID).info?.spec.configPath) ?? nil
                    let why = StoredStudy(path: storage, store: store, id: s.studyID, name: s.name).notRunning()?.description
                        ?? "study \"\(ProcessText.printable(study))\" is not running (-)"
                    throw CLIError("\(why); browse it with `hypertop studies \(storage)`"
                                   + ", or go on with `hypertop run --resume --detach \(config ?? "<config>")`.")
                }
                chosen = s
            } else {
                guard let last = running.max(by: { ($0.started ?? .distantPast, $0.studyID) < ($1.started ?? .distantPast, $1.studyID) }) else {
                    throw CLIError("no study in \(storage) is running; start one with `hypertop run --detach <config>`, or browse them with `hypertop studies`.")
                }
                chosen = last
            }
            try await WatchDashboard.run(StoredStudy(path: storage, store: store, id: chosen.studyID, name: chosen.name),
                                         refresh: refreshOption.refresh, mode: .attach)
            if case .running(let owner) = (try? store.engineState(studyID: chosen.studyID)) ?? .unknown {
                say("Detached from study \(chosen.name): it goes on in process \(owner.pid) on \(owner.host). Attach again with `hypertop attach \(chosen.name) --storage \(storage)`.")
            }
        }
    }
}
