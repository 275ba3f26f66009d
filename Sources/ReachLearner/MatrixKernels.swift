// The two matrix products the networks spend their time in, tiled 4 rows x 8 columns so that eight
// SIMD4 accumulators stay in registers (SSE2, the baseline every x86-64 has). The summation order is
// fixed, so results are bit-identical from run to run.

@inline(__always)
private func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always)
private func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}

/// y = x * w (+ bias on every row): x is rows x k, w is k x n, y is rows x n, all row-major.
func multiply(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
              into y: UnsafeMutablePointer<Float>, rows: Int, k: Int, n: Int) {
    let tiledRows = rows & ~3, tiledColumns = n & ~7
    var r = 0
    while r < tiledRows {
        let x0 = x + r * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k
        var j = 0
        while j < tiledColumns {
            let b0 = bias.map { load4($0 + j) } ?? .zero, b1 = bias.map { load4($0 + j + 4) } ?? .zero
            var a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1
            var wi = w + j
            for i in 0..<k {
                let w0 = load4(wi), w1 = load4(wi + 4)
                let v0 = SIMD4(repeating: x0[i]), v1 = SIMD4(repeating: x1[i])
                let v2 = SIMD4(repeating: x2[i]), v3 = SIMD4(repeating: x3[i])
                a00 += v0 * w0; a01 += v0 * w1
                a10 += v1 * w0; a11 += v1 * w1
                a20 += v2 * w0; a21 += v2 * w1
                a30 += v3 * w0; a31 += v3 * w1
                wi += n
            }
            let y0 = y + r * n + j
            store4(a00, y0); store4(a01, y0 + 4)
            store4(a10, y0 + n); store4(a11, y0 + n + 4)
            store4(a20, y0 + 2 * n); store4(a21, y0 + 2 * n + 4)
            store4(a30, y0 + 3 * n); store4(a31, y0 + 3 * n + 4)
            j += 8
        }
        for rr in r..<(r + 4) { multiplyRow(x + rr * k, w, bias: bias, y + rr * n, k: k, n: n, from: tiledColumns) }
        r += 4
    }
    for rr in tiledRows..<rows { multiplyRow(x + rr * k, w, bias: bias, y + rr * n, k: k, n: n, from: 0) }
}

/// Columns `from..<n` of one row of x * w (+ bias): the narrow output layers, so one register sum each.
@inline(__always)
private func multiplyRow(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                         _ y: UnsafeMutablePointer<Float>, k: Int, n: Int, from start: Int) {
    guard start < n else { return }
    for j in start..<n {
        var sum = bias?[j] ?? 0
        for i in 0..<k { sum += x[i] * w[i * n + j] }
        y[j] = sum
    }
}

/// Sets `values[i]` to 0 wherever `mask[i]` is not positive: ReLU when both are the same array,
/// its derivative when `mask` is the layer's output. NaN counts as not positive.
func zeroWhereNotPositive(_ values: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i + 4 <= count {
        let v = load4(values + i), m = load4(mask + i)
        store4(v.replacing(with: Float(0), where: .!(m .> SIMD4<Float>.zero)), values + i)
        i += 4
    }
    while i < count {
        if !(mask[i] > 0) { values[i] = 0 }
        i += 1
    }
}

/// g += x^T * d: x is rows x k, d is rows x n, g is k x n (a weight gradient).
func accumulateTransposedProduct(_ x: UnsafePointer<Float>, _ d: UnsafePointer<Float>,
                                 into g: UnsafeMutablePointer<Float>, rows: Int, k: Int, n: Int) {
    let tiledK = k & ~3, tiledColumns = n & ~7
    var i = 0
    while i < tiledK {
        var j = 0
        while j < tiledColumns {
            var a00 = SIMD4<Float>.zero, a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00
            for r in 0..<rows {
                let dr = d + r * n + j, xr = x + r * k + i
                let d0 = load4(dr), d1 = load4(dr + 4)
                let v0 = SIMD4(repeating: xr[0]), v1 = SIMD4(repeating: xr[1])
                let v2 = SIMD4(repeating: xr[2]), v3 = SIMD4(repeating: xr[3])
                a00 += v0 * d0; a01 += v0 * d1
                a10 += v1 * d0; a11 += v1 * d1
                a20 += v2 * d0; a21 += v2 * d1
                a30 += v3 * d0; a31 += v3 * d1
            }
            let g0 = g + i * n + j
            store4(load4(g0) + a00, g0); store4(load4(g0 + 4) + a01, g0 + 4)
            store4(load4(g0 + n) + a10, g0 + n); store4(load4(g0 + n + 4) + a11, g0 + n + 4)
            store4(load4(g0 + 2 * n) + a20, g0 + 2 * n); store4(load4(g0 + 2 * n + 4) + a21, g0 + 2 * n + 4)
            store4(load4(g0 + 3 * n) + a30, g0 + 3 * n); store4(load4(g0 + 3 * n + 4) + a31, g0 + 3 * n + 4)
            j += 8
        }
        for ii in i..<(i + 4) { accumulateRow(x, d, g, rows: rows, k: k, n: n, i: ii, from: tiledColumns) }
        i += 4
    }
    for ii in tiledK..<k { accumulateRow(x, d, g, rows: rows, k: k, n: n, i: ii, from: 0) }
}

/// Columns `from..<n` of row `i` of x^T * d, added into g.
@inline(__always)
private func accumulateRow(_ x: UnsafePointer<Float>, _ d: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                           rows: Int, k: Int, n: Int, i: Int, from start: Int) {
    guard start < n else { return }
    let gi = g + i * n
    for r in 0..<rows {
        let xri = x[r * k + i], dr = d + r * n
        for j in start..<n { gi[j] += xri * dr[j] }
    }
}
