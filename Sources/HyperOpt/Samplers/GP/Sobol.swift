import Foundation

/// Sobol' points in [0, 1)^d (d ≤ 21), in Gray-code order as scipy.stats.qmc.Sobol gives them,
/// optionally scrambled by a random digital shift (XOR of every coordinate with a seeded mask),
/// which keeps their balance: any 2^k consecutive points from the start put one point in each
/// of the 2^k equal slices of every axis. `sampler: gp` draws its first `n_startup_trials` here,
/// so a few trials already cover the space evenly.
public struct Sobol: Sendable {
    /// Joe and Kuo's primitive polynomials (with their leading and trailing 1 bits) and initial
    /// direction numbers for the first 21 dimensions (new-joe-kuo-6.21201, as scipy ships them).
    static let table: [(poly: UInt32, m: [UInt32])] = [
        (1, [1]), (3, [1]), (7, [1, 3]), (11, [1, 3, 1]), (13, [1, 1, 1]), (19, [1, 1, 3, 3]),
        (25, [1, 3, 5, 13]), (37, [1, 1, 5, 5, 17]), (41, [1, 1, 5, 5, 5]), (47, [1, 1, 7, 11, 19]),
        (55, [1, 1, 5, 1, 1]), (59, [1, 1, 1, 3, 11]), (61, [1, 3, 5, 5, 31]), (67, [1, 3, 3, 9, 7, 49]),
        (91, [1, 1, 1, 15, 21, 21]), (97, [1, 3, 1, 13, 27, 49]), (103, [1, 1, 1, 15, 7, 5]),
        (109, [1, 3, 1, 15, 13, 25]), (115, [1, 1, 5, 5, 19, 61]), (131, [1, 3, 7, 11, 23, 15, 103]),
        (137, [1, 3, 7, 13, 13, 15, 69]),
    ]
    public static let maximumDimension = table.count
    static let bits = 30

    public let dimension: Int
    /// Per dimension, the direction numbers v₁…v_bits (as integers over 2^bits).
    let directions: [[UInt32]]
    let shift: [UInt32]

    /// nil above `maximumDimension`. With a seed, the points are shifted by that seed's masks.
    public init?(dimension: Int, scrambleSeed: UInt64? = nil) {
        guard dimension >= 1, dimension <= Self.maximumDimension else { return nil }
        self.dimension = dimension
        let b = Self.bits
        directions = Self.table.prefix(dimension).map { poly, initial in
            var m = [UInt32](repeating: 0, count: b)
            if poly == 1 {
                for k in 0..<b { m[k] = 1 }
            } else {
                let s = 31 - poly.leadingZeroBitCount // the polynomial's degree
                for k in 0..<min(s, b) { m[k] = initial[k] }
                for k in s..<max(s, b) {
                    var v = m[k - s] ^ (m[k - s] << UInt32(s))
                    for i in 1..<s where (poly >> UInt32(s - i)) & 1 == 1 { v ^= m[k - i] << UInt32(i) }
                    m[k] = v
                }
            }
            return (0..<b).map { m[$0] << UInt32(b - 1 - $0) }
        }
        if let scrambleSeed {
            var g = SeededGenerator(seed: scrambleSeed)
            shift = (0..<dimension).map { _ in UInt32(truncatingIfNeeded: g.next()) & ((1 << UInt32(b)) - 1) }
        } else {
            shift = [UInt32](repeating: 0, count: dimension)
        }
    }

    /// The point of index `index` (0, 1, 2, ...).
    public func point(_ index: Int) -> [Double] {
        let gray = UInt64(index) ^ (UInt64(index) >> 1)
        let scale = 1 / Double(1 << Self.bits)
        return (0..<dimension).map { j in
            var x: UInt32 = 0
            var rest = gray, k = 0
            while rest != 0 && k < Self.bits {
                if rest & 1 == 1 { x ^= directions[j][k] }
                rest >>= 1
                k += 1
            }
            return Double(x ^ shift[j]) * scale
        }
    }
}
