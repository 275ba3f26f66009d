import Foundation

/// A sweep file as the end-to-end tests write it: typed fields, written in one layout. Tests
/// that assert the line of a warning or an error in the file rely on that layout:
///
///     <preamble lines>
///     hydra:
///       sweeper:
///         study_name, max_trials, n_jobs, then direction, sampler, seed where set
///         <sweeperKeys>
///         command: [...]
///         pass_config, where set
///         launcher:              (only with launcher lines)
///           <launcher lines>
///         search_space:
///           <searchSpace lines>
public struct SweepFile: Sendable {
    /// Top-level lines before `hydra:` (a `# @package _global_` line, the job's own keys).
    public var preamble: [String]
    public var studyName: String
    public var maxTrials: Int
    public var nJobs: Int
    /// nil leaves the key out (hypertop then minimizes, and warns).
    public var direction: String?
    /// nil leaves the key out (hypertop's default sampler).
    public var sampler: String?
    public var seed: Int?
    /// More sweeper lines, as written without their indentation (`pruner: {type: asha}`).
    public var sweeperKeys: [String]
    public var command: [String]
    public var passConfig: String?
    /// The `launcher:` block's lines, without their indentation; empty: no block.
    public var launcher: [String]
    /// One line per parameter, without its indentation (`++x: {type: float, low: 0, high: 1}`).
    public var searchSpace: [String]

    public init(studyName: String, maxTrials: Int, nJobs: Int, direction: String? = "maximize", sampler: String? = "random",
                seed: Int? = nil, sweeperKeys: [String] = [], command: [String] = [SweepProject.testJob], passConfig: String? = nil,
                launcher: [String] = [], searchSpace: [String], preamble: [String] = []) {
        self.preamble = preamble
        self.studyName = studyName
        self.maxTrials = maxTrials
        self.nJobs = nJobs
        self.direction = direction
        self.sampler = sampler
        self.seed = seed
        self.sweeperKeys = sweeperKeys
        self.command = command
        self.passConfig = passConfig
        self.launcher = launcher
        self.searchSpace = searchSpace
    }

    /// The file's YAML.
    public var text: String {
        var sweeper = ["study_name: \(studyName)", "max_trials: \(maxTrials)", "n_jobs: \(nJobs)"]
        if let direction { sweeper.append("direction: \(direction)") }
        if let sampler { sweeper.append("sampler: \(sampler)") }
        if let seed { sweeper.append("seed: \(seed)") }
        sweeper += sweeperKeys
        sweeper.append("command: [\(command.joined(separator: ", "))]")
        if let passConfig { sweeper.append("pass_config: \(passConfig)") }
        if !launcher.isEmpty { sweeper += ["launcher:"] + Self.indented(launcher, by: 2) }
        sweeper += ["search_space:"] + Self.indented(searchSpace, by: 2)
        let lines = preamble + ["hydra:", "  sweeper:"] + Self.indented(sweeper, by: 4)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Every line of `lines` (an entry may hold several) moved right by `spaces`.
    static func indented(_ lines: [String], by spaces: Int) -> [String] {
        let pad = String(repeating: " ", count: spaces)
        return lines.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }.map { pad + $0 }
    }
}
