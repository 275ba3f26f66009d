import Foundation
import HyperOpt
import SweepEngine

/// Placeholders until the dashboard is wired in.
enum WatchDashboard {
    static func run(store: StudyStore, studyID: Int, refresh: Double) async throws {
        throw CLIError("the dashboard is not available in this build; pass --headless.")
    }
}

enum StudiesBrowser {
    static func run(_ rows: [(String, StudyStore, StoredStudySummary)]) async throws {
        throw CLIError("the browser is not available in this build; pass --list.")
    }
}
