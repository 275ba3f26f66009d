// Measures the study store: cost per finished trial, per metric row, and the time to open a
// large study. Prints one JSON object; Benchmarks/store.sh puts it next to Python optuna's numbers.
//   store-bench DIR [--trials N] [--open-trials N] [--steps N]
//   store-bench --make FILE N   (only writes a study of N trials, for Benchmarks/report.sh)
import Foundation
import HyperOpt
import SweepEngine

struct Options {
    var dir = ""
    var trials = 500
    var openTrials = 10_000
    var steps = 100
    var metricRows = 20_000

    init(_ args: [String]) throws {
        var rest = args.makeIterator()
        while let a = rest.next() {
            switch a {
            case "--trials": trials = Int(rest.next() ?? "") ?? trials
            case "--open-trials": openTrials = Int(rest.next() ?? "") ?? openTrials
            case "--steps": steps = Int(rest.next() ?? "") ?? steps
            case "--metric-rows": metricRows = Int(rest.next() ?? "") ?? metricRows
            default: dir = a
            }
        }
        guard !dir.isEmpty else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "usage: store-bench DIR [--trials N] [--open-trials N] [--steps N]"])
        }
    }
}

let space = SearchSpace([
    Parameter(name: "++algorithm.learning_rate", distribution: .float(low: 1e-4, high: 5e-3, log: true, step: nil)),
    Parameter(name: "++algorithm.batch_size", distribution: .int(low: 16, high: 256, log: true, step: 1)),
    Parameter(name: "++algorithm.critic_select", distribution: .categorical(choices: [.string("min"), .string("max")])),
])

func info(_ name: String, dir: String) -> StudyInfo {
    StudyInfo(spec: StudySpec(studyName: name, maxTrials: 100_000, nJobs: 64, direction: .maximize, space: space,
                              criterion: "eval/success_rate"),
              sweepDir: dir, stopFile: dir + "/delete_me_to_stop_hyperopt", pauseFile: dir + "/pause_hyperopt", startedAt: Date())
}

func launch(_ n: Int) -> TrialLaunch {
    var g = SeededGenerator(seed: UInt64(n))
    var params = Params()
    for p in space.parameters { params[p.name] = p.distribution.sampleUniform(using: &g) }
    return TrialLaunch(number: n, paramSet: n, repeatIndex: 0, params: params, runDir: "/data/sweep/\(n)",
                       command: ["reach-trainer", "++algorithm.learning_rate=0.001"], startedAt: Date())
}

/// A stable-baselines3 dump: the criterion and nine other series.
func row(_ step: Int) -> MetricRow {
    let x = Double(step)
    return MetricRow(step: step, values: [
        "eval/success_rate": x / 100, "eval/mean_reward": -x, "train/actor_loss": 1 / (x + 1), "train/critic_loss": 2 / (x + 1),
        "train/ent_coef": 0.1, "train/learning_rate": 0.001, "time/fps": 900, "time/episodes": x, "rollout/success_rate": x / 90,
        "time/total_timesteps": x * 1000,
    ])
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

// `store-bench --make FILE N`: only write a study "open" of N finished trials (10 intermediate
// values each) into FILE, for the benchmarks of commands that read a large study (report).
if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "--make", let n = Int(CommandLine.arguments[3]) {
    let path = CommandLine.arguments[2]
    let store = try StudyStore(path: path)
    let id = try store.createStudy(info("open", dir: (path as NSString).deletingLastPathComponent))
    var batch: [EngineEvent] = []
    for t in 0..<n {
        batch.append(.launched(launch(t)))
        batch.append(.metrics(trial: t, rows: (0..<10).map { MetricRow(step: $0, values: ["eval/success_rate": Double($0) / 10]) }))
        var g = SeededGenerator(seed: UInt64(t) &+ 7)
        batch.append(.finished(TrialOutcome(number: t, state: t % 10 == 0 ? .pruned : .complete, score: g.unit(),
                                            reason: nil, exitStatus: 0, signal: nil, endedAt: Date())))
        if batch.count >= 5_000 {
            try store.record(batch, studyID: id)
            batch = []
        }
    }
    try store.record(batch, studyID: id)
    exit(0)
}

let options = try Options(Array(CommandLine.arguments.dropFirst()))
// `store-bench --open FILE`: open the file's first study as `hypertop studies` does in a new
// process (open, list, replay) and print the milliseconds each step took.
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--open" {
    let path = CommandLine.arguments[2]
    var list: [StoredStudySummary] = []
    var study = Study()
    var reader: StudyStore?
    let open = try seconds { reader = try StudyStore(path: path, readOnly: true) }
    let listing = try seconds { list = try reader?.studies() ?? [] }
    let load = try seconds { study = try reader?.loadStudy(id: list[0].studyID) ?? Study() }
    print(JSONText.object([("open_ms", String(open * 1000)), ("studies_ms", String(listing * 1000)), ("load_ms", String(load * 1000)),
                           ("rows", String(study.trials.reduce(0) { $0 + $1.metrics.count }))]))
    exit(0)
}
var results: [(String, String)] = []

