import XCTest
@testable import HyperOpt

final class ScoreTests: XCTestCase {
    func testWikiFormula() {
        // (mean(h) + mean(h[-3:])) / E
        let h = [0.0, 0.2, 0.4, 0.6, 0.8]
        XCTAssertEqual(ScoreRule.wiki.score(h, lastN: 3), (0.4 + 0.6) / 5, accuracy: 1e-12)
        XCTAssertEqual(ScoreRule.wiki.score([], lastN: 3), 0)
    }

    func testFewerEpochsScoreHigherUnderTheWikiFormula() {
        // An early-stopped run (fewer evaluations) with the same values scores higher, as in the original.
        XCTAssertGreaterThan(ScoreRule.wiki.score([0.9, 0.9, 0.9], lastN: 3), ScoreRule.wiki.score([0.9, 0.9, 0.9, 0.9, 0.9, 0.9], lastN: 3))
    }

    func testScilab2023FormulaMultipliesWhenNegative() {
        let pos = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]  // last = max(1, 10 // 5) = 2
        XCTAssertEqual(ScoreRule.scilab2023.score(pos, lastN: 3), (5.5 + 9.5) / 10, accuracy: 1e-12)
        let neg = pos.map { -$0 }
        XCTAssertEqual(ScoreRule.scilab2023.score(neg, lastN: 3), (-5.5 - 9.5) * 10, accuracy: 1e-12)
    }

    func testSimpleRules() {
        XCTAssertEqual(ScoreRule.last.score([1, 5, 2], lastN: 3), 2)
        XCTAssertEqual(ScoreRule.mean.score([1, 5, 3], lastN: 3), 3)
        XCTAssertEqual(ScoreRule.max.score([1, 5, 3], lastN: 3), 5)
    }

    func testReportedScoreWins() {
        let s = Scorer(rule: .wiki, criterion: "eval/success_rate", lastN: 3)
        let rows = [MetricRow(step: 1, values: ["eval/success_rate": 0.1]), MetricRow(values: ["hyperopt_score": 7])]
        XCTAssertEqual(s.score(rows), .success(7))
    }

    func testNeverLoggedNaNAndInfinityFail() {
        let s = Scorer(rule: .wiki, criterion: "eval/success_rate", lastN: 3)
        XCTAssertEqual(s.score([MetricRow(values: ["train/loss": 1])]), .failure(.neverLogged(criterion: "eval/success_rate")))
        XCTAssertEqual(s.score([MetricRow(step: 4, values: ["eval/success_rate": .nan])]), .failure(.notANumber(criterion: "eval/success_rate", step: 4)))
        XCTAssertEqual(s.score([MetricRow(values: ["hyperopt_score": .infinity])]), .failure(.nonFinite(.infinity)))
    }
}
