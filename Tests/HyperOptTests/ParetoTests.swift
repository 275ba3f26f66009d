@testable import HyperOpt
import XCTest

final class ParetoTests: XCTestCase {
    // MARK: Hand-checked cases

    func testLossesNegateMaximizedObjectives() {
        XCTAssertEqual(Pareto.losses([1, 2, -3], directions: [.minimize, .maximize, .maximize]), [1, -2, 3])
    }

    func testDominance() {
        XCTAssertTrue(Pareto.dominates([1, 2], [2, 2]))
        XCTAssertFalse(Pareto.dominates([2, 2], [1, 2]))
        XCTAssertFalse(Pareto.dominates([1, 2], [1, 2]), "equal points do not dominate each other")
        XCTAssertFalse(Pareto.dominates([1, 3], [2, 2]))
        XCTAssertFalse(Pareto.dominates([.nan, 0], [1, 1]), "a NaN point dominates nothing")
        XCTAssertTrue(Pareto.dominates([5, 5], [.nan, 0]), "a NaN point is beaten by any point without one")
        XCTAssertFalse(Pareto.dominates([.nan], [.nan]))
    }

    func testFrontKeepsCopiesAndDropsDominated() {
        let points: [[Double]] = [[1, 4], [2, 2], [3, 1], [2, 3], [2, 2], [4, 4]]
        XCTAssertEqual(Pareto.front(points), [0, 1, 2, 4])
        XCTAssertEqual(Pareto.ranks(points), [0, 0, 0, 1, 0, 2])
    }

    func testOneObjectiveRanksAreDense() {
        XCTAssertEqual(Pareto.ranks([[3], [1], [3], [2]]), [2, 0, 2, 1])
        XCTAssertEqual(Pareto.front([[3], [1], [3], [1]]), [1, 3])
    }

    func testThreeObjectives() {
        let points: [[Double]] = [[1, 2, 3], [3, 2, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]]
        XCTAssertEqual(Pareto.front(points), [0, 1, 2])
        XCTAssertEqual(Pareto.ranks(points), [0, 0, 0, 1, 2])
    }

    func testNaNIsNeverOnTheFrontAndRanksLast() {
        let points: [[Double]] = [[1, 1], [.nan, 0], [2, 2]]
        XCTAssertEqual(Pareto.front(points), [0])
        XCTAssertEqual(Pareto.ranks(points), [0, 2, 1])
        XCTAssertEqual(Pareto.front([[.nan, 1]]), [])
        XCTAssertEqual(Pareto.ranks([[.nan, 1], [1, .nan]]), [0, 0])
        XCTAssertEqual(Pareto.hypervolume([[.nan, 0], [0.5, 0.5]], reference: [1, 1]), 0.25)
        XCTAssertEqual(Pareto.front([]), [])
        XCTAssertEqual(Pareto.ranks([]), [])
    }

    func testInfiniteLossesAreOrdered() {
        XCTAssertEqual(Pareto.front([[0, .infinity], [1, .infinity], [2, 0]]), [0, 2])
        XCTAssertEqual(Pareto.ranks([[0, .infinity], [1, .infinity], [-.infinity, 5]]), [1, 2, 0])
    }

    func testConstrainedRanksPutFeasibleFirstThenByViolation() {
        let points: [[Double]] = [[1, 1], [2, 2], [0, 0], [0, 0], [5, 5]]
        XCTAssertEqual(Pareto.constrainedRanks(points, violations: [0, 0, 1, 2, 1]), [0, 1, 2, 3, 2])
        // No feasible point: the ranks start at 0 with the smallest violation.
        XCTAssertEqual(Pareto.constrainedRanks([[0, 0], [9, 9]], violations: [3, 0.5]), [1, 0])
    }

