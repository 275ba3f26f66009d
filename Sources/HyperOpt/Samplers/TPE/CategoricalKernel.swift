import Foundation

/// A categorical parameter's kernel in a Parzen mixture (Optuna 5's `_ParzenEstimator`): with
/// `kernels` kernels in the mixture (the prior among them), each puts prior_weight / kernels on
/// every one of the `choices` and 1 more on its own choice, normalised. TPE's estimators and the
/// importance's grid estimator (PED-ANOVA) both weigh choices by it.
struct CategoricalKernel: Sendable {
    /// Probability of the kernel's own choice.
    let hit: Double
    /// Probability of each other choice.
    let miss: Double

    init(priorWeight: Double, kernels: Int, choices: Int) {
        let share = priorWeight / Double(kernels)
        let rowSum = 1 + share * Double(choices)
        hit = (1 + share) / rowSum
        miss = share / rowSum
    }
}
