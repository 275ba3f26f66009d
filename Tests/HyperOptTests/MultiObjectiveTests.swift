import Foundation
import XCTest
@testable import HyperOpt

/// Several objectives and constraints: how a config declares them, how a run is scored, and what
/// the study's front and best are.
final class MultiObjectiveTests: XCTestCase {
    func load(_ text: String) throws -> StudySpec {
        try ConfigLoader.parseChecked(YAMLFile.parse(text, path: "/nowhere/mo-opti.yaml")).spec
    }

    static let upstream = """
    hydra:
      sweeper:
        direction: [minimize, maximize]
        study_name: mo
        n_trials: 20
        params:
          x: range(0, 5, step=0.5)
          y: range(0, 3, step=0.5)
    x: 1
    y: 1
    """

    func testADirectionListDeclaresOneObjectivePerEntry() throws {
        let spec = try load(Self.upstream)
        XCTAssertEqual(spec.objectiveDirections, [.minimize, .maximize])
        XCTAssertEqual(spec.direction, .minimize, "the first objective's direction stays `direction`")
        XCTAssertTrue(spec.isMultiObjective)
        XCTAssertEqual(spec.objectiveNames, ["values[0]", "values[1]"])
        // A list of one is one objective, as before.
        let one = try load(Self.upstream.replacingOccurrences(of: "[minimize, maximize]", with: "[maximize]"))
        XCTAssertNil(one.directions)
        XCTAssertEqual(one.objectiveDirections, [.maximize])
        XCTAssertFalse(one.isMultiObjective)
    }

    func testWhatASeveralObjectiveStudyCannotHaveIsRefusedAtItsLine() throws {
        for (extra, text, line) in [
            ("    pruner: median\n", "cannot be pruned", 9),
            ("    sampler: gp\n", "sampler `gp` optimizes one objective", 9),
            ("    sampler: {type: cmaes}\n", "sampler `cmaes` optimizes one objective", 9),
            ("    repeats: adaptive\n", "repeats: adaptive races", 9),
            ("    stop_when_stagnant: 5\n", "stop_when_stagnant counts", 9),
            ("    direction: []\n", "empty list", 9),
            ("    constraints: []\n", "`constraints` is empty", 9),
            ("    constraints: [c, c]\n", "names `c` twice", 9),
        ] {
            let text0 = Self.upstream.replacingOccurrences(of: "    x: 1", with: "").replacingOccurrences(of: "\ny: 1", with: "")
            var lines = text0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if extra.contains("direction:") { lines.removeAll { $0.contains("direction:") }; lines.insert(contentsOf: ["    n_jobs: 1"], at: 2) }
            lines.insert(extra.trimmingCharacters(in: .newlines), at: 8)
            let yaml = lines.joined(separator: "\n")
            XCTAssertThrowsError(try load(yaml), extra) { error in
                XCTAssertEqual((error as? ConfigError)?.line, line, "\(extra): \(error)")
                XCTAssertTrue("\(error)".contains(text), "\(error)")
            }
        }
    }

    func testConstraintsAndPerObjectiveCriteriaAreRead() throws {
        let spec = try load("""
        hyperopt_criterion: [eval/success_rate, time/fps]
        hydra:
          sweeper:
            direction: [maximize, maximize]
            constraints: [eval/collisions]
            search_space:
              ++lr: {type: float, low: 0.001, high: 0.1, log: true}
        """)
        XCTAssertEqual(spec.criteria, ["eval/success_rate", "time/fps"])
        XCTAssertEqual(spec.criterion, "eval/success_rate")
        XCTAssertEqual(spec.objectiveNames, ["eval/success_rate", "time/fps"])
        XCTAssertEqual(spec.constraints, ["eval/collisions"])
        XCTAssertThrowsError(try load("""
        hyperopt_criterion: [a, b, c]
        hydra:
          sweeper:
            direction: [maximize, maximize]
            search_space:
              ++lr: {type: float, low: 0.001, high: 0.1}
        """)) { error in
            XCTAssertEqual((error as? ConfigError)?.line, 1)
            XCTAssertTrue("\(error)".contains("lists 3 metrics but `direction` gives 2 objective(s)"), "\(error)")
        }
        // One objective with a constraint: a single name is a list of one.
        XCTAssertEqual(try load(Self.upstream.replacingOccurrences(of: "[minimize, maximize]", with: "minimize\n    constraints: cost")).constraints, ["cost"])
    }

