import Foundation
import XCTest
@testable import HyperOpt

/// `sampler: qmc`: Optuna's very values from the unscrambled sequences, and the balance, the
/// seeding and the seed's reach of the scrambled ones (scipy scrambles with numpy's generator,
/// which hypertop does not reproduce).
final class QMCSamplerTests: XCTestCase {
    static let spaceA = SearchSpace([
        Parameter(name: "x", distribution: .float(low: -1, high: 2, log: false, step: nil)),
        Parameter(name: "lr", distribution: .float(low: 1e-4, high: 1e-1, log: true, step: nil)),
        Parameter(name: "n", distribution: .int(low: 1, high: 10, log: false, step: 1)),
        Parameter(name: "c", distribution: .categorical(choices: [.string("a"), .string("b"), .string("c")])),
    ])
    static let spaceB = SearchSpace([
        Parameter(name: "s", distribution: .float(low: 0, high: 1, log: false, step: 0.25)),
        Parameter(name: "k", distribution: .int(low: 1, high: 100, log: true, step: 1)),
        Parameter(name: "m", distribution: .int(low: 0, high: 12, log: false, step: 3)),
        Parameter(name: "b", distribution: .categorical(choices: [.bool(true), .bool(false)])),
    ])

    // Made with Optuna 5.1 (scipy 1.17.1) in /work/main/.venv:
    //   def space_a(t): t.suggest_float("x", -1.0, 2.0); t.suggest_float("lr", 1e-4, 1e-1, log=True)
    //                   t.suggest_int("n", 1, 10); t.suggest_categorical("c", ["a", "b", "c"])
    //   def space_b(t): t.suggest_float("s", 0.0, 1.0, step=0.25); t.suggest_int("k", 1, 100, log=True)
    //                   t.suggest_int("m", 0, 12, step=3); t.suggest_categorical("b", [True, False])
    //   study = optuna.create_study(sampler=optuna.samplers.QMCSampler(qmc_type=..., scramble=False, seed=0))
    //   study.optimize(lambda t: (space(t), 0.0)[1], n_trials=17)
    //   [list(t.params.values()) for t in study.trials[1:]]
    // Optuna's trial 0 is random (it learns the space from it); its trial n + 1 is hypertop's trial n.
    static let sobolA: [[ParamValue]] = [
        [.float(-1.0), .float(0.00010000000000000009), .int(1), .string("a")],
        [.float(0.5), .float(0.003162277660168382), .int(6), .string("b")],
        [.float(1.25), .float(0.0005623413251903495), .int(3), .string("a")],
        [.float(-0.25), .float(0.01778279410038924), .int(8), .string("c")],
        [.float(0.125), .float(0.0013335214321633251), .int(7), .string("c")],
        [.float(1.625), .float(0.04216965034285825), .int(2), .string("b")],
        [.float(0.875), .float(0.00023713737056616573), .int(9), .string("b")],
        [.float(-0.625), .float(0.007498942093324564), .int(4), .string("a")],
        [.float(-0.4375), .float(0.000865964323360066), .int(10), .string("b")],
        [.float(1.0625), .float(0.027384196342643632), .int(5), .string("c")],
        [.float(1.8125), .float(0.00015399265260594933), .int(7), .string("a")],
        [.float(0.3125), .float(0.004869675251658635), .int(2), .string("c")],
        [.float(-0.0625), .float(0.000365174127254838), .int(4), .string("b")],
        [.float(1.4375), .float(0.01154781984689459), .int(9), .string("a")],
        [.float(0.6875), .float(0.0020535250264571477), .int(1), .string("c")],
        [.float(-0.8125), .float(0.06493816315762117), .int(6), .string("a")],
    ]
    static let haltonA: [[ParamValue]] = [
        [.float(-1.0), .float(0.00010000000000000009), .int(1), .string("a")],
        [.float(0.5), .float(0.0010000000000000002), .int(3), .string("a")],
        [.float(-0.25), .float(0.010000000000000004), .int(5), .string("a")],
        [.float(1.25), .float(0.0002154434690031884), .int(7), .string("b")],
        [.float(-0.625), .float(0.0021544346900318864), .int(9), .string("b")],
        [.float(0.875), .float(0.02154434690031883), .int(1), .string("c")],
        [.float(0.125), .float(0.0004641588833612784), .int(3), .string("c")],
        [.float(1.625), .float(0.004641588833612781), .int(5), .string("a")],
        [.float(-0.8125), .float(0.046415888336127815), .int(7), .string("a")],
        [.float(0.6875), .float(0.00012915496650148846), .int(9), .string("a")],
        [.float(-0.0625), .float(0.001291549665014885), .int(1), .string("b")],
        [.float(1.4375), .float(0.012915496650148853), .int(3), .string("b")],
        [.float(-0.4375), .float(0.0002782559402207129), .int(5), .string("c")],
        [.float(1.0625), .float(0.002782559402207127), .int(7), .string("c")],
        [.float(0.3125), .float(0.02782559402207123), .int(9), .string("a")],
        [.float(1.8125), .float(0.0005994842503189415), .int(2), .string("a")],
    ]
    static let sobolB: [[ParamValue]] = [
        [.float(0.0), .int(1), .int(0), .bool(true)],
        [.float(0.5), .int(7), .int(6), .bool(false)],
        [.float(0.75), .int(2), .int(3), .bool(true)],
        [.float(0.25), .int(27), .int(9), .bool(false)],
        [.float(0.25), .int(4), .int(9), .bool(false)],
        [.float(1.0), .int(52), .int(0), .bool(true)],
        [.float(0.75), .int(1), .int(12), .bool(false)],
        [.float(0.0), .int(14), .int(3), .bool(true)],
        [.float(0.0), .int(3), .int(12), .bool(true)],
        [.float(0.75), .int(37), .int(6), .bool(false)],
        [.float(1.0), .int(1), .int(9), .bool(true)],
        [.float(0.5), .int(10), .int(0), .bool(false)],
        [.float(0.25), .int(1), .int(3), .bool(false)],
        [.float(1.0), .int(19), .int(12), .bool(true)],
        [.float(0.5), .int(5), .int(0), .bool(false)],
        [.float(0.0), .int(72), .int(6), .bool(true)],
    ]
    static let haltonB: [[ParamValue]] = [
        [.float(0.0), .int(1), .int(0), .bool(true)],
        [.float(0.5), .int(3), .int(3), .bool(true)],
        [.float(0.25), .int(17), .int(6), .bool(true)],
        [.float(0.75), .int(1), .int(9), .bool(true)],
        [.float(0.0), .int(5), .int(12), .bool(false)],
        [.float(0.75), .int(31), .int(0), .bool(false)],
        [.float(0.25), .int(2), .int(3), .bool(false)],
        [.float(1.0), .int(10), .int(6), .bool(true)],
        [.float(0.0), .int(56), .int(9), .bool(true)],
        [.float(0.5), .int(1), .int(12), .bool(true)],
        [.float(0.25), .int(4), .int(0), .bool(true)],
        [.float(1.0), .int(21), .int(3), .bool(false)],
        [.float(0.0), .int(1), .int(6), .bool(false)],
        [.float(0.75), .int(6), .int(9), .bool(false)],
        [.float(0.5), .int(38), .int(12), .bool(true)],
        [.float(1.0), .int(2), .int(0), .bool(true)],
    ]

