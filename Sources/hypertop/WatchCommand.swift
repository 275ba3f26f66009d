import ArgumentParser
import Foundation
import HyperOpt
import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

/// Follows a study another hypertop (or Python optuna) is running, from its store.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow a running study from its store, read-only (the stop key still works through the stop file).",
        discussion: """
        DB defaults to data/hypertop.db; the study defaults to the one started last. When stdout is not a terminal, prints a line per change instead of the dashboard, and exits when the study is done.
        """
    )

    @Argument(help: "The study store (SQLite file in Optuna's schema).")
    var db: String = "data/hypertop.db"

    @Option(help: "The study to follow (default: the one started last).")
    var study: String?

    @OptionGroup var refreshOption: RefreshOption
    var refresh: Double { refreshOption.refresh }

    @Flag(help: "Print log lines instead of the dashboard.")
    var headless = false

    mutating func run() async throws {
        try await withUserErrors {
            let (store, id, name) = try StoreLookup.study(db: db, named: study)
            if headless || isatty(STDOUT_FILENO) != 1 {
                try await followHeadless(store: store, studyID: id, name: name)
            } else {
                try await WatchDashboard.run(store: store, studyID: id, refresh: refresh)
            }
        }
    }

    private func followHeadless(store: StudyStore, studyID: Int, name: String) async throws {
        var follower = StudyFollower(store: store, studyID: studyID)
        var log = HeadlessLog()
        var current = Study()
        while true {
            let update: StudyFollower.Update
            do { update = try follower.poll() } catch { throw CLIError("cannot read \(db): \(error)") }
            switch update {
            case .none:
                break
            case .study(let s):
                current = s
                print(log.stamp("Following study \(name) in \(db): \(s.trials.count) trial(s) recorded, \(s.phase.rawValue)"))
                for t in s.trials {
                    print(log.stamp(HeadlessLog.trialText(number: t.number, state: t.state, score: t.score, reason: t.outcome?.reason)))
                }
            case .events(let events):
                for e in events {
                    current.apply(e)
                    for line in log.lines(for: e) { print(line) }
                }
            }
            fflush(nil)
            if current.phase == .done { break }
            if let gone = try? EngineOwner.gone(store: store, studyID: studyID) {
                print(log.stamp("\(gone); the study stopped with \(current.trials.count) trial(s) recorded. Resume it with `hypertop run --resume <config>`."))
                throw ExitCode(1)
            }
            try await Task.sleep(for: .milliseconds(Int(refresh * 1000)))
        }
        for line in StudyResults.lines(current, space: current.info?.spec.space) { print(line) }
    }
}

/// Opens a store read-only and finds a study in it.
enum StoreLookup {
    static func open(_ db: String) throws -> StudyStore {
        do {
            return try StudyStore(path: db, readOnly: true)
        } catch let error as StoreError {
            throw CLIError("\(error)")
        } catch {
            throw CLIError("cannot open \(db): \(error.localizedDescription)")
        }
    }

    /// The study named `name` (default: the one started last) in the store at `db`, read whole.
    static func loadStudy(db: String, named name: String?) throws -> (store: StudyStore, id: Int, name: String, study: Study) {
        guard FileManager.default.fileExists(atPath: db) else {
            throw CLIError("no study store at \(db); pass the one the study records in with --storage.")
        }
        let (store, id, found) = try study(db: db, named: name)
        do {
            return (store, id, found, try store.loadStudy(id: id))
        } catch {
            throw CLIError("cannot read study \"\(found)\" from \(db): \(error)")
        }
    }

    static func study(db: String, named name: String?) throws -> (StudyStore, Int, String) {
        let store = try open(db)
        let all: [StoredStudySummary]
        do { all = try store.studies() } catch { throw CLIError("cannot read the studies in \(db): \(error)") }
        if let name {
            guard let s = all.first(where: { $0.name == name }) else {
                throw CLIError("no study named \"\(name)\" in \(db); it has: \(all.map(\.name).joined(separator: ", ")).")
            }
            return (store, s.studyID, s.name)
        }
        guard let last = all.max(by: { ($0.started ?? .distantPast, $0.studyID) < ($1.started ?? .distantPast, $1.studyID) }) else {
            throw CLIError("\(db) holds no study yet; start one with `hypertop run`.")
        }
        return (store, last.studyID, last.name)
    }
}
