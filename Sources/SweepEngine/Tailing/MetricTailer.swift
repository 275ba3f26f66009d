import Foundation
import HyperOpt
import JobContract

/// Follows one trial's metrics while it runs, reading only what was appended. Sources, in order of
/// preference: `$HYPERTOP_METRICS` JSON lines, `progress.csv`, TensorBoard event files, W&B run
/// files (the run files the engine found for the trial, see `RunFileFinder`), then stdout (SB3
/// table and `key=value` lines). Once a preferred source has delivered rows, the ones below it are
/// ignored, so a job that logs everywhere is counted once. A job-reported `hyperopt_score` is
/// taken from any.
///
/// A run file may report a step twice (CleanRL logs each finished episode's return at the
/// `global_step` it ended at, and two episodes can end at one step): every point is a row here, so
/// hypertop's series, charts, scoring and pruning see them all; Optuna's intermediate values
/// (one per step) keep the first, as Optuna's own `trial.report` does.
public struct MetricTailer {
    public struct Update: Sendable {
        public var rows: [MetricRow] = []
        public var stdout: [String] = []
        public var stderr: [String] = []
        public var malformed = 0
        /// A file of the trial that cannot be followed (not a regular file): the trial must end.
        public var problem: String?
        /// More was written than one poll reads: poll again (at once when the job has ended).
        public var more = false
        /// Output passed over unread because the job wrote it faster than it could be followed:
        /// (file, bytes).
        public var skipped: [(file: String, bytes: Int64)] = []
        /// What to say once about a run file: a framing lost, records passed over.
        public var runFileNotes: [String] = []
    }

    /// Unread output beyond which only its end is read: stdout while it may carry metrics, and
    /// any output shown only. Metric files (JSON lines, CSV) are always read in full.
    static let stdoutBacklogForMetrics: Int64 = 64 * 1024 * 1024
    static let outputBacklog: Int64 = 4 * 1024 * 1024
    /// Longest output line kept for display (and the store's output events).
    static let shownLineLength = 1_000

    enum Source: Int, Comparable {
        case jsonLines = 0, csv = 1, tensorboard = 2, wandb = 3, stdout = 4
        static func < (a: Source, b: Source) -> Bool { a.rawValue < b.rawValue }
    }

    private var jsonl: FileTail
    private var csv: FileTail
    private var out: FileTail
    private var err: FileTail
    /// The run files found for the trial so far (`follow`).
    private var runFiles: [RunFileTail] = []
    /// Run files whose lost framing or corrupt records were said already.
    private var runFileFailuresSaid: Set<String> = []
    private var csvParser = CSVProgressParser()
    private var stdoutParser = StdoutMetricParser()
    private var active: Source?
    /// The largest step delivered: a row without a step gets the next one.
    private var lastStep: Int?
    public private(set) var malformedLines = 0
    /// Rows to pass over before any is delivered: those a dead engine recorded already, when a
    /// job it left is adopted and its files are read again from their start.
    public var skipRows = 0

    /// The trial's files, when it has them: where its end's facts are read (see `endFacts`).
    private var files: TrialFiles? = nil
    /// Output that may carry metrics and was passed over unread, per source: skipped while the job
    /// wrote faster than it could be followed, and left unread at its end (see `metricsGap`).
    private var passedOver: [Source: (skipped: Int64, unreadAtEnd: Int64)] = [:]

    public init(metricsPath: String, progressCSVPath: String, stdoutPath: String, stderrPath: String) {
        jsonl = FileTail(path: metricsPath)
        csv = FileTail(path: progressCSVPath)
        out = FileTail(path: stdoutPath)
        err = FileTail(path: stderrPath)
    }

    /// Follows the files of a trial's run directory.
    public init(files: TrialFiles) {
        self.init(metricsPath: files.metrics, progressCSVPath: files.progressCSV, stdoutPath: files.stdout, stderrPath: files.stderr)
        // A job that replaces its directory with a link is not followed through it (`TrialDirectory`).
        for tail in [\MetricTailer.jsonl, \.csv, \.out, \.err] { self[keyPath: tail].directory = files.runDir }
        self.files = files
    }

    /// Reads `path`, a run file of the trial's job, from now on (from its start).
    public mutating func follow(runFile path: String) {
        guard let kind = RunFileTail.Kind(fileName: (path as NSString).lastPathComponent),
              !runFiles.contains(where: { $0.path == path }) else { return }
        runFiles.append(RunFileTail(kind: kind, path: path))
    }

    /// The run files followed, as (kind, path).
    public var runFilePaths: [(kind: String, path: String)] { runFiles.map { ($0.kind.rawValue, $0.path) } }