    /// Expected values from optuna.samplers.nsgaii._elite_population_selection_strategy
    /// ._calc_crowding_distance on the same points (trials with these `values`).
    func testCrowdingDistanceAsOptuna() {
        let inf = Double.infinity
        XCTAssertEqual(Pareto.crowdingDistance([[0, 4], [1, 2], [3, 1], [4, 0]]), [inf, 1.5, 1.25, inf])
        XCTAssertEqual(Pareto.crowdingDistance([[1, 0], [1, 1], [1, 2]]), [inf, 1, inf])
        XCTAssertEqual(Pareto.crowdingDistance([[0, inf], [1, 2], [2, 1], [inf, 0]]), [inf, inf, inf, inf])
        XCTAssertEqual(Pareto.crowdingDistance([[1, 1], [1, 1], [2, 0], [0, 2]]), [1, 1, inf, inf])
        XCTAssertEqual(Pareto.crowdingDistance([[5, 1]]), [0])
        XCTAssertEqual(Pareto.crowdingDistance([]), [])
    }

    func testHypervolumeByHand() {
        XCTAssertEqual(Pareto.hypervolume([[1, 2], [2, 1]], reference: [3, 3]), 3)
        XCTAssertEqual(Pareto.hypervolume([[1, 1, 1]], reference: [2, 3, 4]), 6)
        XCTAssertEqual(Pareto.hypervolume([[0, 0, 1], [1, 1, 0]], reference: [2, 2, 2]), 5)
        XCTAssertEqual(Pareto.hypervolume([[0, 0, 0, 1], [1, 1, 1, 0]], reference: [2, 2, 2, 2]), 9)
        XCTAssertEqual(Pareto.hypervolume([[0.5], [0.25]], reference: [1]), 0.75)
        // Outside the reference, or on its boundary: nothing added.
        XCTAssertEqual(Pareto.hypervolume([[1, 1], [3, 0], [2, 0]], reference: [2, 2]), 1)
        XCTAssertEqual(Pareto.hypervolume([], reference: [1, 1]), 0)
        XCTAssertEqual(Pareto.hypervolume([[-.infinity, 0]], reference: [1, 1]), .infinity)
        XCTAssertEqual(Pareto.hypervolume([[0, 0]], reference: [.infinity, 1]), .infinity)
    }

    func testContributionsByHand() {
        // Without [0, 0], [1, 1] still covers a quarter of its box.
        XCTAssertEqual(Pareto.contributions([[0, 0], [1, 1]], reference: [2, 2]), [3, 0])
        XCTAssertEqual(Pareto.contributions([[1, 2], [2, 1], [2, 2.5]], reference: [3, 3]), [1, 1, 0])
        XCTAssertEqual(Pareto.contributions([[1, 1], [1, 1], [3, 0]], reference: [2, 2]), [0, 0, 0])
        XCTAssertEqual(Pareto.contributions([[0, 0, 1], [1, 1, 0]], reference: [2, 2, 2]), [3, 1])
        XCTAssertEqual(Pareto.contributions([[0, 0, 0, 1], [1, 1, 1, 0]], reference: [2, 2, 2, 2]), [7, 1])
    }

    // MARK: Optuna's numbers

    /// Points from SplitMix64 (`SeededGenerator(seed:)`, `unit()` per coordinate, point after point);
    /// `grid` rounds to multiples of 1/grid (ties to even), `sphere` scales each point to norm 1.
    /// The same stream was rebuilt in Python (SplitMix64 in integers), and optuna 5.1's
    /// `_hypervolume.compute_hypervolume(L, ref)`, `study._multi_objective._fast_non_domination_rank(L)`,
    /// `_is_pareto_front(L, assume_unique_lexsorted=False)` and, for contributions,
    /// `hv - compute_hypervolume(np.delete(L, i, axis=0), ref)` gave the numbers below.
    private struct OptunaCase {
        let seed: UInt64, n: Int, m: Int, grid: Double?, sphere: Bool
        let hypervolume: Double
        let front: [Int]
        let rankCounts: [Int]
        let firstRanks: [Int]
        /// Contributions of the first five front points.
        let contributions: [Double]

        var reference: [Double] { Array(repeating: sphere ? 1.0 : 1.1, count: m) }

        var points: [[Double]] {
            var g = SeededGenerator(seed: seed)
            return (0..<n).map { _ in
                var p = (0..<m).map { _ in g.unit() }
                if let grid { p = p.map { ($0 * grid).rounded(.toNearestOrEven) / grid } }
                if sphere {
                    let norm = p.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    p = p.map { $0 / norm }
                }
                return p
            }
        }
    }

