import ArgumentParser
import Foundation
import HyperOpt
import StudyReports
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
            let stored = try StoredStudy.open(storePath: db, named: study)
            defer { stored.close() }
            if headless || isatty(STDOUT_FILENO) != 1 {
                try await followHeadless(stored)
            } else {
                try await WatchDashboard.run(stored, refresh: refresh)
            }
        }
    }

    private func followHeadless(_ stored: StoredStudy) async throws {
        let name = stored.name
        var follower = stored.follower()
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
            // A finished study ends the loop above, once its last events are read.
            if let why = stored.notRunning(), why.state != .done {
                print(log.stamp("\(why); \(current.trials.count) trial(s) recorded."
                                + (why.state == .stopped ? " Resume it with `hypertop run --resume <config>`." : "")))
                throw ExitCode(1)
            }
            try await Task.sleep(for: .milliseconds(Int(refresh * 1000)))
        }
        for line in StudyResults.lines(current, space: current.info?.spec.space) { print(line) }
    }
}
