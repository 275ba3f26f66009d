import Foundation
import HyperOpt

/// A study's trials as files for other tools: CSV (one row per trial) and JSON (everything,
/// metric series included). Pure functions of a `Study`, so a Python-written study exports alike.
public enum StudyExport {
    public static func csv(_ study: Study) -> String {
        let space = study.info?.spec.space.parameters ?? []
        // Several objectives get Optuna's `values_<k>` columns beside `value` (the first); constraints one list column.
        let objectives = study.isMultiObjective ? study.directions.count : 0
        let constrained = study.info?.spec.constraints != nil
        var header = ["number", "state", "value"] + (0..<objectives).map { "values_\($0)" } + (constrained ? ["constraints"] : [])
        header += ["param_set", "repeat", "datetime_start", "datetime_complete", "duration_s"]
        header += space.map { "params_\($0.name)" }
        header += ["run_dir", "exit_status", "signal", "reason", "cpu_seconds", "peak_rss_mb", "gpu_peak_mb"]
        var lines = [header.map(field).joined(separator: ",")]
        for t in study.trials {
            let o = t.outcome
            var cells = [String(t.number), t.state.rawValue, o?.score.map(number) ?? ""]
            cells += (0..<objectives).map { k in o?.values.flatMap { k < $0.count ? number($0[k]) : nil } ?? "" }
            if constrained { cells.append(o?.constraints.map { "[" + $0.map(number).joined(separator: ", ") + "]" } ?? "") }
            cells += [String(t.launch.paramSet),
                         String(t.launch.repeatIndex), OptunaFormat.datetime(t.launch.startedAt),
                         o.map { OptunaFormat.datetime($0.endedAt) } ?? "",
                         o.map { String(format: "%.3f", $0.endedAt.timeIntervalSince(t.launch.startedAt)) } ?? ""]
            cells += space.map { t.launch.params[$0.name]?.description ?? "" }
            cells += [t.launch.runDir, o?.exitStatus.map { String($0) } ?? "", o?.signal.map { String($0) } ?? "", o?.reason ?? ""]
            let used = usage(t)
            cells += [used.cpuSeconds.map(number) ?? "", used.peakRSS.map(number) ?? "", used.peakGPU.map(number) ?? ""]
            lines.append(cells.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `notes`: the study's and its trials' notes (optuna-dashboard's), written as `note`.
    public static func json(_ study: Study, notes: StudyNotes = StudyNotes()) -> String {
        let space = study.info?.spec.space ?? SearchSpace([])
        let trials = study.trials.map { t -> String in
            let o = t.outcome
            let used = usage(t)
            let metrics = t.metrics.map { row in
                JSONText.object([("step", row.step.map(String.init) ?? "null"),
                                 ("values", JSONText.object(row.values.sorted { $0.key < $1.key }.map { ($0.key, JSONText.number($0.value)) }))])
            }
            // A study of several objectives has `values` (Optuna's `trial.values`); one with constraints `constraints`.
            var objectives: [(String, String)] = []
            if study.isMultiObjective { objectives.append(("values", o?.values.map(list) ?? "null")) }
            if study.info?.spec.constraints != nil { objectives.append(("constraints", o?.constraints.map(list) ?? "null")) }
            return JSONText.object([
                ("number", String(t.number)), ("state", JSONText.quote(t.state.rawValue)),
                ("value", o?.score.map(JSONText.number) ?? "null")] + objectives + [
                ("param_set", String(t.launch.paramSet)), ("repeat", String(t.launch.repeatIndex)),
                ("params", JSONText.params(t.launch.params, order: space)),
                ("datetime_start", JSONText.quote(OptunaFormat.datetime(t.launch.startedAt))),
                ("datetime_complete", o.map { JSONText.quote(OptunaFormat.datetime($0.endedAt)) } ?? "null"),
                ("run_dir", JSONText.quote(t.launch.runDir)),
                ("command", "[" + t.launch.command.map(JSONText.quote).joined(separator: ", ") + "]"),
                ("exit_status", o?.exitStatus.map { String($0) } ?? "null"),
                ("signal", o?.signal.map { String($0) } ?? "null"),
                ("reason", o?.reason.map(JSONText.quote) ?? "null"),
                ("note", notes.trials[t.number].map(JSONText.quote) ?? "null"),
                ("cpu_seconds", used.cpuSeconds.map(JSONText.number) ?? "null"),
                ("peak_rss_mb", used.peakRSS.map(JSONText.number) ?? "null"),
                ("gpu_peak_mb", used.peakGPU.map(JSONText.number) ?? "null"),
                ("metrics", "[" + metrics.joined(separator: ", ") + "]"),
            ])
        }
        let spec = study.info?.spec
        // Each parameter's PED-ANOVA share (as optuna.importance.get_param_importances gives it)
        // and the way it pulls the score.
        let importance = study.importances.map { p in
            JSONText.object([("param", JSONText.quote(p.name)), ("importance", JSONText.number(p.share)),
                             ("direction", p.direction == nil ? "null" : JSONText.quote(p.directionText(arrow: "->"))),
                             ("n_complete", String(p.n))])
        }
        return JSONText.object([
            ("study_name", spec.map { JSONText.quote($0.studyName) } ?? "null"),
            ("direction", spec.map { JSONText.quote(OptunaFormat.direction($0.direction)) } ?? "null"),
            ("criterion", spec.map { JSONText.quote($0.criterion) } ?? "null"),
            ("importance", "[" + importance.joined(separator: ", ") + "]"),
            ("note", notes.study.isEmpty ? "null" : JSONText.quote(notes.study)),
            ("trials", "[\n" + trials.joined(separator: ",\n") + "\n]"),
        ]) + "\n"
    }

    /// What the trial used, in the export's units (CPU seconds, MiB), rounded to what was measured;
    /// nil where nothing was measured (a study Python optuna ran, a job on another node).
    static func usage(_ t: TrialRecord) -> (cpuSeconds: Double?, peakRSS: Double?, peakGPU: Double?) {
        let round = { (v: Double, places: Double) in (v * places).rounded() / places }
        return (t.cpuSeconds.map { round($0, 100) }, t.peakRSSBytes.map { round(Double($0) / ResourceTotals.mebibyte, 10) },
                t.peakGPUBytes.map { round(Double($0) / ResourceTotals.mebibyte, 10) })
    }

    /// Full precision; ±inf and NaN as `inf`, `-inf`, `nan` (what Python's `float()` and
    /// `pandas.read_csv` read back).
    private static func number(_ v: Double) -> String { "\(v)" }

    /// `[1.5, -2.0]` in JSON's spelling.
    private static func list(_ values: [Double]) -> String { "[" + values.map(JSONText.number).joined(separator: ", ") + "]" }

    private static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension StudyExport {
    /// Writes `<base>.csv` and `<base>.json`.
    public static func write(_ study: Study, notes: StudyNotes, to base: URL) throws {
        try Data(csv(study).utf8).write(to: base.appendingPathExtension("csv"), options: .atomic)
        try Data(json(study, notes: notes).utf8).write(to: base.appendingPathExtension("json"), options: .atomic)
    }
}
