import ArgumentParser
import DashboardCore
import Foundation
import HyperOpt
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
            for (file, svg) in [("history.svg", charts.history()), ("importance.svg", charts.importance()), ("slices.svg", charts.slices())] {
                try write(svg, to: dir + "/" + file)
                written.append(file)
            }
            let png = Self.convertToPNG(dir: dir, files: written)
            let markdown = StudyReport.markdown(loaded, notes: notes, storage: storage, images: png ? written.map { $0.replacingOccurrences(of: ".svg", with: ".png") } : written)
            try write(markdown, to: dir + "/report.md")
            print("Wrote \(dir)/report.md with \(written.joined(separator: ", "))" + (png ? " and their PNGs" : " (rsvg-convert is not installed: no PNGs; Debian: apt-get install librsvg2-bin)"))
        }
    }

    func write(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("cannot write \(path): \(FileErrorText.describe(error))")
        }
    }

    /// Each SVG as PNG with rsvg-convert when it is on PATH; false when it is not (or fails).
    static func convertToPNG(dir: String, files: [String]) -> Bool {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard let tool = paths.map({ "\($0)/rsvg-convert" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return false }
        for file in files {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = [dir + "/" + file, "-o", dir + "/" + file.replacingOccurrences(of: ".svg", with: ".png")]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return false }
            p.waitUntilExit()
            if p.terminationStatus != 0 { return false }
        }
        return true
    }
}

/// The report's text.
enum StudyReport {
    static func markdown(_ study: Study, notes: StudyNotes, storage: String, images: [String]) -> String {
        guard let spec = study.info?.spec else { return "" }
        var md: [String] = []
        func n(_ v: Double?) -> String { v.map { Format.number($0, width: 9) } ?? "-" }
        md.append("# Study \(spec.studyName)")
        md.append("")
        md.append("Report by hypertop from \(storage).")
        if !notes.study.isEmpty { md += ["", "> " + notes.study.replacingOccurrences(of: "\n", with: "\n> ")] }
        md += ["", "## Settings", "", "| setting | value |", "| --- | --- |"]
        let counts = TrialState.allCases.compactMap { s -> String? in
            let c = study.count(s)
            return c > 0 ? "\(c) \(s.rawValue.lowercased())" : nil
        }
        for (k, v) in [("direction", "\(spec.direction.rawValue) \(spec.objectiveLabel(evidence: study.best.flatMap { study.trial($0.firstTrial) }))"),
                       ("sampler", spec.sampler.name), ("pruner", spec.pruner.name),
                       ("max_trials, n_jobs", "\(spec.maxTrials), \(spec.nJobs)"),
                       ("runs per set", "\(spec.minTrialsPerParam) to \(spec.maxTrialsPerParam)"),
                       ("trials", counts.joined(separator: ", ")), ("config", spec.configPath)] {
            md.append("| \(k) | \(cell(v)) |")
        }
        md += ["", "Search space:", "", "| parameter | values |", "| --- | --- |"]
        for p in spec.space.parameters { md.append("| `\(p.name)` | \(cell(rangeText(p.distribution))) |") }

        md += ["", "## Best parameter sets", "", "By the mean of their complete runs; ± the half-width of the 95% interval (Student's t).", ""]
        md.append("| rank | mean | ± 95% | runs | first trial | " + spec.space.parameters.map { "`\(Format.shortName($0.name))`" }.joined(separator: " | ") + " |")
        md.append("| --- | --- | --- | --- | --- | " + spec.space.parameters.map { _ in "---" }.joined(separator: " | ") + " |")
        let ranked = study.paramSets.filter { $0.mean != nil }.sorted { a, b in spec.direction.isBetter(a.mean!, than: b.mean!) }
        for (i, s) in ranked.prefix(5).enumerated() {
            md.append("| \(i + 1) | \(n(s.mean)) | \(n(s.interval95)) | \(s.count) | #\(s.firstTrial) | "
                      + spec.space.parameters.map { cell(s.params[$0.name]?.description ?? "-") }.joined(separator: " | ") + " |")
        }
        if ranked.isEmpty { md.append("No set has a complete run yet.") }

        md += ["", "## Importance", "", "Each parameter's share of what the best 10% of complete trials have in common (PED-ANOVA, as `optuna.importance.get_param_importances`), and its direction.", ""]
        md += ["| parameter | importance | direction | complete trials |", "| --- | --- | --- | --- |"]
        for p in study.importances {
            md.append("| `\(p.name)` | \(String(format: "%.1f%%", p.share * 100)) | \(cell(p.directionText(arrow: "→", label: Format.shortName(p.name)))) | \(p.n) |")
        }
        md += ["", "![importance](\(images[1]))"]

        let history = StudyHistory(study)
        md += ["", "## History", ""]
        if let record = history.record, let trial = history.recordTrial, let at = history.recordAt, let start = history.startedAt {
            md.append("Best \(n(record)), found by trial #\(trial) after \(Format.duration(at.timeIntervalSince(start))); "
                      + "\(history.trialsSinceRecord) trial\(history.trialsSinceRecord == 1 ? "" : "s") finished since without a new best.")
        }
        md += ["", "![history](\(images[0]))"]

        md += ["", "## Per parameter", "", "Mean score ± std per value (or quantile bin) of each parameter; the best bin in bold.", ""]
        for s in ParamSummary.compute(study) {
            md += ["### `\(s.name)`", "", "| value | mean | std | n |", "| --- | --- | --- | --- |"]
            for (i, b) in s.bins.enumerated() {
                let label = i == s.best ? "**\(cell(b.label.trimmingCharacters(in: .whitespaces)))**" : cell(b.label.trimmingCharacters(in: .whitespaces))
                md.append("| \(label) | \(n(b.mean)) | \(n(b.std)) | \(b.n) |")
            }
            md.append("")
        }
        md += ["![slices](\(images[2]))", ""]
        return md.joined(separator: "\n")
    }

