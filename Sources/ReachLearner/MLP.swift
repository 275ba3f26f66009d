/// A fully connected network: ReLU hidden layers, a linear output layer. All weights and biases live in
/// one flat array so that Adam and the target networks' soft update are single loops.
///
/// Batches are row-major `[batch x width]`. Layer `l`'s weights are stored input-major
/// (`weights[i * out + j]` links input `i` to output `j`), which makes the forward pass and the weight
/// gradient contiguous multiply-adds.
public struct MLP: Sendable, Equatable {
    public let sizes: [Int]
    public var parameters: [Float]
    /// Start of layer `l`'s weights in `parameters`; its biases follow them.
    private let offsets: [Int]

    public var inputSize: Int { sizes[0] }
    public var outputSize: Int { sizes[sizes.count - 1] }
    public var layerCount: Int { sizes.count - 1 }

    /// Weights and biases drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's default for linear layers.
    public init(sizes: [Int], rng: inout SeededRandom) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 }, "an MLP needs an input and an output size")
        self.sizes = sizes
        var offsets: [Int] = []
        var count = 0
        for l in 0..<(sizes.count - 1) {
            offsets.append(count)
            count += sizes[l] * sizes[l + 1] + sizes[l + 1]
        }
        self.offsets = offsets
        var parameters = [Float](repeating: 0, count: count)
        for l in 0..<(sizes.count - 1) {
            let bound = 1 / Double(sizes[l]).squareRoot()
            for p in offsets[l]..<(offsets[l] + sizes[l] * sizes[l + 1] + sizes[l + 1]) {
                parameters[p] = Float(rng.uniform(-bound, bound))
            }
        }
        self.parameters = parameters
    }

    /// Range of layer `l`'s weights (then biases) in `parameters`.
    public func weightRange(layer l: Int) -> Range<Int> { offsets[l]..<(offsets[l] + sizes[l] * sizes[l + 1]) }
    public func biasRange(layer l: Int) -> Range<Int> {
        let start = offsets[l] + sizes[l] * sizes[l + 1]
        return start..<(start + sizes[l + 1])
    }

    /// Every layer's output for one batch, kept for the backward pass. `values[0]` is the input.
    public struct Trace: Sendable {
        public let batch: Int
        public var values: [[Float]]
        public var output: [Float] { values[values.count - 1] }
    }

    public func forward(_ input: [Float], batch: Int) -> Trace {
        precondition(input.count == batch * inputSize, "input is not batch x inputSize")
        var values = [input]
        values.reserveCapacity(sizes.count)
        parameters.withUnsafeBufferPointer { p in
            for l in 0..<layerCount {
                let nIn = sizes[l], nOut = sizes[l + 1]
                var out = [Float](repeating: 0, count: batch * nOut)
                values[l].withUnsafeBufferPointer { x in
                    out.withUnsafeMutableBufferPointer { y in
                        denseForward(x: x.baseAddress!, w: p.baseAddress! + offsets[l], b: p.baseAddress! + offsets[l] + nIn * nOut,
                                     y: y.baseAddress!, batch: batch, nIn: nIn, nOut: nOut, relu: l < layerCount - 1)
                    }
                }
                values.append(out)
            }
        }
        return Trace(batch: batch, values: values)
    }

    public func predict(_ input: [Float], batch: Int) -> [Float] {
        forward(input, batch: batch).output
    }

    /// Back-propagates `outputGradient` (dLoss/dOutput, `batch x outputSize`). Adds dLoss/dParameters into
    /// `parameterGradient` when it is given, and returns dLoss/dInput when `wantInputGradient`.
    @discardableResult
    public func backward(_ trace: Trace, outputGradient: [Float], parameterGradient: UnsafeMutablePointer<Float>?,
                         wantInputGradient: Bool) -> [Float]? {
        let batch = trace.batch
        var delta = outputGradient
        var inputGradient: [Float]?
        parameters.withUnsafeBufferPointer { p in
            for l in stride(from: layerCount - 1, through: 0, by: -1) {
                let nIn = sizes[l], nOut = sizes[l + 1]
                let needDelta = l > 0 || wantInputGradient
                var below = [Float](repeating: 0, count: needDelta ? batch * nIn : 0)
                trace.values[l].withUnsafeBufferPointer { x in
                    delta.withUnsafeBufferPointer { dy in
                        if let g = parameterGradient {
                            denseParameterGradient(x: x.baseAddress!, dy: dy.baseAddress!, dw: g + offsets[l],
                                                   db: g + offsets[l] + nIn * nOut, batch: batch, nIn: nIn, nOut: nOut)
                        }
                        if needDelta {
                            below.withUnsafeMutableBufferPointer { dx in
                                denseInputGradient(w: p.baseAddress! + offsets[l], dy: dy.baseAddress!, x: x.baseAddress!,
                                                   dx: dx.baseAddress!, batch: batch, nIn: nIn, nOut: nOut, reluBelow: l > 0)
                            }
                        }
                    }
                }
                if l == 0 { inputGradient = wantInputGradient ? below : nil } else { delta = below }
            }
        }
        return inputGradient
    }

    /// Moves every parameter a fraction `tau` of the way toward `source`'s (the target networks' Polyak update).
    public mutating func softUpdate(toward source: MLP, tau: Float) {
        let keep = 1 - tau
        source.parameters.withUnsafeBufferPointer { s in
            parameters.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count { p[i] = keep * p[i] + tau * s[i] }
            }
        }
    }
}

/// One layer: y = x * w + b, then ReLU for hidden layers.
@inline(__always)
private func denseForward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>,
                          y: UnsafeMutablePointer<Float>, batch: Int, nIn: Int, nOut: Int, relu: Bool) {
    multiply(x, w, bias: b, into: y, rows: batch, k: nIn, n: nOut)
    if relu { zeroWhereNotPositive(y, mask: y, count: batch * nOut) }
}

/// dW += x^T * dy, db += column sums of dy.
@inline(__always)
private func denseParameterGradient(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>,
                                    db: UnsafeMutablePointer<Float>, batch: Int, nIn: Int, nOut: Int) {
    accumulateTransposedProduct(x, dy, into: dw, rows: batch, k: nIn, n: nOut)
    for r in 0..<batch {
        let dyr = dy + r * nOut
        for j in 0..<nOut { db[j] += dyr[j] }
    }
}

/// dx = dy * W^T, masked by the ReLU of the layer below (its output `x` is zero where it was inactive).
@inline(__always)
private func denseInputGradient(w: UnsafePointer<Float>, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>, batch: Int, nIn: Int, nOut: Int, reluBelow: Bool) {
    // W^T is small next to a batch, and makes this product the same contiguous kernel as the forward pass.
    var transposed = [Float](repeating: 0, count: nIn * nOut)
    transposed.withUnsafeMutableBufferPointer { t in
        for i in 0..<nIn {
            for j in 0..<nOut { t[j * nIn + i] = w[i * nOut + j] }
        }
        multiply(dy, UnsafePointer(t.baseAddress!), bias: nil, into: dx, rows: batch, k: nOut, n: nIn)
    }
    if reluBelow { zeroWhereNotPositive(dx, mask: x, count: batch * nIn) }
}