    /// Trial `trial`'s values, in the space's order.
    func ask(_ options: QMCOptions, _ space: SearchSpace, trial: Int, seed: UInt64 = 0, attempt: Int = 0,
             excluded: Set<ParamKey> = []) throws -> [ParamValue] {
        let context = SamplingContext(space: space, direction: .minimize, trialNumber: trial, seed: seed, attempt: attempt,
                                      excluded: excluded)
        let params = try XCTUnwrap(QMCSampler(options: options).proposal(context))
        XCTAssertEqual(params.count, space.parameters.count)
        return space.parameters.map { params[$0.name] ?? .null }
    }

    func params(_ values: [ParamValue], _ space: SearchSpace) -> Params {
        Dictionary(uniqueKeysWithValues: zip(space.parameters.map(\.name), values))
    }

    func testUnscrambledSequencesGiveOptunasValues() throws {
        let cases: [(QMCOptions.Sequence, SearchSpace, [[ParamValue]], String)] = [
            (.sobol, Self.spaceA, Self.sobolA, "sobol A"), (.halton, Self.spaceA, Self.haltonA, "halton A"),
            (.sobol, Self.spaceB, Self.sobolB, "sobol B"), (.halton, Self.spaceB, Self.haltonB, "halton B"),
        ]
        for (type, space, expected, label) in cases {
            for (n, values) in expected.enumerated() {
                XCTAssertEqual(try ask(QMCOptions(qmcType: type), space, trial: n), values, "\(label), trial \(n)")
            }
        }
    }

