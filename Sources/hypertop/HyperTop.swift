import ArgumentParser

@main
struct HyperTop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hypertop",
        abstract: "Run hyperparameter sweeps of training jobs and watch them live: top for hyperparameter optimization.",
        discussion: """
        Reads Scilab-RL `*-opti.yaml` sweep configs and upstream hydra-optuna-sweeper configs unchanged, and runs your Hydra app as it is. Examples:
          hypertop check conf/performance/FetchReach/*-opti.yaml
          hypertop run conf/performance/Reach/sac-opti.yaml
          hypertop run --headless conf/performance/Reach/sac-opti.yaml
          hypertop run --detach conf/performance/Reach/sac-opti.yaml   # then: hypertop attach
        Delete the file `delete_me_to_stop_hyperopt` (created where hypertop runs) to stop launching trials; running trials finish. Re-create it to cancel the stop.
        """,
        version: HyperTop.version,
        subcommands: [RunCommand.self, DemoCommand.self, CheckCommand.self, AttachCommand.self, WatchCommand.self, StudiesCommand.self, BestCommand.self, ReportCommand.self, TestCommand.self,
                      WheelFilesCommand.self],
        defaultSubcommand: RunCommand.self
    )

    /// The release, as `--version` and the wheel's metadata say it (`scripts/wheel.sh` reads it here).
    static let version = "0.29.0"
}
