import Foundation
import HyperOpt

/// Finds the job to launch: the config's `command`, or the bundled `reach-trainer`.
enum JobCommand {
    static func resolve(spec: StudySpec, projectDirectory: String) throws -> [String] {
        guard var argv = spec.command else {
            let bundled = URL(fileURLWithPath: executablePath()).deletingLastPathComponent().appendingPathComponent("reach-trainer").path
            guard FileManager.default.isExecutableFile(atPath: bundled) else {
                throw CLIError("the bundled demo job reach-trainer is not next to hypertop (\(bundled)); build it with `swift build -c release --product reach-trainer`, or set hydra.sweeper.command in \(spec.configPath).")
            }
            return [bundled]
        }
        let program = argv[0]
        if program.contains("/") {
            let path = absolute(program, base: projectDirectory)
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw CLIError("\(spec.configPath): the job command `\(program)` is not an executable file; fix hydra.sweeper.command.")
            }
            argv[0] = path
        } else if findInPath(program) == nil {
            throw CLIError("\(spec.configPath): the job command `\(program)` is not found in PATH; fix hydra.sweeper.command.")
        }
        return argv
    }

    static func findInPath(_ program: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// Picks the sampler the config names.
enum SamplerFactory {
    static func make(_ spec: StudySpec) throws -> any Sampler {
        do {
            return try makeSampler(spec.sampler, space: spec.space)
        } catch {
            throw CLIError("\(spec.configPath): \(error)")
        }
    }
}