    /// What the trial's files say about its end, once its job ended: the value the app returned
    /// after a clean exit, the stderr line that says why after a failed one.
    public func endFacts(exitStatus status: JobStatus) -> JobEndFacts {
        guard let files else { return JobEndFacts() }
        switch status {
        case .exited(0): return JobEndFacts(returned: files.readReturned(), metricsGap: metricsGap)
        case .exited: return JobEndFacts(errorLine: FailureLine.pick(files.stderrTail()))
        default: return JobEndFacts()
        }
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
        var fromTensorBoard: [MetricRow] = [], fromWandb: [MetricRow] = []
        var runFilesMore = false
        for i in runFiles.indices {
            let read = runFiles[i].poll()
            if runFiles[i].kind == .tensorboard { fromTensorBoard += read.rows } else { fromWandb += read.rows }
            runFilesMore = runFilesMore || read.more
            let file = runFiles[i]
            if let failure = file.failure, runFileFailuresSaid.insert(file.path).inserted {
                update.runFileNotes.append("the rest of it is not read: \(failure)")
            }
            if let problem = read.problem, runFileFailuresSaid.insert(file.path).inserted {
                update.runFileNotes.append(problem)
            }
        }
        let stdoutMayCarryMetrics = active == nil || active == .stdout
        let outRead = out.readLines(final: final, backlogLimit: stdoutMayCarryMetrics ? Self.stdoutBacklogForMetrics : Self.outputBacklog)
        for line in outRead.lines {
            if let row = stdoutParser.parse(line) { fromStdout.append(row) }
        }
        update.stdout = Self.shown(outRead.lines)
        let errRead = err.readLines(final: final, backlogLimit: Self.outputBacklog)
        update.stderr = Self.shown(errRead.lines)
        let reads = [jsonRead, csvRead, outRead, errRead]
        update.problem = reads.lazy.compactMap(\.problem).first
        update.more = reads.contains { $0.more } || runFilesMore
        for (file, read) in [(out.path, outRead), (err.path, errRead)] where read.skipped > 0 {
            update.skipped.append((file, read.skipped))
        }
        if stdoutMayCarryMetrics, outRead.skipped > 0 { passedOver[.stdout, default: (0, 0)].skipped += outRead.skipped }

        if !fromJSON.isEmpty { active = min(active ?? .jsonLines, .jsonLines) }
        if !fromCSV.isEmpty { active = min(active ?? .csv, .csv) }
        if !fromTensorBoard.isEmpty { active = min(active ?? .tensorboard, .tensorboard) }
        if !fromWandb.isEmpty { active = min(active ?? .wandb, .wandb) }
        if !fromStdout.isEmpty { active = min(active ?? .stdout, .stdout) }
        for (source, rows) in [(Source.jsonLines, fromJSON), (.csv, fromCSV), (.tensorboard, fromTensorBoard), (.wandb, fromWandb),
                               (.stdout, fromStdout)] {
            if source == active {
                update.rows += rows
            } else {
                // A reported score counts from whichever source carries it.
                update.rows += rows.compactMap { row in
                    row.values[Scorer.reportedScoreKey].map { MetricRow(step: row.step, values: [Scorer.reportedScoreKey: $0]) }
                }
            }
        }
        for i in update.rows.indices {
            if let step = update.rows[i].step {
                lastStep = max(lastStep ?? step, step)
            } else {
                let step = lastStep.map { $0 == Int.max ? $0 : $0 + 1 } ?? 0
                update.rows[i].step = step
                lastStep = step
            }
        }
        malformedLines += update.malformed
        if final && !update.more {
            // Said once, at the end: records of a run file passed over for a checksum or content.
            for file in runFiles where file.corruptRecords + file.malformed > 0 && runFileFailuresSaid.insert("end:" + file.path).inserted {
                update.runFileNotes.append("\(file.path): \(file.corruptRecords + file.malformed) record(s) passed over "
                                           + "(\(file.corruptRecords) with a checksum that does not match, \(file.malformed) not a \(file.kind == .tensorboard ? "TensorBoard event" : "W&B record"))")
            }
        }
        if skipRows > 0 {
            let skipped = min(skipRows, update.rows.count)
            update.rows.removeFirst(skipped)
            skipRows -= skipped
        }
        return update
    }

    /// The files' sizes at their last read.
    public var sizes: [Int64] { [jsonl.size, csv.size, out.size, err.size] }

    /// The trial's files are not read further (its job ended, and its reads at the end are spent):
    /// what each holds unread, as (file, bytes), is counted as passed over.
    public mutating func leaveUnread() -> [(file: String, bytes: Int64)] {
        var left: [(file: String, bytes: Int64)] = []
        let stdoutMayCarryMetrics = active == nil || active == .stdout
        for (source, tail) in [(Source.jsonLines, jsonl), (.csv, csv), (.stdout, out), (nil, err)] where tail.size > tail.offset {
            left.append((tail.path, tail.size - tail.offset))
            if let source, source != .stdout || stdoutMayCarryMetrics { passedOver[source, default: (0, 0)].unreadAtEnd += tail.size - tail.offset }
        }
        return left
    }

    /// Why the trial's metrics are not whole, in words; nil when all that may carry them was read.
    /// Output passed over in a source less preferred than the one delivering rows does not count
    /// (its rows would be ignored anyway).
    public var metricsGap: String? {
        let names: [Source: String] = [.jsonLines: jsonl.path, .csv: csv.path, .stdout: out.path]
        var parts: [String] = []
        for (source, gap) in passedOver.sorted(by: { $0.key < $1.key }) where active.map({ source <= $0 }) ?? true {
            let name = (names[source]! as NSString).lastPathComponent
            if gap.skipped > 0 {
                // Only stdout is ever skipped while the job runs: metric files are read whole.
                parts.append("\(Self.bytes(gap.skipped)) of \(name) was skipped, printed faster than it could be followed; "
                             + "metrics written to $\(TrialEnvironment.metrics) are read whole")
            }
            if gap.unreadAtEnd > 0 { parts.append("\(Self.bytes(gap.unreadAtEnd)) of \(name) was left unread at the job's end") }
        }
        return parts.isEmpty ? nil : "its metrics were not all read (\(parts.joined(separator: "; ")))"
    }

    static func bytes(_ count: Int64) -> String { ByteCountFormatter.string(fromByteCount: count, countStyle: .binary) }

    /// The last lines of a read, cut to a length a screen can show.
    static func shown(_ lines: [String]) -> [String] {
        lines.suffix(200).map { $0.utf8.count > shownLineLength ? String($0.prefix(shownLineLength)) + "…" : $0 }
    }
}
