import ArgumentParser
import Foundation
import SweepEngine

/// `hypertop demo`: the bundled demo sweep from anywhere: its config is written into a directory
/// (a new temporary one unless given), and hypertop runs it there.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the bundled demo sweep (reach-trainer's SAC+HER on a 3-D reaching task, 12 trials, 1 to 2 minutes on 2 cores).",
        discussion: """
        Writes the demo's config (\(DemoConfig.path)) into DIRECTORY, or a new temporary directory, and runs `hypertop run` on it there: the live dashboard in a terminal, log lines with --headless or when stdout is not a terminal. The study's store and trial directories go to DIRECTORY/data. Any other `run` option or `key=value` override may follow, e.g. `hypertop demo -- hydra.sweeper.max_trials=4`.
        """
    )

    @Option(name: .customLong("dir"), help: ArgumentHelp("Where the demo runs (made if missing); default: a new temporary directory.", valueName: "directory"))
    var directory: String?

    @Flag(help: "Print log lines instead of showing the dashboard.")
    var headless = false

    @Argument(parsing: .captureForPassthrough, help: "More `run` options or `key=value` overrides.")
    var rest: [String] = []

    mutating func run() async throws {
        let target = directory
        let dir = try await withUserErrors { try DemoConfig.write(into: target) }
        say("Demo in \(dir)")
        let args = ["run", DemoConfig.path] + (headless ? ["--headless"] : []) + rest.filter { $0 != "--" }
        try await withUserErrors {
            try EngineProcess.replace(with: args, in: dir)
        }
    }
}

/// The demo's config, as `conf/performance/Reach/sac-opti.yaml` in the repository holds it (a
/// test keeps the two equal).
enum DemoConfig {
    static let path = "conf/performance/Reach/sac-opti.yaml"

    /// Writes the config into `directory` (made if missing), or a new temporary directory;
    /// returns the directory's absolute path.
    static func write(into directory: String?) throws -> String {
        let fm = FileManager.default
        let dir: String
        if let directory {
            dir = URL(fileURLWithPath: directory).standardizedFileURL.path
        } else {
            dir = NSTemporaryDirectory() + "hypertop-demo-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        }
        let file = (dir as NSString).appendingPathComponent(path)
        do {
            try fm.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !fm.fileExists(atPath: file) { try (text + "\n").write(toFile: file, atomically: true, encoding: .utf8) }
        } catch {
            throw CLIError("cannot write the demo's config into \(dir): \(FileErrorText.describe(error))")
        }
        return dir
    }

    static let text = #"""
# @package _global_
# The README's demo: a short sweep of reach-trainer's soft actor-critic with hindsight experience
# replay on the 3-D reaching task: 12 trials of 3 to 20 s each, 1 to 2 minutes on 2 cores.
# Changes specified in this config should be interpreted as relative to the _global_ package.
defaults:
  - override /algorithm: sac

env: 'Reach3D-v0'

n_epochs: 20
eval_after_n_steps: 1000
early_stop_threshold: 0.9
early_stop_data_column: 'eval/success_rate'
early_stop_last_n: 3
hyperopt_criterion: 'eval/success_rate'

algorithm:
  use_her: True

hydra:
  sweeper:
    study_name: sac_her_Reach3D
    # hypertop's bundled demo job (next to the hypertop binary), given this file as +performance=Reach/<name>.
    command: [reach-trainer]
    pass_config: performance
    max_trials: 12
    n_jobs: 2
    direction: maximize
    max_duration_minutes: 10
    min_trials_per_param: 1
    max_trials_per_param: 1
    search_space:
      ++algorithm.learning_rate:
        type: float
        low: 0.00001
        high: 0.01
        log: true
      ++algorithm.gamma:
        type: float
        low: 0.8
        high: 0.99
        log: true
      ++algorithm.tau:
        type: float
        low: 0.005
        high: 0.1
        log: true
      ++algorithm.critic_select:
        type: categorical
        choices:
          - min
          - max
      ++algorithm.batch_size:
        type: int
        low: 32
        high: 128
        step: 32
"""#
}

/// `hypertop wheel-files DIR` (hidden, for `scripts/wheel.sh`): the Python files the wheel
/// installs, written by the same code that writes them for a study's jobs: the Hydra
/// return-value callback as the package `hypertop_hydra`, and the sweeper stand-in plugin.
struct WheelFilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wheel-files", shouldDisplay: false)

    @Argument var directory: String

    mutating func run() async throws {
        let dir = directory
        try await withUserErrors {
            do {
                try HydraCallback.install(in: dir, asPackage: true)
            } catch {
                throw CLIError("cannot write into \(dir): \(FileErrorText.describe(error))")
            }
        }
    }
}