    private let optunaCases: [OptunaCase] = [
        OptunaCase(seed: 1, n: 200, m: 2, grid: nil, sphere: false, hypervolume: 1.1939836085453197,
                   front: [33, 49, 80, 132, 194],
                   rankCounts: [5, 7, 8, 11, 9, 14, 13, 12, 14, 7, 9, 8, 9, 6, 10, 6, 6, 9, 6, 6, 8, 5, 4, 3, 4, 1],
                   firstRanks: [17, 14, 15, 16, 11, 13, 13, 6, 19, 20, 1, 5, 1, 16, 5, 16, 10, 9, 17, 19],
                   contributions: [0.014581582694321193, 0.0021405746967204653, 0.0009948008257212315, 0.0027722367833886707, 0.0011518308465867655]),
        OptunaCase(seed: 2, n: 100, m: 3, grid: nil, sphere: false, hypervolume: 1.1302821517252832,
                   front: [6, 9, 12, 14, 19, 21, 27, 36, 49, 52, 55, 61, 63, 64, 67, 98],
                   rankCounts: [16, 24, 20, 14, 12, 9, 4, 1],
                   firstRanks: [4, 2, 2, 3, 3, 1, 0, 1, 4, 0, 2, 2, 0, 1, 0, 5, 2, 3, 3, 0],
                   contributions: [0.016907957449217026, 0.007515593344814775, 2.6865594578984187e-05, 0.00032405538094471, 1.5715414815042905e-05]),
        OptunaCase(seed: 3, n: 40, m: 4, grid: nil, sphere: false, hypervolume: 0.692368384677808,
                   front: [0, 1, 4, 6, 8, 9, 10, 11, 13, 14, 15, 17, 18, 20, 21, 23, 25, 26, 28, 29, 30, 31, 34, 35, 37, 38, 39],
                   rankCounts: [27, 11, 2],
                   firstRanks: [0, 0, 1, 1, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1],
                   contributions: [0.014827507110815263, 0.0022878934477852386, 0.06957467140170248, 0.004372993018614713, 0.004848301689728052]),
        // On a 0.1 grid: ties and copies.
        OptunaCase(seed: 4, n: 60, m: 3, grid: 10, sphere: false, hypervolume: 1.1580000000000004,
                   front: [7, 14, 19, 24, 29, 41, 42, 48, 49, 53, 55, 57],
                   rankCounts: [12, 9, 10, 6, 8, 7, 5, 2, 1],
                   firstRanks: [6, 2, 2, 6, 6, 4, 1, 0, 6, 3, 1, 4, 7, 4, 0, 5, 4, 3, 7, 0],
                   contributions: [0.0030000000000001137, 0.02100000000000013, 0.0020000000000000018, 0.039000000000000146, 0.0020000000000000018]),
        // Every point on the front: WFG's hard case.
        OptunaCase(seed: 5, n: 25, m: 4, grid: nil, sphere: true, hypervolume: 0.33628618998551885,
                   front: Array(0..<25), rankCounts: [25], firstRanks: Array(repeating: 0, count: 20),
                   contributions: [0.0011230916620640352, 0.0028649284877698133, 0.0011164566982596047, 0.0017951291085228638, 0.0045281281010112195]),
        OptunaCase(seed: 6, n: 300, m: 2, grid: 20, sphere: false, hypervolume: 1.2100000000000002,
                   front: [81],
                   rankCounts: [1, 5, 4, 5, 7, 10, 9, 14, 13, 11, 13, 9, 11, 16, 14, 14, 14, 16, 9, 12, 10, 11, 9, 10, 11, 7, 7, 8, 2, 4, 4, 2, 3, 3, 2],
                   firstRanks: [19, 1, 24, 5, 14, 8, 16, 5, 18, 17, 27, 6, 11, 21, 10, 22, 33, 7, 4, 23],
                   contributions: [0.020000000000000018]),
        OptunaCase(seed: 7, n: 12, m: 5, grid: nil, sphere: true, hypervolume: 0.25959266530691383,
                   front: Array(0..<12), rankCounts: [12], firstRanks: Array(repeating: 0, count: 12),
                   contributions: [0.011253601200154978, 0.006816221333831807, 0.011159559883009068, 0.0041305923417592205, 0.00668841124342251]),
    ]

