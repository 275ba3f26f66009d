import Foundation
import ParzenKernels

extension GaussianProcess {
    /// Candidates per block: the block's rows of L⁻¹K* (n × 256 doubles) stay in cache while
    /// the triangular solve sweeps them.
    static let posteriorBlockSize = 256

    /// The posterior at many points at once (the acquisition's candidates): the values
    /// `posterior(at:)` gives, to rounding, computed block by block with the candidates along
    /// contiguous rows, so that every inner loop is an axpy the compiler vectorises: the kernel,
    /// its exponential (`fastExp`, four lanes), and the triangular solve L V = K* for all of the
    /// block's candidates at once. It is the sampler's speed path: the 1,024 candidates of an
    /// ask cost here what a few dozen pointwise posteriors would.
    public func posteriors(at points: [[Double]]) -> (means: [Double], variances: [Double]) {
        let n = x.count, d = categorical.count, m = points.count, block = Self.posteriorBlockSize
        var means = [Double](repeating: 0, count: m), variances = [Double](repeating: 0, count: m)
        guard n > 0, m > 0 else { return (means, variances.map { _ in parameters.kernelScale }) }
        // One scratch allocation for the block's working rows, laid out one after another.
        let scratchSize = (d + n + 3) * block
        withUnsafeTemporaryAllocation(of: Double.self, capacity: scratchSize) { scratch in
        flat.withUnsafeBufferPointer { xs in
        cholesky.l.withUnsafeBufferPointer { l in
            guard let base = scratch.baseAddress, let xs = xs.baseAddress, let l = l.baseAddress else { return }
            base.initialize(repeating: 0, count: scratchSize)
            let rows = BlockRows(inputs: base, v: base + d * block, r2: base + (d + n) * block,
                                 quad: base + (d + n + 1) * block, mean: base + (d + n + 2) * block)
            var start = 0
            while start < m {
                let count = min(block, m - start)
                posteriorBlock(points[start..<(start + count)], rows: rows, xs: xs, l: l)
                for c in 0..<count {
                    means[start + c] = rows.mean[c]
                    variances[start + c] = max(parameters.kernelScale - rows.quad[c], 1e-12)
                }
                start += count
            }
        }
        }
        }
        return (means, variances)
    }

    /// A block's working rows, each `posteriorBlockSize` long: input e of candidate c at
    /// `inputs[e * block + c]`, row i of V = L⁻¹K* at `v[i * block + c]`, and per candidate its
    /// squared distance to the current point, Σ Vᵢ², and its mean.
    private struct BlockRows {
        let inputs, v, r2, quad, mean: UnsafeMutablePointer<Double>
    }

    /// One block of at most `posteriorBlockSize` candidates: fills `rows.mean` and `rows.quad`.
    private func posteriorBlock(_ points: ArraySlice<[Double]>, rows: BlockRows, xs: UnsafePointer<Double>,
                                l: UnsafePointer<Double>) {
        let n = x.count, d = categorical.count, block = Self.posteriorBlockSize
        let eta = parameters.inverseSquaredLengthscales, scale = parameters.kernelScale
        let (inputs, v, r2, quad, mean) = (rows.inputs, rows.v, rows.r2, rows.quad, rows.mean)
        let count = points.count, first = points.startIndex
        // Four lanes at a time: the lanes past `count` hold zeros and are never read back.
        let padded = (count + 3) / 4 * 4
        for c in 0..<block {
            for e in 0..<d { inputs[e * block + c] = c < count ? points[first + c][e] : 0 }
            quad[c] = 0
            mean[c] = 0
        }
        for i in 0..<n {
            for c in 0..<padded { r2[c] = 0 }
            for e in 0..<d {
                let xe = xs[i * d + e], w = eta[e]
                let row = inputs + e * block
                if categorical[e] {
                    for c in 0..<padded { r2[c] += row[c] == xe ? 0 : w }
                } else {
                    for c in 0..<padded {
                        let diff = row[c] - xe
                        r2[c] += w * diff * diff
                    }
                }
            }
            let vi = v + i * block
            let a = alpha[i]
            var c = 0
            while c < padded {
                let q = SIMD4<Double>(r2[c], r2[c + 1], r2[c + 2], r2[c + 3])
                let s5r = (5 * q).squareRoot()
                let k = scale * (1 + s5r + 5.0 / 3.0 * q) * fastExp(-s5r)
                for lane in 0..<4 {
                    vi[c + lane] = k[lane]
                    mean[c + lane] += a * k[lane]
                }
                c += 4
            }
            // Forward substitution, row i for every candidate: vᵢ = (k*ᵢ − Σⱼ Lᵢⱼ vⱼ) / Lᵢᵢ.
            for j in 0..<i {
                let lij = l[i * n + j]
                let vj = v + j * block
                for c in 0..<padded { vi[c] -= lij * vj[c] }
            }
            let inv = 1 / l[i * n + i]
            for c in 0..<padded {
                let t = vi[c] * inv
                vi[c] = t
                quad[c] += t * t
            }
        }
    }
}
