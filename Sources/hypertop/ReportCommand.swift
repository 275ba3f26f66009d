import ArgumentParser
import DashboardCore
import Foundation
import HyperOpt
import StudyReports
import SweepEngine

/// `hypertop report STUDY`: a Markdown report with its charts as SVG (and PNG where
/// rsvg-convert is installed), drawn by hypertop itself.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a Markdown report of a study, with its charts as SVG (PNG too when rsvg-convert is installed).",
        discussion: """
        The report has the study's settings, its best parameter sets with their mean ± 95% interval, each parameter's importance (PED-ANOVA, as optuna.importance), the history of the best so far, and the mean score per value of each parameter. The charts (history.svg, importance.svg, slices.svg) are drawn by hypertop, no Python needed; with rsvg-convert (Debian: librsvg2-bin) each also gets a PNG, which the report then shows.

        Example: hypertop report sac_her_Reach3D --out reports/sac   (writes reports/sac/report.md and its charts)
        """
    )

    @Argument(help: "The study (default: the one started last).")
    var study: String?

    @Option(help: "The study store (default: data/hypertop.db, as `run` uses without hydra.sweeper.storage).")
    var storage: String = "data/hypertop.db"

    @Option(help: "The directory to write the report into (default: report-<study> in the current directory).")
    var out: String?

    mutating func run() async throws {
        try await withUserErrors {
            let stored = try StoredStudy.open(storePath: storage, named: study)
            let (name, loaded) = (stored.name, try stored.load())
            guard loaded.info?.spec != nil else { throw CLIError("study \"\(name)\" in \(storage) has no settings recorded.") }
            let dir = out ?? "report-" + String(name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw CLIError("cannot create \(dir): \(FileErrorText.describe(error))")
            }
            let notes = stored.notes() ?? StudyNotes()
            let charts = StudyCharts(loaded)
            var written: [String] = []
            var charted = [("history.svg", charts.history()), ("importance.svg", charts.importance()), ("slices.svg", charts.slices())]
            if loaded.isMultiObjective { charted.append(("front.svg", charts.front())) }
            for (file, svg) in charted {
                try write(svg, to: dir + "/" + file)
                written.append(file)
            }
            let png = await SVGToPNG.convert(written.map { dir + "/" + $0 })
            // Each chart as PNG where it got one, else as SVG.
            let images = written.map { png.converted.contains(dir + "/" + $0) ? $0.replacingOccurrences(of: ".svg", with: ".png") : $0 }
            let markdown = StudyReport.markdown(loaded, notes: notes, storage: storage, images: images)
            try write(markdown, to: dir + "/report.md")
            let pngs = !png.toolFound ? " (rsvg-convert is not installed: no PNGs; Debian: apt-get install librsvg2-bin)"
                : png.failed.isEmpty ? " and their PNGs"
                : png.converted.isEmpty ? " (no PNGs)" : " and the PNGs of " + png.converted.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
            say("Wrote \(dir)/report.md with \(written.joined(separator: ", "))" + pngs)
            for failure in png.failed {
                say("hypertop: rsvg-convert could not convert \(failure.svg) (the report shows it as SVG): \(failure.complaint)", error: true)
            }
        }
    }

    func write(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("cannot write \(path): \(FileErrorText.describe(error))")
        }
    }
}
