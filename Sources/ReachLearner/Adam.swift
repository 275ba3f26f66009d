import Foundation

/// Adam (Kingma & Ba) with bias correction and PyTorch's defaults, over one flat parameter array.
public struct Adam: Sendable {
    public var learningRate: Double
    public let beta1: Double, beta2: Double, epsilon: Double
    private var m: [Float], v: [Float]
    private var t = 0

    public init(count: Int, learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
    }

    public mutating func step(_ parameters: inout [Float], gradient: [Float]) {
        precondition(parameters.count == m.count && gradient.count == m.count, "Adam: size mismatch")
        t += 1
        let b1 = Float(beta1), b2 = Float(beta2), eps = Float(epsilon)
        // Bias corrections folded into the step size, as PyTorch does.
        let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t))
        let stepSize = Float(learningRate / c1)
        let rootC2 = Float(c2.squareRoot())
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                gradient.withUnsafeBufferPointer { g in
                    parameters.withUnsafeMutableBufferPointer { p in
                        for i in 0..<p.count {
                            m[i] = b1 * m[i] + (1 - b1) * g[i]
                            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                            p[i] -= stepSize * m[i] / (v[i].squareRoot() / rootC2 + eps)
                        }
                    }
                }
            }
        }
    }
}