    func testUnscrambledSequencesIgnoreTheSeed() throws {
        for type in QMCOptions.Sequence.allCases {
            for n in [0, 5, 11] {
                XCTAssertEqual(try ask(QMCOptions(qmcType: type), Self.spaceA, trial: n, seed: 987_654),
                               try ask(QMCOptions(qmcType: type), Self.spaceA, trial: n, seed: 0), "\(type), trial \(n)")
            }
        }
        XCTAssertEqual(QMCSampler().options, QMCOptions(qmcType: .sobol, scramble: false), "Optuna's defaults")
    }

    func testHaltonPointsAreScipys() throws {
        // scipy.stats.qmc.Halton(4, scramble=False).random(4), and after .fast_forward(1000) .random(2).
        let h = try XCTUnwrap(Halton(dimension: 4))
        XCTAssertEqual(h.bases, [2, 3, 5, 7])
        XCTAssertEqual(h.point(0), [0.0, 0.0, 0.0, 0.0])
        XCTAssertEqual(h.point(1), [0.5, 0.3333333333333333, 0.2, 0.14285714285714285])
        XCTAssertEqual(h.point(2), [0.25, 0.6666666666666666, 0.4, 0.2857142857142857])
        XCTAssertEqual(h.point(3), [0.75, 0.1111111111111111, 0.6000000000000001, 0.42857142857142855])
        XCTAssertEqual(h.point(1000), [0.0927734375, 0.3475080018289895, 0.00512, 0.9162848812994586])
        XCTAssertEqual(h.point(1001), [0.5927734375, 0.6808413351623227, 0.20512, 0.07955018742190753])
        XCTAssertNil(Halton(dimension: 0))
        XCTAssertEqual(Halton.primes(10), [2, 3, 5, 7, 11, 13, 17, 19, 23, 29])
    }

    /// A space whose values show each point's sixteenth on every axis exactly: u * 16 for the
    /// float, floor(u * 16) for the int (range widened by half a step), floor(u * 4) for the choice.
    static let sixteenths = SearchSpace([
        Parameter(name: "f", distribution: .float(low: 0, high: 16, log: false, step: nil)),
        Parameter(name: "i", distribution: .int(low: 0, high: 15, log: false, step: 1)),
        Parameter(name: "g", distribution: .float(low: 0, high: 16, log: false, step: nil)),
        Parameter(name: "c", distribution: .categorical(choices: [.int(0), .int(1), .int(2), .int(3)])),
    ])

