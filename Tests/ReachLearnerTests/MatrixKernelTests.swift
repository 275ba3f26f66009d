import XCTest
@testable import ReachLearner

/// The tiled kernels against the textbook triple loop, on sizes that hit both the 4 x 8 tiles and every tail.
final class MatrixKernelTests: XCTestCase {
    private func random(_ count: Int, _ rng: inout SeededRandom) -> [Float] {
        (0..<count).map { _ in Float(rng.uniform(-1, 1)) }
    }

    func testMultiplyMatchesTheTripleLoop() {
        var rng = SeededRandom(seed: 21)
        for (rows, k, n) in [(7, 10, 19), (8, 16, 16), (1, 3, 1), (5, 1, 9)] {
            let x = random(rows * k, &rng), w = random(k * n, &rng), bias = random(n, &rng)
            var y = [Float](repeating: .nan, count: rows * n)
            x.withUnsafeBufferPointer { x in
                w.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        y.withUnsafeMutableBufferPointer { y in
                            multiply(x.baseAddress!, w.baseAddress!, bias: b.baseAddress!, into: y.baseAddress!, rows: rows, k: k, n: n)
                        }
                    }
                }
            }
            for r in 0..<rows {
                for j in 0..<n {
                    let expected = (0..<k).reduce(Double(bias[j])) { $0 + Double(x[r * k + $1]) * Double(w[$1 * n + j]) }
                    XCTAssertEqual(Double(y[r * n + j]), expected, accuracy: 1e-4, "\(rows)x\(k)x\(n) at \(r),\(j)")
                }
            }
        }
    }

    func testTransposedProductAccumulatesIntoTheGradient() {
        var rng = SeededRandom(seed: 22)
        for (rows, k, n) in [(6, 9, 17), (4, 8, 8), (3, 2, 1)] {
            let x = random(rows * k, &rng), d = random(rows * n, &rng), start = random(k * n, &rng)
            var g = start
            x.withUnsafeBufferPointer { x in
                d.withUnsafeBufferPointer { d in
                    g.withUnsafeMutableBufferPointer { g in
                        accumulateTransposedProduct(x.baseAddress!, d.baseAddress!, into: g.baseAddress!, rows: rows, k: k, n: n)
                    }
                }
            }
            for i in 0..<k {
                for j in 0..<n {
                    let expected = (0..<rows).reduce(Double(start[i * n + j])) { $0 + Double(x[$1 * k + i]) * Double(d[$1 * n + j]) }
                    XCTAssertEqual(Double(g[i * n + j]), expected, accuracy: 1e-4, "\(rows)x\(k)x\(n) at \(i),\(j)")
                }
            }
        }
    }

    func testReLUMaskZeroesNonPositiveAndNaN() {
        var values: [Float] = [1, 2, 3, 4, 5, 6]
        let mask: [Float] = [0.5, 0, -1, .nan, 2, -0.0]
        values.withUnsafeMutableBufferPointer { v in
            mask.withUnsafeBufferPointer { m in zeroWhereNotPositive(v.baseAddress!, mask: m.baseAddress!, count: 6) }
        }
        XCTAssertEqual(values, [1, 0, 0, 0, 5, 0])
    }
}