    func testTheUpstreamSamplersAreReadWithOptunasOptionNames() throws {
        func sampler(_ text: String) throws -> SamplerSpec {
            try load(Self.upstream.replacingOccurrences(of: "    study_name: mo", with: "    study_name: mo\n    sampler: \(text)")).sampler
        }
        XCTAssertEqual(try sampler("motpe"), .tpe(TPEOptions()), "Optuna 5's TPE does several objectives; motpe is it")
        var nsga = NSGAIIOptions()
        nsga.populationSize = 20
        nsga.crossoverProb = 0.8
        XCTAssertEqual(try sampler("{type: nsgaii, population_size: 20, crossover_prob: 0.8}"), .nsgaii(nsga))
        XCTAssertEqual(try sampler("{_target_: optuna.samplers.NSGAIISampler, seed: 3}"), .nsgaii(NSGAIIOptions()))
        XCTAssertEqual(try sampler("{type: qmc, qmc_type: halton, scramble: true}"), .qmc(QMCOptions(qmcType: .halton, scramble: true)))
        XCTAssertThrowsError(try sampler("{type: nsgaii, crossover: sbx}")) { XCTAssertTrue("\($0)".contains("uniform crossover"), "\($0)") }
        XCTAssertThrowsError(try sampler("{type: nsgaii, mutation_prob: 2}")) { XCTAssertTrue("\($0)".contains("between 0 and 1"), "\($0)") }
        XCTAssertThrowsError(try sampler("{type: qmc, qmc_type: lattice}")) { XCTAssertTrue("\($0)".contains("`sobol` or `halton`"), "\($0)") }
        let one = Self.upstream.replacingOccurrences(of: "[minimize, maximize]", with: "minimize")
        let cma = try load(one.replacingOccurrences(of: "    study_name: mo", with: "    study_name: mo\n    sampler: {type: cmaes, sigma0: 0.2, popsize: 8}")).sampler
        XCTAssertEqual(cma, .cmaes(CMAESOptions(sigma0: 0.2, popsize: 8)))
    }

