import Foundation

/// Candidate parameter sets drawn from a Parzen estimator, flat like the estimator's arrays.
struct CandidateBatch: Sendable {
    let dims: Int
    private(set) var count = 0
    /// Internal (transformed) value per candidate and dim.
    private(set) var point: [Double] = []
    /// Transformed bin edges, for stepped and int dims.
    private(set) var lower: [Double] = []
    private(set) var upper: [Double] = []
    /// The values as the job receives them.
    private(set) var values: [ParamValue] = []

    init(domains: [ParameterDomain], capacity: Int) {
        dims = domains.count
        point.reserveCapacity(capacity * dims)
        lower.reserveCapacity(capacity * dims)
        upper.reserveCapacity(capacity * dims)
        values.reserveCapacity(capacity * dims)
    }

    mutating func append(point p: [Double], lower l: [Double], upper u: [Double], values v: [ParamValue]) {
        point.append(contentsOf: p)
        lower.append(contentsOf: l)
        upper.append(contentsOf: u)
        values.append(contentsOf: v)
        count += 1
    }

    func values(of candidate: Int) -> ArraySlice<ParamValue> {
        values[candidate * dims..<(candidate + 1) * dims]
    }
}

/// Observations as an estimator reads them: rows `indices` of a flat table with `stride` values
/// per row, restricted to `columns`. Lets both sides of the split share one table.
struct ObservationTable {
    let values: [Double]
    let stride: Int
    let indices: [Int]
    let columns: [Int]

    func gather(column j: Int, into out: inout [Double]) {
        let c = columns[j], stride = stride
        values.withUnsafeBufferPointer { values in
            indices.withUnsafeBufferPointer { indices in
                for i in indices.indices { out[i] = values[indices[i] * stride + c] }
            }
        }
    }
}
