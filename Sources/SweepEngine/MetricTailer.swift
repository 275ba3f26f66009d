import Foundation
import HyperOpt

/// Follows one trial's metrics while it runs, reading only what was appended. Sources, in order of
/// preference: `$HYPERTOP_METRICS` JSON lines, `progress.csv`, then stdout (SB3 table and
/// `key=value` lines). Once a preferred source has delivered rows, the ones below it are ignored,
/// so a job that logs everywhere is counted once. A job-reported `hyperopt_score` is taken from any.
public struct MetricTailer {
    public struct Update: Sendable {
        public var rows: [MetricRow] = []
        public var stdout: [String] = []
        public var stderr: [String] = []
        public var malformed = 0
        /// A file of the trial that cannot be followed (not a regular file): the trial must end.
        public var problem: String?
    }

    enum Source: Int, Comparable {
        case jsonLines = 0, csv = 1, stdout = 2
        static func < (a: Source, b: Source) -> Bool { a.rawValue < b.rawValue }
    }

    private var jsonl: FileTail
    private var csv: FileTail
    private var out: FileTail
    private var err: FileTail
    private var csvParser = CSVProgressParser()
    private var stdoutParser = StdoutMetricParser()
    private var active: Source?
    public private(set) var malformedLines = 0

    public init(metricsPath: String, progressCSVPath: String, stdoutPath: String, stderrPath: String) {
        jsonl = FileTail(path: metricsPath)
        csv = FileTail(path: progressCSVPath)
        out = FileTail(path: stdoutPath)
        err = FileTail(path: stderrPath)
    }

    /// What was appended since the last poll. `final` also takes a last line without newline.
    public mutating func poll(final: Bool = false) -> Update {
        var update = Update()
        var fromJSON: [MetricRow] = [], fromCSV: [MetricRow] = [], fromStdout: [MetricRow] = []

        let jsonRead = jsonl.readLines(final: final)
        for line in jsonRead.lines {
            switch JSONLinesParser.parse(line) {
            case .none: update.malformed += 1
            case .some(let row?): fromJSON.append(row)
            case .some(.none): break
            }
        }
        let csvRead = csv.readLines(final: final)
        if csvRead.rewound { csvParser.rewind() }
        for line in csvRead.lines {
            switch csvParser.parse(line) {
            case .none: update.malformed += 1
            case .some(let row?): fromCSV.append(row)
            case .some(.none): break
            }
        }
        let outRead = out.readLines(final: final)
        update.stdout = outRead.lines
        for line in update.stdout {
            if let row = stdoutParser.parse(line) { fromStdout.append(row) }
        }
        let errRead = err.readLines(final: final)
        update.stderr = errRead.lines
        update.problem = [jsonRead, csvRead, outRead, errRead].lazy.compactMap(\.problem).first

        if !fromJSON.isEmpty { active = min(active ?? .jsonLines, .jsonLines) }
        if !fromCSV.isEmpty { active = min(active ?? .csv, .csv) }
        if !fromStdout.isEmpty { active = min(active ?? .stdout, .stdout) }
        for (source, rows) in [(Source.jsonLines, fromJSON), (.csv, fromCSV), (.stdout, fromStdout)] {
            if source == active {
                update.rows += rows
            } else {
                // A reported score counts from whichever source carries it.
                update.rows += rows.compactMap { row in
                    row.values[Scorer.reportedScoreKey].map { MetricRow(step: row.step, values: [Scorer.reportedScoreKey: $0]) }
                }
            }
        }
        malformedLines += update.malformed
        return update
    }
}