    static func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
}

/// The report's charts as SVG, drawn from the study: every value comes from the store.
struct StudyCharts {
    let study: Study
    init(_ study: Study) { self.study = study }

    static let width = 720.0, height = 320.0
    static let margin = (left: 70.0, right: 20.0, top: 30.0, bottom: 40.0)

    func svg(_ title: String, _ body: [String], height: Double = StudyCharts.height) -> String {
        ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(Self.width)) \(Int(height))\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\">",
         "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
         "<text x=\"\(Self.margin.left)\" y=\"18\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>"]
            .joined(separator: "\n") + "\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }

    func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    func f(_ v: Double) -> String { String(format: "%.2f", v) }

    /// Axes with the y range's ends labelled; returns (x, y) mappers into the plot.
    func axes(_ body: inout [String], x: (Double, Double), y: (Double, Double), xLabel: String, top: Double = StudyCharts.margin.top,
              height: Double = StudyCharts.height) -> ((Double) -> Double, (Double) -> Double) {
        let m = Self.margin
        let left = m.left, right = Self.width - m.right, bottom = height - m.bottom
        body.append("<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(bottom))\" stroke=\"#888\"/>")
        body.append("<line x1=\"\(f(left))\" y1=\"\(f(bottom))\" x2=\"\(f(right))\" y2=\"\(f(bottom))\" stroke=\"#888\"/>")
        body.append("<text x=\"\(f(left - 6))\" y=\"\(f(top + 4))\" text-anchor=\"end\">\(escape(Format.number(y.1, width: 8)))</text>")
        body.append("<text x=\"\(f(left - 6))\" y=\"\(f(bottom))\" text-anchor=\"end\">\(escape(Format.number(y.0, width: 8)))</text>")
        body.append("<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 28))\" text-anchor=\"middle\" fill=\"#444\">\(escape(xLabel))</text>")
        let sx = { (v: Double) in left + (x.1 > x.0 ? (v - x.0) / (x.1 - x.0) : 0.5) * (right - left) }
        let sy = { (v: Double) in bottom - (y.1 > y.0 ? (v - y.0) / (y.1 - y.0) : 0.5) * (bottom - top) }
        return (sx, sy)
    }

    /// Every finished trial's score by the order trials ended (circles; pruned and failed as
    /// crosses on the axis), the best so far as a step line.
    func history() -> String {
        let h = StudyHistory(study)
        var body: [String] = []
        let scores = h.points.compactMap(\.score)
        guard let lo = scores.min(), let hi = scores.max() else { return svg("History: no complete trial yet", []) }
        let pad = hi > lo ? 0 : max(1e-9, abs(hi) * 0.05)
        let (sx, sy) = axes(&body, x: (1, Double(max(2, h.points.count))), y: (lo - pad, hi + pad), xLabel: "trials, in the order they ended")
        // The record of the best set's mean, as a step line through the trials' order.
        var path = ""
        var record: Double?
        for p in h.points {
            if let b = p.best { record = record.map { study.direction.isBetter(b, than: $0) ? b : $0 } ?? b }
            guard let r = record else { continue }
            let x = f(sx(Double(p.index))), y = f(sy(r))
            if path.isEmpty {
                path = "M\(x),\(y)"
            } else {
                let lastY = path.split(separator: ",").last.map(String.init) ?? y
                path += " L\(x),\(lastY) L\(x),\(y)"
            }
        }
        for p in h.points {
            if let s = p.score {
                body.append("<circle class=\"trial\" data-trial=\"\(p.trial)\" cx=\"\(f(sx(Double(p.index))))\" cy=\"\(f(sy(s)))\" r=\"3\" fill=\"#4a90d9\"/>")
            } else if p.state == .pruned || p.state == .failed {
                let x = sx(Double(p.index)), y = Self.height - Self.margin.bottom
                body.append("<text class=\"\(p.state == .failed ? "failed" : "pruned")\" x=\"\(f(x))\" y=\"\(f(y - 4))\" text-anchor=\"middle\" fill=\"\(p.state == .failed ? "#d9534f" : "#a07cc5")\">\(p.state == .failed ? "x" : "p")</text>")
            }
        }
        if !path.isEmpty { body.append("<path class=\"best\" d=\"\(path)\" fill=\"none\" stroke=\"#e6a700\" stroke-width=\"2\"/>") }
        return svg("Best so far (\(Format.number(h.record ?? .nan, width: 9))) and every trial's score", body)
    }

    /// Each parameter's importance as a horizontal bar, the largest first.
    func importance() -> String {
        let items = study.importances
        let rowHeight = 26.0
        let height = Self.margin.top + 20 + rowHeight * Double(max(1, items.count)) + 20
        var body: [String] = []
        let left = 200.0, right = Self.width - 140
        for (i, p) in items.enumerated() {
            let y = Self.margin.top + 20 + rowHeight * Double(i)
            body.append("<text x=\"\(f(left - 8))\" y=\"\(f(y + 14))\" text-anchor=\"end\">\(escape(Format.shortName(p.name)))</text>")
            body.append("<rect class=\"importance\" data-param=\"\(escape(p.name))\" data-share=\"\(p.share)\" x=\"\(f(left))\" y=\"\(f(y))\" width=\"\(f(max(0.5, p.share * (right - left))))\" height=\"18\" fill=\"\(i == 0 ? "#e6a700" : "#4a90d9")\"/>")
            body.append("<text x=\"\(f(left + p.share * (right - left) + 6))\" y=\"\(f(y + 14))\">\(String(format: "%.0f%%", p.share * 100))  \(escape(p.directionText(arrow: "→", label: Format.shortName(p.name))))</text>")
        }
        return svg("Importance (PED-ANOVA over \(items.map(\.n).max() ?? 0) complete trials)", body, height: height)
    }

    /// One small scatter per parameter: the score against the parameter's value (log axes for
    /// log parameters, categorical values spread evenly).
    func slices() -> String {
        guard let spec = study.info?.spec else { return svg("Slices", []) }
        let complete = study.trials.filter { $0.state == .complete && ($0.score?.isFinite ?? false) }
        let parameters = spec.space.parameters
        let columns = 2, cellHeight = 220.0
        let height = Self.margin.top + cellHeight * Double((parameters.count + columns - 1) / columns) + 10
        var body: [String] = []
        let scores = complete.compactMap(\.score)
        guard let lo = scores.min(), let hi = scores.max() else { return svg("Slices: no complete trial yet", []) }
        let cellWidth = (Self.width - 20) / Double(columns)
        for (i, p) in parameters.enumerated() {
            let x0 = 10 + cellWidth * Double(i % columns), y0 = Self.margin.top + cellHeight * Double(i / columns)
            let left = x0 + 60, right = x0 + cellWidth - 10, top = y0 + 24, bottom = y0 + cellHeight - 36
            body.append("<text x=\"\(f(left))\" y=\"\(f(y0 + 16))\" font-weight=\"bold\">\(escape(Format.shortName(p.name)))</text>")
            body.append("<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(bottom))\" stroke=\"#888\"/>")
            body.append("<line x1=\"\(f(left))\" y1=\"\(f(bottom))\" x2=\"\(f(right))\" y2=\"\(f(bottom))\" stroke=\"#888\"/>")
            body.append("<text x=\"\(f(left - 4))\" y=\"\(f(top + 4))\" text-anchor=\"end\" font-size=\"10\">\(escape(Format.number(hi, width: 7)))</text>")
            body.append("<text x=\"\(f(left - 4))\" y=\"\(f(bottom))\" text-anchor=\"end\" font-size=\"10\">\(escape(Format.number(lo, width: 7)))</text>")
            let (a, b): (String, String)
            switch p.distribution {
            case .float(let l, let h, let log, _): (a, b) = (Format.number(l, width: 7), Format.number(h, width: 7) + (log ? " (log)" : ""))
            case .int(let l, let h, let log, _): (a, b) = (String(l), String(h) + (log ? " (log)" : ""))
            case .categorical(let c): (a, b) = (c.first?.description ?? "", c.last?.description ?? "")
            }
            body.append("<text x=\"\(f(left))\" y=\"\(f(bottom + 14))\" font-size=\"10\">\(escape(a))</text>")
            body.append("<text x=\"\(f(right))\" y=\"\(f(bottom + 14))\" text-anchor=\"end\" font-size=\"10\">\(escape(b))</text>")
            for t in complete {
                guard let v = t.launch.params[p.name], let pos = axisPosition(v, p.distribution), let s = t.score else { continue }
                let x = left + pos * (right - left), y = bottom - (hi > lo ? (s - lo) / (hi - lo) : 0.5) * (bottom - top)
                body.append("<circle class=\"trial\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"2.5\" fill=\"#4a90d9\" fill-opacity=\"0.7\"/>")
            }
        }
        return svg("Score against each parameter (\(complete.count) complete trials)", body, height: height)
    }
}
