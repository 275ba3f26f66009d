import Foundation

/// The eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations: each rotation
/// zeroes one off-diagonal pair, and sweeping over all pairs until the off-diagonal part vanishes
/// leaves the eigenvalues on the diagonal and the accumulated rotations as the eigenvectors.
/// Simple, accurate to rounding, and fast enough for the few dimensions of a hyperparameter
/// search (CMA-ES decomposes its covariance once per generation).
struct SymmetricEigen: Sendable, Hashable {
    /// Eigenvalues, ascending.
    let values: [Double]
    /// Eigenvectors as columns: `vectors[i][k]` is component i of the eigenvector of `values[k]`.
    let vectors: [[Double]]

    /// Decomposes `matrix`, which must be square and symmetric (CMA-ES averages its covariance
    /// with its transpose first, so rounding leaves no asymmetry).
    init(_ matrix: [[Double]]) {
        let n = matrix.count
        var a = matrix
        var v = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        let total = a.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } }
        for _ in 0..<64 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<n { off += a[p][q] * a[p][q] } }
            // Off-diagonal mass at rounding level of the whole matrix: the diagonal is exact.
            guard off > 1e-32 * total, off > 0 else { break }
            for p in 0..<max(n - 1, 0) {
                for q in (p + 1)..<n {
                    let apq = a[p][q]
                    guard apq != 0 else { continue }
                    Self.rotate(&a, &v, p, q, apq)
                }
            }
        }
        let order = (0..<n).sorted { a[$0][$0] < a[$1][$1] }
        values = order.map { a[$0][$0] }
        vectors = (0..<n).map { i in order.map { v[i][$0] } }
    }

    /// The rotation in the (p, q) plane that zeroes a[p][q], applied to both sides of `a` and
    /// accumulated into `v`.
    private static func rotate(_ a: inout [[Double]], _ v: inout [[Double]], _ p: Int, _ q: Int, _ apq: Double) {
        let n = a.count
        let theta = (a[q][q] - a[p][p]) / (2 * apq)
        // tan of the smaller of the two angles that zero the pair (the stable root).
        let t: Double
        if abs(theta) > 1e150 {
            t = 1 / (2 * theta)
        } else {
            t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
        }
        let c = 1 / (t * t + 1).squareRoot(), s = t * c
        for k in 0..<n {
            let akp = a[k][p], akq = a[k][q]
            a[k][p] = c * akp - s * akq
            a[k][q] = s * akp + c * akq
        }
        for k in 0..<n {
            let apk = a[p][k], aqk = a[q][k]
            a[p][k] = c * apk - s * aqk
            a[q][k] = s * apk + c * aqk
        }
        a[p][q] = 0
        a[q][p] = 0
        for k in 0..<n {
            let vkp = v[k][p], vkq = v[k][q]
            v[k][p] = c * vkp - s * vkq
            v[k][q] = s * vkp + c * vkq
        }
    }
}
