import ArgumentParser
import DashboardCore
import Foundation
import HyperOpt
import StudyReports
import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

/// Browses past studies, of hypertop or of Python optuna.
struct StudiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studies",
        abstract: "Browse the studies in one or more stores (hypertop's or Python optuna's SQLite files).",
        discussion: "With --list (or when stdout is not a terminal) prints one line per study for scripts."
    )

    @Argument(help: "Study stores (default: data/hypertop.db).")
    var dbs: [String] = []

    @Flag(help: "Print the table as plain text and exit.")
    var list = false

    @Option(help: "Export this study's trials to <name>.csv and <name>.json in the current directory, then exit.")
    var export: String?

    mutating func run() async throws {
        try await withUserErrors {
            let files = dbs.isEmpty ? ["data/hypertop.db"] : dbs
            var rows: [(db: String, store: StudyStore, summary: StoredStudySummary)] = []
            // One unreadable file among several is said, and the others are still shown.
            var unreadable: [CLIError] = []
            var opened: [StudyStore] = []
            defer { for store in opened { store.close() } }
            for f in files {
                do {
                    let store = try StoredStudy.openStore(f)
                    opened.append(store)
                    do {
                        rows += try store.studies().map { (f, store, $0) }
                    } catch { throw CLIError("cannot read the studies in \(f): \(error)") }
                } catch let error as CLIError where files.count > 1 {
                    unreadable.append(error)
                    say("hypertop: error: \(error)", error: true)
                }
            }
            if !unreadable.isEmpty && rows.isEmpty { throw unreadable[0] }
            if let export {
                guard let row = rows.first(where: { $0.summary.name == export }) else {
                    throw CLIError("no study named \"\(export)\" in \(files.joined(separator: ", ")).")
                }
                say(try Exporter.export(StoredStudy(path: row.db, store: row.store, id: row.summary.studyID, name: row.summary.name)))
                return
            }
            if list || isatty(STDOUT_FILENO) != 1 {
                let states = rows.map { (try? $0.store.engineState(studyID: $0.summary.studyID)) ?? .unknown }
                print(StudyTable.text(rows.map { ($0.db, $0.summary) }, states: states, showDB: files.count > 1))
                if !unreadable.isEmpty { throw ExitCode(1) }
            } else {
                try await StudiesBrowser.run(rows.map { ($0.db, $0.store, $0.summary) })
            }
        }
    }
}

enum Exporter {
    /// Writes `<name>.csv` and `<name>.json` in the current directory; returns what it wrote.
    @discardableResult
    static func export(_ stored: StoredStudy) throws -> String {
        let name = stored.name
        let safe = name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" }
        let base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(String(safe))
        let study: Study
        do {
            study = try stored.load()
        } catch {
            throw CLIError("cannot export study \"\(ProcessText.printable(name))\": \(FileErrorText.describe(error))")
        }
        do {
            try StudyExport.write(study, notes: stored.notes() ?? StudyNotes(), to: base)
        } catch {
            // Foundation's error names the file it could not write; said in words, never as an NSError dump.
            let file = (error as NSError).userInfo[NSFilePathErrorKey] as? String ?? base.path + ".csv"
            throw CLIError("cannot export study \"\(ProcessText.printable(name))\": cannot write \(file): \(FileErrorText.describe(error))")
        }
        return "Exported \(base.path).csv and \(base.path).json"
    }
}

/// The plain-text study table of `studies --list`.
enum StudyTable {
    static let states: [TrialState] = [.complete, .pruned, .failed, .running, .waiting]

    static func text(_ rows: [(db: String, summary: StoredStudySummary)], states engines: [EngineState], showDB: Bool) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        var table = [(showDB ? ["store"] : []) + ["study", "direction", "trials"] + states.map(\.rawValue) + ["best", "started", "engine"]]
        for ((db, s), engine) in zip(rows, engines) {
            var cells = showDB ? [ProcessText.printable(db)] : []
            // A study of several objectives lists each direction; its first objective's best is no best of it.
            cells += [ProcessText.printable(s.name), s.directions.map(\.rawValue).joined(separator: ","), String(s.total)]
            cells += states.map { String(s.count($0)) }
            cells += [s.directions.count > 1 ? "front" : s.bestValue.map { String(format: "%.6g", $0) } ?? "-", s.started.map(f.string(from:)) ?? "-", ProcessText.printable(engine.text)]
            table.append(cells)
        }
        // Columns line up in terminal cells: `研究β` takes five.
        let widths = table[0].indices.map { c in table.map { Format.width($0[c]) }.max() ?? 0 }
        return table.map { row in
            row.enumerated().map { c, cell in Format.pad(cell, widths[c]) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
