import Foundation
@testable import HyperOpt

/// The given parameter sets as candidates, each value in the internal space its domain uses, with
/// the bin edges of stepped values (what `ParzenEstimator.sample` produces for its own draws).
func candidateBatch(_ domains: [ParameterDomain], _ sets: [[ParamValue]]) -> CandidateBatch {
    var batch = CandidateBatch(domains: domains, capacity: sets.count)
    for values in sets {
        var point = [Double](), lower = [Double](), upper = [Double]()
        for (domain, value) in zip(domains, values) {
            let x = domain.internalValue(value) ?? .nan
            point.append(x)
            if case .discrete(let step) = domain.kind, let v = value.number {
                lower.append(domain.isLog ? log(v - step / 2) : v - step / 2)
                upper.append(domain.isLog ? log(v + step / 2) : v + step / 2)
            } else {
                lower.append(x)
                upper.append(x)
            }
        }
        batch.append(point: point, lower: lower, upper: upper, values: values)
    }
    return batch
}
