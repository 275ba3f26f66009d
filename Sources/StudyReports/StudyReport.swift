import DashboardCore
import Foundation
import HyperOpt

/// The report's text.
public enum StudyReport {
    public static func markdown(_ study: Study, notes: StudyNotes, storage: String, images: [String]) -> String {
        guard let info = study.info else { return "" }
        let spec = info.spec
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
        // A study another program ran records none of hypertop's settings: they are unknown, not defaults.
        let known = info.external == nil
        let unknown = StudyInfo.unknown
        for (k, v) in [("direction", info.goal(evidence: study.best.flatMap { study.trial($0.firstTrial) })),
                       ("sampler", info.samplerName), ("pruner", info.prunerName),
                       ("max_trials, n_jobs", known ? "\(spec.maxTrials), \(spec.nJobs)" : unknown),
                       ("runs per set", known ? "\(spec.minTrialsPerParam) to \(spec.maxTrialsPerParam)" : unknown),
                       ("trials", counts.isEmpty ? "none" : counts.joined(separator: ", ")),
                       ("config", spec.configPath.isEmpty ? unknown : spec.configPath)] {
            md.append("| \(k) | \(cell(v)) |")
        }
        md += ["", "Search space:", "", "| parameter | values |", "| --- | --- |"]
        for p in spec.space.parameters { md.append("| `\(p.name)` | \(cell(rangeText(p.distribution))) |") }

        if study.isMultiObjective {
            let names = spec.objectiveNames
            let front = BestText.sortedFront(study)
            md += ["", "## Pareto front", "",
                   "The sets no other feasible set beats in every objective, by the means of their complete runs, sorted by \(names[0]).", ""]
            if front.isEmpty {
                md.append("No feasible set has a complete run with every objective yet.")
            } else {
                md += table(["set"] + zip(names, study.directions).map { "\($0) (\($1.rawValue))" } + ["runs", "first trial"]
                                + spec.space.parameters.map { "`\(Format.shortName($0.name))`" },
                            front.map { s in
                                ["\(s.paramSet)"] + (s.means ?? []).map { n($0) } + ["\(s.count)", "#\(s.firstTrial)"]
                                    + spec.space.parameters.map { cell(s.params[$0.name]?.description ?? "-") }
                            })
            }
            if images.count > 3 { md += ["", "![front](\(images[3]))"] }
        }
        md += ["", "## Best parameter sets", "", "By the mean of their complete runs; ± the half-width of the 95% interval (Student's t).", ""]
        let ranked = study.paramSets.filter { $0.mean.map { !$0.isNaN } ?? false }.sorted { a, b in spec.direction.isBetter(a.mean!, than: b.mean!) }
        if ranked.isEmpty {
            md.append("No set has a complete run yet.")
        } else {
            md += table(["rank", "mean", "± 95%", "runs", "first trial"] + spec.space.parameters.map { "`\(Format.shortName($0.name))`" },
                        ranked.prefix(5).enumerated().map { i, s in
                            ["\(i + 1)", n(s.mean), n(s.interval95), "\(s.count)", "#\(s.firstTrial)"]
                                + spec.space.parameters.map { cell(s.params[$0.name]?.description ?? "-") }
                        })
        }

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

        md += resources(study)

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
        // Names, values and notes are the users' and the store's: a control in them is shown, not
        // written into the file, where `cat report.md` would send it to a terminal.
        return md.joined(separator: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { ProcessText.printable(String($0)) }.joined(separator: "\n")
    }

    /// What the trials cost the machine, where the engine measured it: the sums and peaks, and
    /// the five trials that took the most CPU time. Empty where nothing was measured.
    static func resources(_ study: Study) -> [String] {
        let measured = study.trials.filter { $0.cpuSeconds != nil }
        guard !measured.isEmpty else { return [] }
        let cpu = measured.compactMap(\.cpuSeconds).reduce(0, +)
        let peaks = measured.compactMap(\.peakRSSBytes).sorted()
        var md = ["", "## Resources", ""]
        var line = String(format: "%d trials measured: %.1f CPU hours in all (%.0f CPU s)", measured.count, cpu / 3600, cpu)
        if let top = peaks.last {
            line += "; peak resident memory per trial: median \(Format.bytes(peaks[peaks.count / 2])), most \(Format.bytes(top))"
        }
        let gpu = measured.compactMap(\.peakGPUBytes)
        if let most = gpu.max() { line += "; GPU memory per trial: most \(Format.bytes(most))" }
        md.append(line + ".")
        md.append("")
        let costliest = measured.sorted { ($0.cpuSeconds ?? 0) > ($1.cpuSeconds ?? 0) }.prefix(5)
        md += table(["trial", "state", "CPU s", "CPU % of a core", "peak memory", "peak GPU memory", "score"], costliest.map { t in
            let now = t.outcome?.endedAt ?? t.launch.startedAt
            return ["#\(t.number)", t.state.rawValue, String(format: "%.1f", t.cpuSeconds ?? 0),
                    t.cpuPercent(now: now).map { Format.percent($0) } ?? "-", t.peakRSSBytes.map(Format.bytes) ?? "-",
                    t.peakGPUBytes.map(Format.bytes) ?? "-", t.score.map { Format.number($0, width: 9) } ?? "-"]
        })
        return md
    }

    /// A Markdown table: a header, its separator and the rows, each with the header's columns.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
        return [line(header), line(header.map { _ in "---" })] + rows.map(line)
    }

    static func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
}