    func testHypervolumeMatchesOptuna() {
        for c in optunaCases {
            XCTAssertEqual(Pareto.hypervolume(c.points, reference: c.reference), c.hypervolume, accuracy: 1e-12, "seed \(c.seed)")
        }
    }

    func testFrontAndRanksMatchOptuna() {
        for c in optunaCases {
            let points = c.points
            XCTAssertEqual(Pareto.front(points), c.front, "seed \(c.seed)")
            let ranks = Pareto.ranks(points)
            XCTAssertEqual(Array(ranks.prefix(20)), c.firstRanks, "seed \(c.seed)")
            var counts = Array(repeating: 0, count: (ranks.max() ?? 0) + 1)
            for r in ranks { counts[r] += 1 }
            XCTAssertEqual(counts, c.rankCounts, "seed \(c.seed)")
        }
    }

    func testContributionsMatchOptunaRemovals() {
        for c in optunaCases {
            let all = Pareto.contributions(c.points, reference: c.reference)
            let mine = c.front.prefix(5).map { all[$0] }
            XCTAssertEqual(mine.count, c.contributions.count)
            for (a, b) in zip(mine, c.contributions) { XCTAssertEqual(a, b, accuracy: 1e-12, "seed \(c.seed)") }
            // Points off the front contribute nothing.
            let onFront = Set(c.front)
            XCTAssertTrue(all.indices.filter { !onFront.contains($0) }.allSatisfy { all[$0] == 0 }, "seed \(c.seed)")
        }
    }

    // MARK: Consistency and speed

    /// The front is rank 0, and every point of rank r > 0 is dominated by some point of rank r - 1.
    func testRanksAgreeWithDominance() {
        for m in 2...4 {
            var g = SeededGenerator(seed: UInt64(40 + m))
            let points = (0..<150).map { _ in (0..<m).map { _ in (g.unit() * 8).rounded() } }
            let ranks = Pareto.ranks(points)
            XCTAssertEqual(Pareto.front(points), points.indices.filter { ranks[$0] == 0 })
            for i in points.indices where ranks[i] > 0 {
                XCTAssertTrue(points.indices.contains { ranks[$0] == ranks[i] - 1 && Pareto.dominates(points[$0], points[i]) })
                XCTAssertFalse(points.indices.contains { ranks[$0] >= ranks[i] && Pareto.dominates(points[$0], points[i]) })
            }
        }
    }

    /// Each point's contribution is what the hypervolume loses without it (3 objectives take the
    /// slicing path for the whole and for each removal).
    func testContributionsAreRemovalLosses() {
        var g = SeededGenerator(seed: 11)
        let points = (0..<30).map { _ in (0..<3).map { _ in g.unit() } }
        let reference = [1.0, 1.0, 1.0]
        let total = Pareto.hypervolume(points, reference: reference)
        let contributions = Pareto.contributions(points, reference: reference)
        for i in points.indices {
            var rest = points
            rest.remove(at: i)
            XCTAssertEqual(contributions[i], total - Pareto.hypervolume(rest, reference: reference), accuracy: 1e-12)
        }
    }

    func testLargeFrontsAreFast() {
        var g = SeededGenerator(seed: 3)
        let two = (0..<100_000).map { _ in [g.unit(), g.unit()] }
        let three = (0..<100_000).map { _ in [g.unit(), g.unit(), g.unit()] }
        let start = Date()
        let front2 = Pareto.front(two), front3 = Pareto.front(three)
        _ = Pareto.hypervolume(three, reference: [1, 1, 1])
        // Brute force agrees on the 2-objective front (it is small, so checking it is cheap).
        for i in front2 { XCTAssertFalse(front2.contains { Pareto.dominates(two[$0], two[i]) }) }
        XCTAssertFalse(front3.isEmpty)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "O(n log n) front on 100,000 points")
    }
}