    func testScrambledSobolTrialsAreBalancedSeededAndDifferBySeed() throws {
        let options = QMCOptions(qmcType: .sobol, scramble: true)
        for seed: UInt64 in [1, 2, 77] {
            let trials = try (0..<16).map { try ask(options, Self.sixteenths, trial: $0, seed: seed) }
            // One scramble for the whole study: the 16 trials together put one point in each sixteenth.
            for axis in [0, 2] {
                let cells = trials.map { Int($0[axis].number ?? -1) }
                XCTAssertEqual(Set(cells), Set(0..<16), "seed \(seed), float axis \(axis)")
            }
            XCTAssertEqual(Set(trials.map { $0[1] }), Set((0..<16).map { ParamValue.int($0) }), "seed \(seed), int axis")
            for choice in 0..<4 {
                XCTAssertEqual(trials.filter { $0[3] == .int(choice) }.count, 4, "seed \(seed), choice \(choice)")
            }
            XCTAssertTrue(trials.allSatisfy { t in t.enumerated().allSatisfy { Self.sixteenths.parameters[$0.offset].distribution.contains($0.element) } })
            XCTAssertNotEqual(trials[0], [.float(0), .int(0), .float(0), .int(0)], "scrambled: trial 0 is not the low corner")
            XCTAssertEqual(try ask(options, Self.sixteenths, trial: 9, seed: seed), trials[9], "the same seed, the same trial")
        }
        XCTAssertNotEqual(try ask(options, Self.sixteenths, trial: 3, seed: 1), try ask(options, Self.sixteenths, trial: 3, seed: 2))
    }

