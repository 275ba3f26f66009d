import Foundation

/// Sobol' points in [0, 1)^d (d ≤ 21), in Gray-code order as scipy.stats.qmc.Sobol gives them.
/// Their balance is the point of them: any 2^k consecutive points from the start put one point
/// in each of the 2^k equal slices of every axis. Two samplers draw from here: `sampler: gp` its
/// first `n_startup_trials` (scrambled by a digital shift), and `sampler: qmc` every trial
/// (unscrambled, or scrambled as scipy scrambles: a linear matrix scramble and a digital shift).
public struct Sobol: Sendable {
    /// How the points are randomised. Both keep the balance; the seed fixes the whole sequence.
    public enum Scrambling: Sendable, Hashable {
        /// scipy's `scramble=False`: the first point is the origin.
        case none
        /// Every coordinate XORed with a seeded mask (the GP's startup points).
        case shift(seed: UInt64)
        /// scipy's `scramble=True`: each dimension's direction numbers multiplied by a seeded
        /// random lower-triangular binary matrix (linear matrix scramble, each digit mixed with
        /// the coarser ones only, so slices stay slices), then a seeded digital shift.
        case matrixAndShift(seed: UInt64)
    }

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
    /// Binary digits per coordinate (scipy's default): 2^30 distinct points.
    static let bits = 30

    public let dimension: Int
    /// Per dimension, the (possibly scrambled) direction numbers v₁…v_bits, as integers over 2^bits.
    let directions: [[UInt32]]
    let shift: [UInt32]

    /// nil above `maximumDimension`. With a seed, the points are shifted by that seed's masks.
    public init?(dimension: Int, scrambleSeed: UInt64? = nil) {
        self.init(dimension: dimension, scrambling: scrambleSeed.map { .shift(seed: $0) } ?? .none)
    }

    /// nil above `maximumDimension` (and below 1).
    public init?(dimension: Int, scrambling: Scrambling) {
        guard dimension >= 1, dimension <= Self.maximumDimension else { return nil }
        self.dimension = dimension
        let b = Self.bits
        let plain = Self.table.prefix(dimension).map { poly, initial in
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
        let mask: UInt32 = (1 << UInt32(b)) - 1
        switch scrambling {
        case .none:
            directions = plain
            shift = [UInt32](repeating: 0, count: dimension)
        case .shift(let seed):
            // The GP's startup points depend on these very draws: keep their order.
            var g = SeededGenerator(seed: seed)
            directions = plain
            shift = (0..<dimension).map { _ in UInt32(truncatingIfNeeded: g.next()) & mask }
        case .matrixAndShift(let seed):
            var g = SeededGenerator(seed: seed)
            shift = (0..<dimension).map { _ in UInt32(truncatingIfNeeded: g.next()) & mask }
            directions = plain.map { v in
                let rows = Self.lowerTriangularRows(using: &g)
                return v.map { Self.multiply(rows, $0) }
            }
        }
    }

    /// A random invertible lower-triangular binary matrix, row p as a mask over the digits
    /// (digit p, the p-th after the binary point, sits at bit `bits - 1 - p`): ones on the
    /// diagonal, random bits on the coarser digits, none on the finer ones.
    static func lowerTriangularRows(using g: inout SeededGenerator) -> [UInt32] {
        let b = bits
        return (0..<b).map { p in
            let diagonal = UInt32(1) << UInt32(b - 1 - p)
            let coarser = ~(diagonal &* 2 &- 1) & ((1 << UInt32(b)) - 1)
            return diagonal | (UInt32(truncatingIfNeeded: g.next()) & coarser)
        }
    }

    /// The matrix times the digit vector `v` over GF(2): digit p of the result is the parity of
    /// row p and `v`.
    static func multiply(_ rows: [UInt32], _ v: UInt32) -> UInt32 {
        var out: UInt32 = 0
        for (p, row) in rows.enumerated() where (row & v).nonzeroBitCount & 1 == 1 {
            out |= 1 << UInt32(bits - 1 - p)
        }
        return out
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
