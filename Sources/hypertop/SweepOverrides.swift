import ArgumentParser
import HyperOpt

/// `--multirun`, trials at once and the resources each trial gets, shared by `run`, `check` and `test`, which also
/// take Hydra-style `key=value` overrides after the file.
struct SweepOptions: ParsableArguments {
    @Flag(name: [.customLong("multirun"), .customShort("m")], help: "Accepted and ignored, so that a pasted Hydra sweep command line works.")
    var multirun = false

    @Option(help: ArgumentHelp("Trials at once (hydra.sweeper.n_jobs; a performance test's runs at once). A W&B sweep file has no key for it and runs 1 at a time unless given.",
                               valueName: "n"))
    var jobs: Int?

    @Option(help: ArgumentHelp("CPUs each trial gets (hydra.sweeper.cpus_per_trial). Default: the CPUs shared among the slots, each trial on its own; 0: off.",
                               valueName: "n"))
    var cpusPerTrial: Int?

    @Option(help: ArgumentHelp("GPUs each trial gets (hydra.sweeper.gpus_per_trial): 1, 2, ..., or 0.5 to share one between two trials.",
                               valueName: "n"))
    var gpusPerTrial: Double?

    static let overridesHelp = ArgumentHelp(
        "Hydra-style overrides after the file: `hydra.sweeper.max_trials=4`, `hydra.sweeper.n_jobs=2` (any sweeper or launcher key), or job keys such as `n_epochs=3`, `++algorithm.gamma=0.95`, `+new_key=1`, passed to every trial.",
        valueName: "key=value")

    func validate() throws {
        if let j = jobs, !(1...ConfigLoader.maxJobs).contains(j) { throw ValidationError("--jobs must be between 1 and \(ConfigLoader.maxJobs).") }
        if let c = cpusPerTrial, c < 0 { throw ValidationError("--cpus-per-trial must be 0 or more.") }
        if let g = gpusPerTrial, !(g >= 0 && g.isFinite) { throw ValidationError("--gpus-per-trial must be 0 or more.") }
    }

    /// `overrides`, then the resource options as overrides (they win over the file and the words).
    func all(_ overrides: [String]) -> [String] {
        overrides + (jobs.map { ["hydra.sweeper.n_jobs=\($0)"] } ?? [])
            + (cpusPerTrial.map { ["hydra.sweeper.cpus_per_trial=\($0)"] } ?? [])
            + (gpusPerTrial.map { ["hydra.sweeper.gpus_per_trial=\($0)"] } ?? [])
    }
}
