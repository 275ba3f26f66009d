import ArgumentParser
import Foundation
import HyperOpt
import StudyReports
import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

extension BestFormat: ExpressibleByArgument {}

/// `hypertop best STUDY`: the best parameter set (by the mean of its runs) as a Hydra override
/// line, a YAML block, or JSON.
struct BestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "Print a study's best parameter set: a Hydra override line, a YAML config block, or JSON.",
        discussion: """
        The best set is the one with the best mean over its complete runs, as the dashboard's header and optimization_results.yaml give it.

        What reproduces the best set's first trial is every override it ran with: the sweep file's keys (or its --config-name or +performance=...), the command line's overrides, the epoch cap it had, its sampled values and its seed; not hypertop's run directory and callback.

        --exec -- COMMAND... runs COMMAND with those overrides appended, as separate words: no shell parses them, so any value (spaces, quotes, `$`, nested lists) arrives as the trial had it. The exit status is COMMAND's.
        --format overrides (the default) prints them as one line quoted for a POSIX shell: use it with eval, e.g. eval "python src/main.py $(hypertop best STUDY)". (Without eval the shell does not remove the quotes, and Hydra sees them.)
        --format args0 prints them NUL-separated, for `hypertop best STUDY --format args0 | xargs -0 python src/main.py`.
        --format yaml prints the parameters as the nested block of a config file (`++algorithm.learning_rate` becomes `algorithm: {learning_rate: ...}`).
        --format json prints the set, its mean, runs, 95% interval and the trial's overrides, for scripts.

        A study of several objectives has no one best set but a front: the sets no other set beats in every objective (by their means; infeasible sets left out). `best` prints each, sorted by the first objective: in the overrides format a `# set N: objective=value, ...` line, then its override line; in yaml one document per set; in json {"study", "directions", "objectives", "front": [...]}. --set N picks one set of the front (for args0 and --exec, which need one).

        Example: hypertop best sac_her_Reach3D --exec -- python src/main.py
        """
    )

    @Argument(help: "The study (default: the one started last).")
    var study: String?

    @Option(help: "The study store (default: data/hypertop.db, as `run` uses without hydra.sweeper.storage).")
    var storage: String = "data/hypertop.db"

    @Option(help: "overrides, args0, yaml or json.")
    var format: BestFormat = .overrides

    @Option(name: .customLong("set"), help: "With several objectives: the front's set N (its number in `best`'s list) rather than the whole front.")
    var set: Int?

    @Option(parsing: .remaining, help: ArgumentHelp("Run this command with the best trial's overrides appended (put it last, after --).",
                                                    valueName: "command"))
    var exec: [String] = []

    mutating func run() async throws {
        let command = exec.first == "--" ? Array(exec.dropFirst()) : exec
        try await withUserErrors {
            let stored = try StoredStudy.open(storePath: storage, named: study)
            let (name, loaded) = (stored.name, try stored.load())
            guard let spec = loaded.info?.spec else { throw CLIError("study \"\(name)\" in \(storage) has no settings recorded.") }
            var chosen: ParamSetStats?
            if loaded.isMultiObjective {
                let front = BestText.sortedFront(loaded)
                if front.isEmpty {
                    throw CLIError("study \"\(name)\" has no complete feasible trial with every objective yet, so it has no front.")
                }
                if let set {
                    guard let pick = front.first(where: { $0.paramSet == set }) else {
                        throw CLIError("set \(set) is not on the front of study \"\(name)\"; the front's sets are \(front.map { String($0.paramSet) }.joined(separator: ", ")).")
                    }
                    chosen = pick
                } else if command.isEmpty && format != .args0 {
                    print(BestText.renderFront(front, spec: spec, study: name, format: format) { loaded.trial($0.firstTrial)?.launch })
                    return
                } else {
                    throw CLIError("study \"\(name)\" has \(spec.objectiveDirections.count) objectives and a front of \(front.count) sets; pick one with --set N (one of \(front.map { String($0.paramSet) }.joined(separator: ", "))).")
                }
            } else if set != nil {
                throw CLIError("--set picks a set of a front; study \"\(name)\" has one objective and one best set.")
            }
            guard let best = chosen ?? loaded.best, let mean = best.mean else {
                throw CLIError("study \"\(name)\" has no complete trial with a score yet, so it has no best set.")
            }
            let launch = loaded.trial(best.firstTrial)?.launch
            guard let program = command.first else {
                let text = BestText.render(best, mean: mean, spec: spec, study: name, format: format, launch: launch)
                if format == .args0 { FileHandle.standardOutput.write(Data(text.utf8)) } else { print(text) }
                return
            }
            // A Hydra app finds the sweeper stand-in its trials had (see `HydraCallback`), where the
            // study's sweep directory still has it.
            let plugins = SweepSetup.callbackDirectory(sweepDirectory: loaded.info?.sweepDir ?? "")
            if spec.passing == .overrides, FileManager.default.fileExists(atPath: plugins + "/hydra_plugins") {
                let path = ProcessInfo.processInfo.environment["PYTHONPATH"].map { plugins + ":" + $0 } ?? plugins
                setenv("PYTHONPATH", path, 1)
            }
            fflush(nil)
            // The command takes this process's place: its signals, its exit status.
            _ = withCStrings(command + BestText.overrides(best, spec: spec, launch: launch)) { execvp(program, $0) }
            throw CLIError("cannot run `\(program)`: \(String(cString: strerror(errno))).")
        }
    }
}

