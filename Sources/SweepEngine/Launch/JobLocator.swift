import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// Why the job to launch could not be found; one sentence with the fix.
public struct JobCommandError: UserError {
    public let description: String
    init(_ message: String) { description = message }
}

/// Finds the job a study launches and where it runs: `--command` on the command line, else the
/// config's `command`, else the user's Hydra app (`python src/main.py` in Scilab-RL's layout, or
/// the one script beside `conf/` with `@hydra.main`), run in the project's root.
public enum JobLocator {
    public struct Job: Sendable, Equatable {
        public var argv: [String]
        public var directory: String
    }

    /// `executableDirectory` is where hypertop itself lives: programs bundled with it (the demo's
    /// `reach-trainer`) are found there before PATH.
    public static func resolve(spec: StudySpec, commandLine: [String]? = nil, projectDirectory: String,
                               executableDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Job {
        let project = HydraProject.find(configPath: spec.configPath)
        let override = spec.commandLineOverrides?.last { $0.hasPrefix("hydra.sweeper.command=") }
        let origin = commandLine != nil ? "--command" : override.map { "the override \($0)" } ?? "hydra.sweeper.command in \(spec.configPath)"
        /// A problem with the program the command names: at the config's line when the file named it.
        func refused(_ problem: String) -> Error {
            if commandLine == nil, override == nil, spec.command != nil, let line = spec.commandSourceLine {
                return ConfigError(file: spec.configPath, line: line, "\(problem); fix \(spec.isWandbSweep ? "`program` or `command`" : "`command`").")
            }
            return JobCommandError("\(problem); fix \(origin).")
        }
        var argv: [String]
        var directory = projectDirectory
        if let given = commandLine ?? spec.command {
            if commandLine != nil, let problem = CommandMacros.problems(given, hasProgram: spec.program != nil).errors.first {
                throw JobCommandError("--command: \(problem)")
            }
            // W&B's macros that name the program (`${env}`, `${interpreter}`, `${program}`,
            // `${envvar:NAME}`); the argument macros are filled for each trial.
            argv = CommandMacros.expandProgram(given, program: spec.program, environment: environment)
        } else if let project, let app = project.app {
            argv = [python(environment) ?? "python3", app]
            directory = project.root
        } else if let project, !project.candidates.isEmpty {
            throw JobCommandError("\(spec.configPath): \(project.candidates.count) scripts beside \(project.confDir) have @hydra.main (\(project.candidates.joined(separator: ", "))); name the app with `hydra.sweeper.command: [python, <script>]` or --command.")
        } else {
            throw JobCommandError("\(spec.configPath): no job to run: no src/main.py or script with @hydra.main beside a conf/ directory; set `hydra.sweeper.command: [python, src/main.py]` (the job's argv) or pass --command.")
        }
        guard let program = argv.first, !program.isEmpty else {
            throw JobCommandError("the job command is empty; fix \(origin).")
        }
        if program.contains("/") {
            let path = absolute(program, base: directory)
            if let problem = programProblem(path) {
                let hint = problem == "is not executable" ? " (chmod +x it, or name its interpreter first: [python, script.py])" : ""
                throw refused("the job command `\(ProcessText.printable(program))` \(problem) (looked at \(path))\(hint)")
            }
            argv[0] = path
        } else if let found = findProgram(program, executableDirectory: executableDirectory, environment: environment) {
            if found.hasPrefix(executableDirectory + "/") { argv[0] = found }
        } else {
            throw refused("the job command `\(ProcessText.printable(program))` is not found in PATH")
        }
        // The script follows the interpreter: `python train.py`, or `/usr/bin/env python train.py` (W&B's default).
        let scriptAt = (argv[0] as NSString).lastPathComponent == "env" ? 2 : 1
        if argv.count > scriptAt, case let app = argv[scriptAt], app.hasSuffix(".py"), !app.hasPrefix("/"),
           !FileManager.default.fileExists(atPath: absolute(app, base: directory)) {
            throw refused("the job's script \(absolute(app, base: directory)) does not exist")
        }
        return Job(argv: argv, directory: directory)
    }

    /// `python` on PATH (an activated virtual environment), else `python3`.
    static func python(_ environment: [String: String]) -> String? {
        ["python", "python3"].first { findInPath($0, environment) != nil }
    }

    static func findProgram(_ program: String, executableDirectory: String, environment: [String: String]) -> String? {
        let bundled = (executableDirectory as NSString).appendingPathComponent(program)
        if programProblem(bundled) == nil { return bundled }
        return findInPath(program, environment)
    }

    /// As a shell looks a program up: the first file of that name in PATH that can be run (a
    /// directory of that name is passed over).
    static func findInPath(_ program: String, _ environment: [String: String]) -> String? {
        let dirs = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(program)" }.first { programProblem($0) == nil }
    }

    /// Why `path` cannot be run as a program, nil when it can: `FileManager.isExecutableFile` says
    /// yes to a directory (its x bit lets one enter it), and every trial would then fail to start.
    static func programProblem(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return errno == ENOENT ? "does not exist" : "cannot be read: \(String(cString: strerror(errno)))" }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return "is a directory, not a program"
        default: return "is not a regular file, so not a program"
        }
        return access(path, X_OK) == 0 ? nil : "is not executable"
    }

    /// `--command "python src/main.py"`: split into words as a shell would (quotes, backslashes),
    /// never run through one.
    public static func commandWords(_ text: String) throws -> [String] {
        var words: [String] = [], current = "", inWord = false
        var quote: Character?
        var escaped = false
        for ch in text {
            if escaped { current.append(ch); escaped = false; inWord = true; continue }
            if ch == "\\" && quote != "'" { escaped = true; continue }
            if let q = quote {
                if ch == q { quote = nil } else { current.append(ch) }
                continue
            }
            if ch == "'" || ch == "\"" { quote = ch; inWord = true; continue }
            if ch == " " || ch == "\t" || ch == "\n" {
                if inWord { words.append(current); current = ""; inWord = false }
                continue
            }
            current.append(ch)
            inWord = true
        }
        if quote != nil || escaped { throw JobCommandError("--command has an unclosed quote or a trailing backslash: \(text)") }
        if inWord { words.append(current) }
        if words.isEmpty { throw JobCommandError("--command is empty; give the job's command line, e.g. --command \"python src/main.py\".") }
        return words
    }

    /// The running executable (`/proc/self/exe`: the real file, whatever name started it).
    public static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The directory of the running executable.
    public static var executableDirectory: String {
        URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }
}