    func testSobolScrambleMixesDigitsAndKeepsTheNet() throws {
        let q = Double(1 << 30)
        func digits(_ p: [Double]) -> [Int] { p.map { Int($0 * q) } }
        let plain = try XCTUnwrap(Sobol(dimension: 3))
        let shifted = try XCTUnwrap(Sobol(dimension: 3, scrambling: .shift(seed: 7)))
        let mixed = try XCTUnwrap(Sobol(dimension: 3, scrambling: .matrixAndShift(seed: 7)))
        func unshifted(_ s: Sobol, _ i: Int) -> [Int] { zip(digits(s.point(i)), digits(s.point(0))).map { $0 ^ $1 } }
        // A shift alone leaves point i XOR point 0 as the plain point; the matrix changes it.
        XCTAssertTrue((1..<32).allSatisfy { unshifted(shifted, $0) == digits(plain.point($0)) })
        XCTAssertFalse((1..<32).allSatisfy { unshifted(mixed, $0) == digits(plain.point($0)) })
        XCTAssertEqual(Sobol(dimension: 3, scrambleSeed: 7)?.point(5), shifted.point(5), "scrambleSeed is the shift")

        let wide = try XCTUnwrap(Sobol(dimension: 21, scrambling: .matrixAndShift(seed: 3)))
        for (start, count) in [(0, 64), (64, 64), (0, 256)] {
            let points = (start..<(start + count)).map { wide.point($0) }
            for axis in 0..<21 {
                XCTAssertEqual(Set(points.map { Int($0[axis] * Double(count)) }).count, count, "points \(start)..., axis \(axis)")
            }
            XCTAssertTrue(points.allSatisfy { $0.allSatisfy { $0 >= 0 && $0 < 1 } })
        }
        let first16 = (0..<16).map { mixed.point($0) }
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            XCTAssertEqual(Set(first16.map { Int($0[i] * 4) * 4 + Int($0[j] * 4) }).count, 16, "axes \(i), \(j)")
        }
        XCTAssertEqual(Sobol(dimension: 3, scrambling: .matrixAndShift(seed: 7))?.point(11), mixed.point(11))
        XCTAssertNotEqual(Sobol(dimension: 3, scrambling: .matrixAndShift(seed: 8))?.point(11), mixed.point(11))
    }

    func testScrambledHaltonIsBalancedSeededAndDiffersBySeed() throws {
        let h = try XCTUnwrap(Halton(dimension: 3, scrambleSeed: 5))
        // The first base^k points put one point in each base^k-th of the axis of that base.
        for (axis, count) in [(0, 16), (0, 64), (1, 9), (1, 27), (2, 25)] {
            let cells = (0..<count).map { Int(h.point($0)[axis] * Double(count)) }
            XCTAssertEqual(Set(cells), Set(0..<count), "axis \(axis), \(count) points")
        }
        XCTAssertTrue((0..<200).allSatisfy { h.point($0).allSatisfy { $0 >= 0 && $0 < 1 } })
        XCTAssertNotEqual(h.point(0), [0, 0, 0], "scrambled: the first point is not the origin")
        XCTAssertEqual(Halton(dimension: 3, scrambleSeed: 5)?.point(17), h.point(17))
        XCTAssertNotEqual(Halton(dimension: 3, scrambleSeed: 6)?.point(17), h.point(17))

        let options = QMCOptions(qmcType: .halton, scramble: true)
        let trials = try (0..<16).map { try ask(options, Self.sixteenths, trial: $0, seed: 4) }
        XCTAssertEqual(Set(trials.map { Int($0[0].number ?? -1) }), Set(0..<16), "the base-2 axis, one point per sixteenth")
        XCTAssertEqual(try ask(options, Self.sixteenths, trial: 6, seed: 4), trials[6])
        XCTAssertNotEqual(try ask(options, Self.sixteenths, trial: 6, seed: 5), trials[6])
        XCTAssertNotEqual(trials, try (0..<16).map { try ask(QMCOptions(qmcType: .halton), Self.sixteenths, trial: $0) })
    }

    func testAnExcludedPointGivesWayToTheNextOne() throws {
        let sobol = QMCOptions()
        let skip3 = Set([ParamKey(params(Self.sobolA[3], Self.spaceA), space: Self.spaceA)])
        XCTAssertEqual(try ask(sobol, Self.spaceA, trial: 3, excluded: skip3), Self.sobolA[4])
        let skip3and4 = skip3.union([ParamKey(params(Self.sobolA[4], Self.spaceA), space: Self.spaceA)])
        XCTAssertEqual(try ask(sobol, Self.spaceA, trial: 3, excluded: skip3and4), Self.sobolA[5])
        XCTAssertEqual(try ask(sobol, Self.spaceA, trial: 2, excluded: skip3and4), Self.sobolA[2], "only the excluded are passed over")
    }

    func testARetryStartsOneScanFurther() throws {
        for type in QMCOptions.Sequence.allCases {
            let options = QMCOptions(qmcType: type, scramble: true)
            let retry = try ask(options, Self.spaceA, trial: 2, seed: 9, attempt: 1)
            XCTAssertEqual(retry, try ask(options, Self.spaceA, trial: 2 + QMCSampler.scanLength, seed: 9), "\(type)")
            XCTAssertNotEqual(retry, try ask(options, Self.spaceA, trial: 2, seed: 9), "\(type)")
        }
    }

    func testSobolPast21ParametersWalksHalton() throws {
        let space = SearchSpace((0..<22).map { Parameter(name: "p\($0)", distribution: .float(low: 0, high: 1, log: false, step: nil)) })
        let halton = try XCTUnwrap(Halton(dimension: 22))
        XCTAssertEqual(try ask(QMCOptions(qmcType: .sobol), space, trial: 3), halton.point(3).map { .float($0) })
        XCTAssertEqual(try ask(QMCOptions(qmcType: .halton), space, trial: 3), halton.point(3).map { .float($0) })
        let empty = SearchSpace([])
        XCTAssertEqual(QMCSampler().proposal(SamplingContext(space: empty, direction: .minimize, trialNumber: 0, seed: 0)), Params())
    }

    func testOptionsDecodeWithOptunasDefaults() throws {
        let decoder = JSONDecoder()
        XCTAssertEqual(try decoder.decode(QMCOptions.self, from: Data("{}".utf8)), QMCOptions(qmcType: .sobol, scramble: false))
        XCTAssertEqual(try decoder.decode(QMCOptions.self, from: Data(#"{"qmcType":"halton"}"#.utf8)), QMCOptions(qmcType: .halton))
        let options = QMCOptions(qmcType: .halton, scramble: true)
        XCTAssertEqual(try decoder.decode(QMCOptions.self, from: JSONEncoder().encode(options)), options)
        XCTAssertThrowsError(try decoder.decode(QMCOptions.self, from: Data(#"{"qmcType":"lhs"}"#.utf8)))
    }
}