    /// A primary config that sets hydra.sweeper without naming a sweeper in its defaults list:
    /// Hydra itself refuses to compose it for every trial, so `check` and `run` say so first.
    func testAPrimaryConfigWithoutASweeperOverrideIsWarnedAbout() throws {
        let root = NSTemporaryDirectory() + "mo-primary-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/conf", withIntermediateDirectories: true)
        try "import hydra\n@hydra.main(version_base=None, config_path=\"conf\", config_name=\"config\")\ndef main(cfg):\n    return 1.0\n"
            .write(toFile: root + "/app.py", atomically: true, encoding: .utf8)
        let body = "x: 0\nhydra:\n  sweeper:\n    direction: [minimize, maximize]\n    params:\n      x: interval(0, 1)\n"
        try body.write(toFile: root + "/conf/config.yaml", atomically: true, encoding: .utf8)
        let warned = try ConfigLoader.check(path: root + "/conf/config.yaml").warnings
        XCTAssertEqual(warned.filter { $0.message.contains("no `override hydra/sweeper: optuna`") }.map(\.line), [3], "\(warned)")
        try ("defaults:\n  - override hydra/sweeper: optuna\n" + body).write(toFile: root + "/conf/config.yaml", atomically: true, encoding: .utf8)
        XCTAssertFalse(try ConfigLoader.check(path: root + "/conf/config.yaml").warnings.contains { $0.message.contains("hydra/sweeper") })
    }

    // MARK: scoring

    func scorer(objectives: Int, criteria: [String]? = nil, constraints: [String]? = nil) -> Scorer {
        var s = Scorer(rule: .last, criterion: criteria?.first ?? "r", lastN: 1)
        s.objectives = objectives
        s.criteria = criteria
        s.constraints = constraints
        s.objectiveNames = criteria ?? (0..<objectives).map { "values[\($0)]" }
        return s
    }

    func testScilabsReturnStaysOneObjective() {
        // (score, epochs, run_id): the callback writes value, epochs and the leading numbers.
        let returned = ReturnedValue(value: 0.35, epochs: 5, values: [0.35, 5])
        XCTAssertEqual(try scorer(objectives: 1).scored(MetricSeries([]), returned: .success(returned)).get().values, [0.35])
        XCTAssertEqual(try scorer(objectives: 2).scored(MetricSeries([]), returned: .success(returned)).get().values, [0.35, 5],
                       "the length of `direction` decides how many values are taken")
    }

    func testSeveralObjectivesComeFromATupleADictOrEachCriterion() throws {
        let two = scorer(objectives: 2)
        XCTAssertEqual(try two.scored(MetricSeries([]), returned: .success(ReturnedValue(value: 4, values: [4, 25, 7]))).get(),
                       Scored(values: [4, 25], constraints: nil, source: .returned))
        XCTAssertEqual(two.scored(MetricSeries([]), returned: .success(ReturnedValue(value: 4))).failure,
                       .tooFewValues(got: 1, objectives: 2))
        XCTAssertEqual(two.scored(MetricSeries([]), returned: nil).failure, .noObjectives(objectives: 2))
        let named = scorer(objectives: 2, criteria: ["reward", "cost"])
        XCTAssertEqual(try named.scored(MetricSeries([]), returned: .success(ReturnedValue(value: nil, named: ["cost": 2, "reward": 9]))).get().values,
                       [9, 2])
        let rows = [MetricRow(step: 0, values: ["reward": 1, "cost": 5]), MetricRow(step: 1, values: ["reward": 3, "cost": 4])]
        XCTAssertEqual(try named.scored(MetricSeries(rows)).get(), Scored(values: [3, 4], constraints: nil, source: .criterion),
                       "each objective is the score rule (last) over its own criterion")
        XCTAssertEqual(named.scored(MetricSeries([MetricRow(step: 0, values: ["reward": 1])])).failure, .neverLogged(criterion: "cost"))
        // (NaN is not equal to itself: compare the words.)
        XCTAssertEqual(two.scored(MetricSeries([]), returned: .success(ReturnedValue(value: 1, values: [1, .nan]))).failure?.description,
                       "objective 1 (values[1]) is not a finite number (nan)")
    }

    func testConstraintsComeFromTheReturnedDictOrTheLastLoggedValue() throws {
        let s = scorer(objectives: 1, constraints: ["c1", "c2"])
        let rows = [MetricRow(step: 0, values: ["r": 1, "c1": 3]), MetricRow(step: 1, values: ["r": 2, "c1": -1])]
        XCTAssertEqual(try s.scored(MetricSeries(rows), returned: .success(ReturnedValue(value: 0.5, named: ["c2": 0.25]))).get(),
                       Scored(values: [0.5], constraints: [-1, 0.25], source: .returned))
        XCTAssertEqual(s.scored(MetricSeries(rows)).failure, .constraintMissing(name: "c2"))
        XCTAssertEqual(s.scored(MetricSeries(rows + [MetricRow(step: 2, values: ["c2": .nan])])).failure, .constraintNotANumber(name: "c2"))
    }

    func testTheOutcomeCarriesTheValuesAndConstraints() {
        var s = scorer(objectives: 2, constraints: ["c"])
        s.objectiveNames = ["a", "b"]
        let facts = JobEndFacts(returned: .success(ReturnedValue(value: 1, values: [1, 2], named: [:])))
        let rows = [MetricRow(step: 0, values: ["c": 0.5])]
        let o = TrialOutcome.classify(number: 3, status: .exited(0), killedBecause: nil, pruned: false, metrics: MetricSeries(rows),
                                      facts: facts, scorer: s, at: Date(timeIntervalSince1970: 9))
        XCTAssertEqual(o.state, .complete)
        XCTAssertEqual(o.score, 1)
        XCTAssertEqual(o.values, [1, 2])
        XCTAssertEqual(o.constraints, [0.5])
        XCTAssertFalse(o.isFeasible)
        let failed = TrialOutcome.classify(number: 4, status: .exited(0), killedBecause: nil, pruned: false, metrics: MetricSeries([]),
                                           facts: facts, scorer: s, at: Date(timeIntervalSince1970: 9))
        XCTAssertEqual(failed.state, .failed)
        XCTAssertEqual(failed.reason, "constraint `c` was neither returned nor logged")
    }

    // MARK: the study

    func study(_ directions: [Direction], constraints: [String]? = nil, _ runs: [(set: Int, values: [Double], c: [Double]?)]) -> Study {
        var spec = StudySpec(studyName: "mo", maxTrials: 100, nJobs: 1, direction: directions[0],
                             space: SearchSpace([Parameter(name: "x", distribution: .float(low: 0, high: 10, log: false, step: nil))]))
        spec.directions = directions.count > 1 ? directions : nil
        spec.constraints = constraints
        var study = Study()
        study.apply(.started(StudyInfo(spec: spec, sweepDir: "/s", stopFile: "/s/stop", pauseFile: "/s/pause", startedAt: Date(timeIntervalSince1970: 0))))
        var sets: [Int: Int] = [:]
        for (n, run) in runs.enumerated() {
            let repeatIndex = sets[run.set, default: 0]
            sets[run.set] = repeatIndex + 1
            study.apply(.launched(TrialLaunch(number: n, paramSet: run.set, repeatIndex: repeatIndex, params: ["x": .float(Double(run.set))],
                                              runDir: "/s/\(n)", command: [], startedAt: Date(timeIntervalSince1970: Double(n)))))
            var o = TrialOutcome(number: n, state: .complete, score: run.values[0], reason: nil, exitStatus: 0, signal: nil,
                                 endedAt: Date(timeIntervalSince1970: Double(n) + 1))
            if directions.count > 1 { o.values = run.values }
            o.constraints = run.c
            study.apply(.finished(o))
        }
        return study
    }

    func testTheFrontIsTheParetoFrontOfTheSetMeansWithoutInfeasibleSets() {
        // minimize both: set 0 (1, 5), set 1 (2, 2) and (4, 4) → mean (3, 3), set 2 (4, 1), set 3 (5, 5) dominated,
        // set 4 (0, 0) would dominate all but is infeasible.
        let s = study([.minimize, .minimize], constraints: ["c"], [
            (0, [1, 5], [0]), (1, [2, 2], [-1]), (1, [4, 4], [-1]), (2, [4, 1], [-0.5]), (3, [5, 5], [0]), (4, [0, 0], [2]),
        ])
        XCTAssertEqual(s.front.map(\.paramSet), [0, 1, 2])
        XCTAssertEqual(s.paramSets[1].means, [3, 3])
        XCTAssertEqual(s.paramSets[1].intervals95?.count, 2)
        XCTAssertFalse(s.paramSets[4].isFeasible)
        XCTAssertEqual(s.best?.paramSet, 0, "the front's best in the first objective")
        let observations = s.observations
        XCTAssertEqual(observations.count, 5)
        XCTAssertEqual(observations[1].objectives, [3, 3])
        XCTAssertEqual(observations[4].constraints, [2])
        XCTAssertFalse(observations[4].isFeasible)
        // A maximized second objective turns the front around.
        XCTAssertEqual(study([.minimize, .maximize], [(0, [1, 5], nil), (1, [2, 2], nil), (2, [4, 6], nil)]).front.map(\.paramSet), [0, 2])
    }

    func testAnInfeasibleSetIsNeverBestOfOneObjective() {
        let s = study([.maximize], constraints: ["c"], [(0, [9], [1]), (1, [5], [0]), (2, [7], [0.5])])
        XCTAssertEqual(s.best?.paramSet, 1)
        XCTAssertEqual(s.front.map(\.paramSet), [1])
        XCTAssertEqual(s.observations.map(\.constraints), [[1], [0], [0.5]], "samplers see every set, with its constraints")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
