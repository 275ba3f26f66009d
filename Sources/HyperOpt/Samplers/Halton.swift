import Foundation

/// Halton points in [0, 1)^d, as scipy.stats.qmc.Halton gives them: coordinate j of point n is
/// n's digits in the j-th prime base read backwards after the radix point (the van der Corput
/// sequence), so the first b^k points put one point in each of the b^k equal slices of the
/// axis of base b. Any number of dimensions; the higher ones (large bases) fill their axis
/// slowly and in stripes, which scrambling breaks up.
public struct Halton: Sendable {
    public let dimension: Int
    /// The first `dimension` primes: 2, 3, 5, ...
    public let bases: [Int]
    /// Scrambled: per dimension, one permutation of the digits 0..<base for each digit place
    /// down to the precision of a Double (scipy's count, Owen's randomized Halton); the
    /// permutation is applied to every place, the zeros past n's last digit included. Empty
    /// when not scrambled.
    let permutations: [[[Int]]]

    /// nil below one dimension. With a seed, the digits are scrambled by that seed's permutations.
    public init?(dimension: Int, scrambleSeed: UInt64? = nil) {
        guard dimension >= 1 else { return nil }
        self.dimension = dimension
        bases = Self.primes(dimension)
        guard let scrambleSeed else {
            permutations = []
            return
        }
        var g = SeededGenerator(seed: scrambleSeed)
        permutations = bases.map { base in
            // Places whose weight base^-k still shows in a Double: base^-k > 2^-54.
            let places = Int((54 / log2(Double(base))).rounded(.up)) - 1
            return (0..<places).map { _ in
                var p = Array(0..<base)
                for i in stride(from: base - 1, to: 0, by: -1) { p.swapAt(i, Int(g.next() % UInt64(i + 1))) }
                return p
            }
        }
    }

    /// The point of index `index` (0, 1, 2, ...); the first is the origin when not scrambled.
    public func point(_ index: Int) -> [Double] {
        let n = max(index, 0)
        return (0..<dimension).map { j in
            let base = bases[j]
            // Summed coarsest digit first, as scipy sums, so the unscrambled points are scipy's to the bit.
            var x = 0.0, weight = 1.0 / Double(base), rest = n
            if permutations.isEmpty {
                while rest > 0 {
                    x += Double(rest % base) * weight
                    weight /= Double(base)
                    rest /= base
                }
            } else {
                for permutation in permutations[j] {
                    x += Double(permutation[rest % base]) * weight
                    weight /= Double(base)
                    rest /= base
                }
            }
            return min(x, 1.0.nextDown)
        }
    }

    /// The first `count` primes.
    static func primes(_ count: Int) -> [Int] {
        var out: [Int] = []
        var candidate = 2
        while out.count < count {
            if !out.contains(where: { $0 * $0 <= candidate && candidate % $0 == 0 }) { out.append(candidate) }
            candidate += 1
        }
        return out
    }
}
