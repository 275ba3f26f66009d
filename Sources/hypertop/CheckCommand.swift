import ArgumentParser
import Foundation
import HyperOpt
import SweepEngine

/// Validates config files without running anything.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate sweep and performance-test configs without running anything.",
        discussion: """
        For each file prints `ok FILE: ...` with the study name, parameters, direction, trials and jobs, then the first trial's exact command line (with the seed it names, or 0) and where it runs; or the error as `FILE:LINE: ...`. Warnings print as `warning: FILE:LINE: ...`. Exit status 0 when every file is ok, 2 otherwise.
        """
    )

    @Argument(help: "Config files (*-opti.yaml, *-test.yaml, a primary config with hydra.sweeper.params, or a W&B sweep file), then any `key=value` overrides, as for `run`.")
    var configs: [String] = []

    @OptionGroup var sweepOptions: SweepOptions

    /// The files, and the `key=value` words among them (a word with `=`, or one that starts with
    /// `~` or `+`, that names no file).
    private var split: (files: [String], overrides: [String]) {
        var files: [String] = [], overrides: [String] = []
        for word in configs {
            let isOverride = (word.contains("=") || word.hasPrefix("~") || word.hasPrefix("+")) && !FileManager.default.fileExists(atPath: word)
            if isOverride { overrides.append(word) } else { files.append(word) }
        }
        return (files, sweepOptions.all(overrides))
    }

    @Option(help: ArgumentHelp("The job's command line, as for `run`.", valueName: "command line"))
    var command: String?

    @Flag(help: "Print every config key hypertop reads, block by block, with what it does; check no file.")
    var keys = false

    mutating func run() throws {
        if keys {
            print(ConfigLoader.keyReference(), terminator: "")
            return
        }
        var failures = 0
        let (files, overrides) = split
        if files.isEmpty { throw ValidationError("Name at least one config file to check.") }
        for path in files {
            do {
                for line in try check(path, overrides: overrides) { print(line) }
            } catch let error as any UserError {
                say("error: \(error)")
                failures += 1
            }
        }
        if files.count > 1 { print("\(files.count - failures) of \(files.count) files ok") }
        if failures > 0 { throw ExitCode(2) }
    }

    private func check(_ path: String, overrides: [String]) throws -> [String] {
        let kind: PreparedSweep.Kind = try ConfigLoader.isPerformanceTest(path: path) ? .test : .sweep
        let sweep = try PreparedSweep.prepare(config: path, kind: kind, overrides: overrides, command: command, fallbackSeed: 0,
                                              projectDirectory: FileManager.default.currentDirectoryPath)
        let spec = sweep.spec
        var out: [String] = []
        if let test = sweep.test {
            out.append("ok \(path): performance test \(test.name), \(test.succRuns) of \(test.totalRuns) runs must reach \(test.evalColumn) >= \(test.evalValue)"
                       + (test.nEpochs.map { ", n_epochs \($0)" } ?? "") + ", \(test.nJobs) at a time")
        } else {
            let names = spec.space.parameters.map(\.name).joined(separator: ", ")
            out.append("ok \(path): study \(spec.studyName), \(spec.space.parameters.count) parameter\(spec.space.parameters.count == 1 ? "" : "s") (\(names)), "
                       + "\(directionText(spec)), \(spec.maxTrials) trials, \(spec.nJobs) at a time, sampler \(spec.sampler.name)")
            if let method = spec.wandbMethod { out += wandbLines(spec, method: method) }
            out += sweep.warnings
        }
        out.append("  first trial (seed \(sweep.seed)), in \(sweep.job.directory):")
        out.append("    " + ProcessText.commandLine(try sweep.firstTrialArgv()))
        // In the order `Scorer.scored` takes them.
        if spec.isMultiObjective {
            let n = spec.objectiveDirections.count
            let returned = spec.passing == .overrides ? "the first \(n) values its main function returns (a tuple or list)"
                + (spec.criteria != nil ? ", or its dict's values under those names" : "") + "; else " : ""
            let ruled = spec.criteria.map { "rule \(spec.score.rawValue) over each: " + $0.joined(separator: ", ") + " (in the job's metrics)" }
                ?? "nothing: list one metric per objective in hyperopt_criterion, or have the app return them"
            out.append("  \(n) objectives: " + returned + ruled)
        } else {
            let rule = ScoreSource.criterion.label(spec) + " (in the job's metrics)"
            out.append("  score: " + (spec.passing == .overrides ? ScoreSource.returned.label(spec) + " when its main function returns a number; else " : "")
                       + ScoreSource.reported.label(spec) + " when it logs one; else " + rule)
        }
        if let constraints = spec.constraints {
            out.append("  constraints (feasible when each is <= 0): " + constraints.joined(separator: ", ")
                       + (spec.passing == .overrides ? ", from a returned dict, else the last logged value" : ", the last logged value"))
        }
        // What each trial gets of this machine (or of the cluster's nodes).
        let setup = try sweep.setup()
        out += MachineResources.summary(setup.resources, spec: spec, slots: spec.nJobs).map { "  " + $0 }
        if case .slurm(let o) = spec.launching {
            // What each trial's sbatch gets besides its name, log files and directory.
            out.append("  as a Slurm job: " + ProcessText.commandLine(["sbatch"] + o.sbatchOptions + ["job.sbatch"])
                       + (o.setup.isEmpty ? "" : ", after \(o.setup.count) setup line\(o.setup.count == 1 ? "" : "s")")
                       + (o.maxNumTimeout > 0 ? ", resubmitted up to \(o.maxNumTimeout) time\(o.maxNumTimeout == 1 ? "" : "s") after a timeout" : ""))
        }
        return out
    }

    /// `maximize`, or each objective's direction and name: `2 objectives (maximize eval/success_rate, minimize time/total_timesteps)`.
    private func directionText(_ spec: StudySpec) -> String {
        guard spec.isMultiObjective else { return spec.direction.rawValue }
        let each = zip(spec.objectiveDirections, spec.objectiveNames).map { "\($0.rawValue) \($1)" }
        return "\(each.count) objectives (" + each.joined(separator: ", ") + ")"
    }

    /// What a W&B sweep file's keys became: the sampler (and why), the pruner, the target, the
    /// values every trial gets, W&B's project.
    private func wandbLines(_ spec: StudySpec, method: String) -> [String] {
        var out = ["  W&B sweep: method \(method) → sampler \(spec.sampler.name)" + (spec.samplerReason.map { " (\($0))" } ?? "")]
        if spec.pruner != .none { out.append("  early_terminate → pruner \(spec.pruner.summary)") }
        if let target = spec.stopAtTarget {
            out.append("  metric.target \(ParamValue.float(target)): stops launching once a finished trial's \(spec.criterion) is \(spec.direction == .maximize ? "at or above" : "at or below") it")
        }
        if let constants = spec.constantArguments, !constants.isEmpty {
            out.append("  every trial gets " + constants.map { "\($0.key)=\(PythonText.str($0.value))" }.joined(separator: ", "))
        }
        if spec.wandbProject != nil || spec.wandbEntity != nil {
            out.append("  W&B " + [spec.wandbEntity.map { "entity \($0)" }, spec.wandbProject.map { "project \($0)" }].compactMap { $0 }.joined(separator: ", "))
        }
        if let description = spec.studyDescription { out.append("  description: \(ProcessText.printable(description))") }
        return out
    }
}
