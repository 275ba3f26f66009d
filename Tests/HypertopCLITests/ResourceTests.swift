import Foundation
import TestSupport
import XCTest

/// What of the machine each trial gets, read back by real jobs: their CPU set from
/// `/proc/self/status`, their thread variables and `CUDA_VISIBLE_DEVICES` from their environment.
final class ResourceTests: XCTestCase {
    var project: SweepProject!

    override func setUpWithError() throws {
        project = try SweepProject("resources")
        // hypertop runs without this process's thread and GPU variables; a test adds its own.
        for v in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "CUDA_VISIBLE_DEVICES"] {
            project.environment[v] = nil
        }
        // The job: what it was given, then one metric; `++sleep` keeps trials running side by side.
        try project.writeScript("job.sh", """
        #!/bin/sh
        sleep=0
        for a in "$@"; do case "$a" in ++sleep=*) sleep="${a#++sleep=}" ;; esac; done
        out="$HYPERTOP_TRIAL_DIR/given.txt"
        grep '^Cpus_allowed_list:' /proc/self/status | sed 's/^Cpus_allowed_list:[[:space:]]*/cpus=/' > "$out"
        for v in OMP_NUM_THREADS MKL_NUM_THREADS OPENBLAS_NUM_THREADS NUMEXPR_NUM_THREADS VECLIB_MAXIMUM_THREADS CUDA_VISIBLE_DEVICES; do
          eval "printf '%s=%s\\n' $v \\"\\${$v-unset}\\"" >> "$out"
        done
        echo "start=$(date +%s.%N)" >> "$out"
        sleep "$sleep"
        echo "end=$(date +%s.%N)" >> "$out"
        echo '{"step": 1, "eval/success_rate": 0.5}' >> "$HYPERTOP_METRICS"
        """)
    }

    override func tearDownWithError() throws { project?.remove() }

    /// A sweep of `trials` trials, `nJobs` at a time, each sleeping `sleep` seconds; `extra` adds sweeper lines.
    func writeConfig(trials: Int = 2, nJobs: Int = 2, sleep: Double = 1.5, extra: [String] = []) throws {
        try project.write("res-opti.yaml", SweepFile(studyName: "res", maxTrials: trials, nJobs: nJobs, seed: 1, sweeperKeys: extra,
                                                     command: ["./job.sh"], passConfig: "none",
                                                     searchSpace: ["++sleep: {type: categorical, choices: [\(sleep)]}", "++x: {type: float, low: 0, high: 1}"]))
    }

    /// `hypertop run --headless res-opti.yaml ARGS`, with `environment` added.
    func run(_ args: [String], environment: [String: String] = [:]) throws -> SweepProject.Output {
        try project.run(["run", "--headless", "res-opti.yaml"] + args, environment: environment)
    }

    /// What each trial's job was given, by trial number.
    func given() throws -> [[String: String]] {
        let sweep = project.path("data/res")
        let trials = try FileManager.default.contentsOfDirectory(atPath: sweep).compactMap(Int.init).sorted()
        return try trials.map { n in
            let text = try String(contentsOfFile: "\(sweep)/\(n)/given.txt", encoding: .utf8)
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { fields[parts[0]] = parts[1] }
            }
            return fields
        }
    }

    /// `0-3,6` as a set of CPU numbers.
    func cpuSet(_ text: String?) -> Set<Int> {
        var out = Set<Int>()
        for part in (text ?? "").split(separator: ",") {
            let ends = part.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            if ends.count == 2 { out.formUnion(ends[0]...ends[1]) } else if let one = ends.first { out.insert(one) }
        }
        return out
    }

    /// The CPUs this test process may run on: what the engine it starts may hand out.
    var ownCPUs: Set<Int> {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") } ?? ""
        return cpuSet(String(line.dropFirst("Cpus_allowed_list:".count)))
    }

    func testConcurrentTrialsGetDisjointCPUSetsAndTheThreadVariables() throws {
        try writeConfig()
        let r = try run([])
        XCTAssertEqual(r.status, 0, r.stderr)
        let own = ownCPUs
        let each = max(1, own.count / 2)
        XCTAssertTrue(r.stdout.contains("Each trial gets \(each) CPU\(each == 1 ? "" : "s") of its own (of \(own.count):"), r.stdout)
        let trials = try given()
        XCTAssertEqual(trials.count, 2)
        let sets = trials.map { cpuSet($0["cpus"]) }
        for (i, set) in sets.enumerated() {
            XCTAssertEqual(set.count, each, "trial \(i): \(trials[i])")
            XCTAssertTrue(set.isSubset(of: own), "trial \(i): \(set) not within \(own)")
            for v in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"] {
                XCTAssertEqual(trials[i][v], String(each), "trial \(i) \(v)")
            }
            XCTAssertEqual(trials[i]["CUDA_VISIBLE_DEVICES"], "unset", "no GPU was asked for: the variable is left alone")
        }
        // They ran side by side, each on its own CPUs.
        let starts = trials.compactMap { Double($0["start"] ?? "") }, ends = trials.compactMap { Double($0["end"] ?? "") }
        XCTAssertLessThan(starts.max()!, ends.min()!, "the two trials overlapped in time")
        if own.count >= 2 { XCTAssertTrue(sets[0].isDisjoint(with: sets[1]), "\(sets)") }
        // The log says what each trial got, and follows its criterion.
        XCTAssertTrue(r.stdout.contains("on CPU"), r.stdout)
        XCTAssertTrue(r.stdout.contains("][HYPERTOP] Trial #1 epoch 1: eval/success_rate 0.5"), r.stdout)
    }

    func testAUsersOwnThreadCountWins() throws {
        try writeConfig()
        let r = try run([], environment: ["OMP_NUM_THREADS": "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let each = String(max(1, ownCPUs.count / 2))
        for trial in try given() {
            XCTAssertEqual(trial["OMP_NUM_THREADS"], "3", "the user's value")
            XCTAssertEqual(trial["MKL_NUM_THREADS"], each, "the ones the user left unset are still set")
        }
        XCTAssertTrue(r.stdout.contains("OMP_NUM_THREADS=3 (yours)"), r.stdout)
    }

    /// `cpus_per_trial: 0` is today's behaviour: the engine's whole CPU set and no thread variable.
    func testCpusPerTrialZeroTurnsItOff() throws {
        try writeConfig(extra: ["cpus_per_trial: 0"])
        let r = try run([])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Each trial gets all of the engine's CPUs (cpus_per_trial: 0)"), r.stdout)
        for trial in try given() {
            XCTAssertEqual(cpuSet(trial["cpus"]), ownCPUs)
            XCTAssertEqual(trial["OMP_NUM_THREADS"], "unset")
        }
        // The command line's option says the same, and wins over the file.
        try writeConfig(extra: ["cpus_per_trial: 1"])
        try FileManager.default.removeItem(atPath: project.path("data"))
        let again = try run(["--new", "--cpus-per-trial", "0"])
        XCTAssertEqual(again.status, 0, again.stderr)
        for trial in try given() { XCTAssertEqual(trial["OMP_NUM_THREADS"], "unset") }
        // More than there are is said, and so are sets that overlap.
        try FileManager.default.removeItem(atPath: project.path("data"))
        let many = try run(["--new", "--cpus-per-trial", "\(ownCPUs.count + 1)"])
        XCTAssertEqual(many.status, 0, many.stderr)
        XCTAssertTrue(many.stdout.contains("warning: cpus_per_trial is \(ownCPUs.count + 1), but hypertop may use \(ownCPUs.count) CPU"), many.stdout)
        XCTAssertTrue(many.stdout.contains("2 slots of \(ownCPUs.count) overlap, so trials share some"), many.stdout)
    }

    func testTwoTrialsGetDistinctGPUs() throws {
        try writeConfig(extra: ["gpus_per_trial: 1"])
        let r = try run([], environment: ["CUDA_VISIBLE_DEVICES": "0,1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let gpus = try given().map { $0["CUDA_VISIBLE_DEVICES"] ?? "" }
        XCTAssertEqual(Set(gpus), ["0", "1"], "each trial its own GPU")
        XCTAssertTrue(r.stdout.contains("1 GPU of 2 (0,1) through CUDA_VISIBLE_DEVICES"), r.stdout)
    }

    func testHalfAGPUSharesOneBetweenTwoTrials() throws {
        try writeConfig()
        let r = try run(["--gpus-per-trial", "0.5"], environment: ["CUDA_VISIBLE_DEVICES": "0,1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let trials = try given()
        XCTAssertEqual(trials.map { $0["CUDA_VISIBLE_DEVICES"] ?? "" }, ["0", "0"], "two halves share one GPU, the other stays whole")
        let starts = trials.compactMap { Double($0["start"] ?? "") }, ends = trials.compactMap { Double($0["end"] ?? "") }
        XCTAssertLessThan(starts.max()!, ends.min()!, "both ran at once")
    }

    /// Two slots, one GPU: the second trial starts only once the first gave its GPU back.
    func testASlotWaitsForAGPU() throws {
        try writeConfig(extra: ["gpus_per_trial: 1"])
        let r = try run([], environment: ["CUDA_VISIBLE_DEVICES": "GPU-3f2a"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("warning: 2 slots, but the GPUs hold 1 trial at 1 each"), r.stdout)
        XCTAssertTrue(r.stdout.contains("A free slot waits for a GPU"), r.stdout)
        let trials = try given()
        XCTAssertEqual(trials.map { $0["CUDA_VISIBLE_DEVICES"] ?? "" }, ["GPU-3f2a", "GPU-3f2a"])
        let first = try XCTUnwrap(Double(trials[0]["end"] ?? "")), second = try XCTUnwrap(Double(trials[1]["start"] ?? ""))
        XCTAssertGreaterThanOrEqual(second, first, "the second trial waited for the first's GPU")
    }

    /// GPUs asked for where none is visible: refused at the start, before anything runs.
    func testGPUsAskedForWithoutAnyAreRefused() throws {
        try writeConfig(extra: ["gpus_per_trial: 1"])
        let r = try run([], environment: ["CUDA_VISIBLE_DEVICES": ""])
        XCTAssertEqual(r.status, 2, r.stdout)
        XCTAssertTrue(r.stderr.contains("gpus_per_trial is 1, but CUDA_VISIBLE_DEVICES is ``"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.path("data/res/0")))
    }
}
