import Foundation
import TestSupport
import XCTest
@testable import HyperOpt

/// hypertop's pruners and Optuna's own on the same curves, reported in the same interleaved
/// order: the same prune decision at every report.
final class PrunerParityTests: XCTestCase {
    struct Case {
        var name: String
        var spec: PrunerSpec
        /// Optuna's class and kwargs, as JSON.
        var optuna: String
    }

    static let cases: [Case] = [
        Case(name: "median", spec: .median(MedianPrunerOptions(nStartupTrials: 2)),
             optuna: #"{"type": "MedianPruner", "kwargs": {"n_startup_trials": 2}}"#),
        Case(name: "median, warm-up and interval", spec: .median(MedianPrunerOptions(nStartupTrials: 1, nWarmupSteps: 2, intervalSteps: 3, nMinTrials: 2)),
             optuna: #"{"type": "MedianPruner", "kwargs": {"n_startup_trials": 1, "n_warmup_steps": 2, "interval_steps": 3, "n_min_trials": 2}}"#),
        Case(name: "percentile 25", spec: .percentile(25, MedianPrunerOptions(nStartupTrials: 3, nWarmupSteps: 1)),
             optuna: #"{"type": "PercentilePruner", "kwargs": {"percentile": 25.0, "n_startup_trials": 3, "n_warmup_steps": 1}}"#),
        Case(name: "successive halving", spec: .successiveHalving(SuccessiveHalvingOptions(minResource: 1, reductionFactor: 2)),
             optuna: #"{"type": "SuccessiveHalvingPruner", "kwargs": {"min_resource": 1, "reduction_factor": 2}}"#),
        Case(name: "successive halving, auto, rate 1", spec: .successiveHalving(SuccessiveHalvingOptions(minResource: nil, reductionFactor: 3, minEarlyStoppingRate: 1)),
             optuna: #"{"type": "SuccessiveHalvingPruner", "kwargs": {"min_resource": "auto", "reduction_factor": 3, "min_early_stopping_rate": 1}}"#),
        Case(name: "successive halving, bootstrap", spec: .successiveHalving(SuccessiveHalvingOptions(minResource: 2, reductionFactor: 2, bootstrapCount: 2)),
             optuna: #"{"type": "SuccessiveHalvingPruner", "kwargs": {"min_resource": 2, "reduction_factor": 2, "bootstrap_count": 2}}"#),
        Case(name: "hyperband", spec: .hyperband(HyperbandOptions(minResource: 1, maxResource: 9, reductionFactor: 3)),
             optuna: #"{"type": "HyperbandPruner", "kwargs": {"min_resource": 1, "max_resource": 9, "reduction_factor": 3}}"#),
        Case(name: "hyperband, auto", spec: .hyperband(HyperbandOptions(minResource: 1, maxResource: nil, reductionFactor: 2)),
             optuna: #"{"type": "HyperbandPruner", "kwargs": {"min_resource": 1, "max_resource": "auto", "reduction_factor": 2}}"#),
        Case(name: "threshold", spec: .threshold(ThresholdOptions(lower: 0.2, upper: 0.95, nWarmupSteps: 1, intervalSteps: 2)),
             optuna: #"{"type": "ThresholdPruner", "kwargs": {"lower": 0.2, "upper": 0.95, "n_warmup_steps": 1, "interval_steps": 2}}"#),
        Case(name: "patient alone", spec: .patient(PatientOptions(patience: 2, minDelta: 0.01), wrapped: nil),
             optuna: #"{"type": "PatientPruner", "kwargs": {"patience": 2, "min_delta": 0.01, "wrapped_pruner": null}}"#),
        Case(name: "patient(median)", spec: .patient(PatientOptions(patience: 1), wrapped: .median(MedianPrunerOptions(nStartupTrials: 1))),
             optuna: #"{"type": "PatientPruner", "kwargs": {"patience": 1, "wrapped_pruner": {"type": "MedianPruner", "kwargs": {"n_startup_trials": 1}}}}"#),
        Case(name: "patient(asha)", spec: .patient(PatientOptions(patience: 1), wrapped: .successiveHalving(SuccessiveHalvingOptions(minResource: 1, reductionFactor: 2))),
             optuna: #"{"type": "PatientPruner", "kwargs": {"patience": 1, "wrapped_pruner": {"type": "SuccessiveHalvingPruner", "kwargs": {"min_resource": 1, "reduction_factor": 2}}}}"#),
    ]

    /// Noisy learning curves with ties (one decimal), plateaus, dips and the odd NaN.
    static func curves(seed: UInt64, trials: Int, steps: Int) -> [[Double]] {
        var g = SeededGenerator(seed: seed)
        return (0..<trials).map { _ in
            let final = Double(g.next() % 100) / 100
            let length = Int(g.next() % UInt64(steps)) + 1
            return (0..<length).map { k -> Double in
                if g.next() % 60 == 0 { return .nan }
                let progress = Double(k + 1) / Double(length)
                let noise = Double(Int(g.next() % 21) - 10) / 100
                return ((final * progress + noise) * 10).rounded() / 10
            }
        }
    }

    /// Trials run up to `slots` at a time; each report event goes to a random running trial.
    static func schedule(_ curves: [[Double]], seed: UInt64, slots: Int) -> [(Int, Int)] {
        var g = SeededGenerator(seed: seed ^ 0x9E37)
        var next = 0
        var running: [(trial: Int, step: Int)] = []
        var out: [(Int, Int)] = []
        while next < curves.count || !running.isEmpty {
            while running.count < slots && next < curves.count {
                running.append((next, 0))
                next += 1
            }
            let i = Int(g.next() % UInt64(running.count))
            out.append((running[i].trial, running[i].step))
            running[i].step += 1
            if running[i].step == curves[running[i].trial].count { running.remove(at: i) }
        }
        return out
    }

    /// The same events through hypertop's pruner: a pruned trial ends; one past its last step completes
    /// (FAIL when its last value is NaN, as Optuna's `tell` makes it).
    static func ours(_ spec: PrunerSpec, _ curves: [[Double]], _ events: [(Int, Int)], direction: Direction) -> [Bool?] {
        var pruner = PrunerFactory.make(spec)!
        var completed: [(number: Int, values: [Double])] = []
        var ended = Set<Int>()
        return events.map { (n, step) -> Bool? in
            guard !ended.contains(n) else { return nil }
            let values = Array(curves[n][...step])
            let context = PruneContext(completed: completed, direction: direction, studyName: "parity", criterion: "c")
            let pruned = pruner.prune(PruneSubject(number: n, values: values), context).reason != nil
            if pruned {
                ended.insert(n)
            } else if step == curves[n].count - 1 {
                ended.insert(n)
                if !curves[n][step].isNaN { completed.append((n, curves[n])) }
            }
            return pruned
        }
    }

    func testEveryPrunerDecidesAsOptunasOwn() throws {
        let python = try TestSupport.python(in: ".venv", importing: "optuna", install: "scripts/install-deps.sh --python")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/optuna_prune.py").path
        var compared = 0, prunes = 0
        for c in Self.cases {
            for (seed, direction) in [(UInt64(1), Direction.maximize), (2, .minimize), (3, .maximize)] {
                let curves = Self.curves(seed: seed, trials: 14, steps: 10)
                let events = Self.schedule(curves, seed: seed, slots: 3)
                func json(_ v: Double) -> String { v.isNaN ? "NaN" : "\(v)" }
                let trials = curves.enumerated().map { "\"\($0.offset)\": [\($0.element.map(json).joined(separator: ", "))]" }.joined(separator: ", ")
                let schedule = events.map { "[\($0.0), \($0.1)]" }.joined(separator: ", ")
                let input = #"{"direction": "\#(direction.rawValue)", "study_name": "parity", "pruner": \#(c.optuna), "trials": {\#(trials)}, "schedule": [\#(schedule)]}"#
                let r = try runPython(python, script: script, input: input)
                XCTAssertEqual(r.status, 0, "\(c.name): \(r.stderr)")
                let theirs = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8), options: [.fragmentsAllowed]) as? [Any])
                let ours = Self.ours(c.spec, curves, events, direction: direction)
                XCTAssertEqual(theirs.count, ours.count, c.name)
                for (i, (a, b)) in zip(theirs, ours).enumerated() {
                    let t: Bool? = a is NSNull ? nil : (a as? Bool)
                    if t != b {
                        XCTFail("\(c.name), \(direction), seed \(seed): event \(i) (trial \(events[i].0), step \(events[i].1)): Optuna \(String(describing: t)), hypertop \(String(describing: b))")
                        break
                    }
                    compared += 1
                    if b == true { prunes += 1 }
                }
            }
        }
        XCTAssertGreaterThan(prunes, 50, "the curves make every pruner prune: \(prunes) prunes in \(compared) decisions")
    }

    private func runPython(_ python: String, script: String, input: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script]
        let inp = Pipe(), out = Pipe(), err = Pipe()
        p.standardInput = inp
        p.standardOutput = out
        p.standardError = err
        try p.run()
        inp.fileHandleForWriting.write(Data(input.utf8))
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