// 1. Per finished trial, one commit per event (the engine's worst case: nothing else to batch with),
//    the same work as Optuna's ask + 3 x report + tell.
do {
    let path = options.dir + "/trial.db"
    let store = try StudyStore(path: path)
    let id = try store.createStudy(info("trials", dir: options.dir))
    let t = try seconds {
        for n in 0..<options.trials {
            try store.record([.launched(launch(n))], studyID: id)
            for s in 0..<3 { try store.record([.metrics(trial: n, rows: [row(s)])], studyID: id) }
            try store.record([.finished(TrialOutcome(number: n, state: .complete, score: 0.5, reason: nil, exitStatus: 0, signal: nil,
                                                     endedAt: Date()))], studyID: id)
        }
    }
    results.append(("trial_ms_unbatched", String(t / Double(options.trials) * 1000)))
}

// 2. Per finished trial the way the engine records: one `StoreSink.record` per 100 ms tick with
//    that tick's events. Eight jobs at a time: a tick of 8 launches, three ticks of 8 metric rows,
//    a tick of 8 finishes.
do {
    let path = options.dir + "/ticks.db"
    let store = try StudyStore(path: path)
    let id = try store.createStudy(info("ticks", dir: options.dir))
    let sink = StoreSink(store: store, studyID: id)
    let t = try seconds {
        for first in stride(from: 0, to: options.trials, by: 8) {
            let group = first..<min(first + 8, options.trials)
            try sink.record(group.map { .launched(launch($0)) })
            for s in 0..<3 { try sink.record(group.map { .metrics(trial: $0, rows: [row(s)]) }) }
            try sink.record(group.map {
                .finished(TrialOutcome(number: $0, state: .complete, score: 0.5, reason: nil, exitStatus: 0, signal: nil,
                                       endedAt: Date()))
            })
        }
    }
    results.append(("trial_ms_batched", String(t / Double(options.trials) * 1000)))
}

// 3. Per metric row: 64 running trials, each event one 10-series row, committed 64 events at a time
//    (a 100 ms tick at 64 jobs x 10 rows/s; the load of 6,400 rows/s is 100 such commits a second).
do {
    let path = options.dir + "/metrics.db"
    let store = try StudyStore(path: path)
    let id = try store.createStudy(info("metrics", dir: options.dir))
    try store.record((0..<64).map { .launched(launch($0)) }, studyID: id)
    let batches = max(1, options.metricRows / 64)
    let t = try seconds {
        for b in 0..<batches {
            try store.record((0..<64).map { EngineEvent.metrics(trial: $0, rows: [row(b)]) }, studyID: id)
        }
    }
    let perRow = t / Double(batches * 64)
    results.append(("metric_row_us", String(perRow * 1e6)))
    results.append(("cpu_share_at_6400_rows_per_s", String(perRow * 6400)))
}

// 4. Open a study of N trials x S intermediate values, as `hypertop studies` does: open the file,
//    list the studies, replay the chosen one.
do {
    let path = options.dir + "/open.db"
    let store = try StudyStore(path: path)
    let id = try store.createStudy(info("open", dir: options.dir))
    // Recorded in big batches: this only builds the file to open.
    let build = try seconds {
        var batch: [EngineEvent] = []
        for n in 0..<options.openTrials {
            batch.append(.launched(launch(n)))
            for s in 0..<options.steps {
                batch.append(.metrics(trial: n, rows: [MetricRow(step: s, values: ["eval/success_rate": Double(s) / Double(options.steps)])]))
            }
            batch.append(.finished(TrialOutcome(number: n, state: n % 10 == 0 ? .pruned : .complete, score: Double(n % 97) / 97,
                                                reason: nil, exitStatus: 0, signal: nil, endedAt: Date())))
            if batch.count >= 5_000 {
                try store.record(batch, studyID: id)
                batch = []
            }
        }
        try store.record(batch, studyID: id)
    }
    results.append(("open_build_s", String(build)))
    // Each open in a new process, as a user opening the study in `hypertop studies` would.
    var totals: [Double] = []
    var listings: [Double] = []
    var rows = 0
    for _ in 0..<5 {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--open", path]
        let out = Pipe()
        child.standardOutput = out
        try child.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let open = json["open_ms"] as? Double, let listing = json["studies_ms"] as? Double, let load = json["load_ms"] as? Double else {
            throw CocoaError(.fileReadCorruptFile)
        }
        totals.append(open + listing + load)
        listings.append(listing)
        rows = json["rows"] as? Int ?? 0
    }
    results.append(("open_ms", String(median(totals))))
    results.append(("open_ms_min", String(totals.min() ?? 0)))
    results.append(("studies_list_ms", String(median(listings))))
    results.append(("open_trials", String(options.openTrials)))
    results.append(("open_rows", String(rows)))
    let size = [path, path + "-wal"].reduce(0) { total, file in
        total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
    }
    results.append(("open_file_mb", String(Double(size) / 1e6)))
    results.append(("open_db", JSONText.quote(path)))
}

results.append(("trials", String(options.trials)))
print(JSONText.object(results))
