import Foundation
import XCTest

/// A user's project in a fresh temporary directory, and the built `hypertop` run in it as the
/// user would run it: the end-to-end tests' one way to write a sweep and to run the binary.
public final class SweepProject {
    /// The package's root (this file is at Tests/TestSupport/).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binaries `swift test` built, next to the test bundle.
    public static var productsDirectory: URL { URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent() }

    /// The built `hypertop`.
    public static var binary: String { productsDirectory.appendingPathComponent("hypertop").path }

    /// The engine tests' trial job: it reports `++x` as eval/success_rate for `++epochs` epochs of
    /// `++sleep` seconds each, and writes its argv and pid to its trial directory.
    public static let testJob = packageRoot.appendingPathComponent("Tests/SweepEngineTests/Fixtures/job.sh").path

    /// The project's directory (not standardized: as a user's relative paths would resolve from it).
    public let root: String

    /// What every `run` and `start` gets as its environment: this process's, as the test edits it.
    public var environment = ProcessInfo.processInfo.environment

    /// Creates the directory, `<temp>/<prefix>-<uuid>`. A `hypertop` that is not built skips
    /// the test (a failure in CI).
    public init(_ prefix: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else { throw missingTool("hypertop binary not built at \(Self.binary)") }
        root = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    /// Removes the directory and all in it.
    public func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// The full path of `relative`, in the project.
    public func path(_ relative: String) -> String { root + "/" + relative }

    /// Writes `text` to `name` (its folders made as needed); returns the file's full path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = path(name)
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @discardableResult
    public func write(_ name: String, _ sweep: SweepFile) throws -> String { try write(name, sweep.text) }

    /// Writes an executable script (a job of the test's own); returns its full path.
    @discardableResult
    public func writeScript(_ name: String, _ text: String) throws -> String {
        let file = try write(name, text)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file)
        return file
    }

    /// Copies everything in the directory `source` (a fixture app: its conf/, its src/) into the project.
    public func copy(contentsOf source: String) throws {
        for entry in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + entry, toPath: path(entry))
        }
    }

    /// Starts `hypertop ARGS` in the project's directory, with `environment` over the project's.
    public func start(_ args: [String], environment: [String: String] = [:]) throws -> HypertopProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = args
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.environment = self.environment.merging(environment) { $1 }
        return try HypertopProcess(process)
    }

    /// Runs `hypertop ARGS` to its end, at most `timeout` seconds (then Ctrl-C, then SIGTERM).
    public func run(_ args: [String], environment: [String: String] = [:], timeout: Double = 60) throws -> Output {
        let running = try start(args, environment: environment)
        let status = running.finish(timeout: timeout)
        return Output(status: status, stdout: running.stdout.text, stderr: running.stderr.text, seconds: running.seconds)
    }

    /// Whether all of `files` (paths in the project) exist within `timeout` seconds.
    @discardableResult
    public func waitFor(files: [String], timeout: Double = 20) -> Bool {
        waitUntil(timeout, every: 0.02) { files.allSatisfy { FileManager.default.fileExists(atPath: path($0)) } }
    }

    /// What a finished `hypertop` said.
    public struct Output {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// From its start to its end.
        public var seconds: Double
    }
}

/// Whether `condition` holds within `seconds`, asked every `every` seconds (a bound on how long
/// something may take, not a measurement).
@discardableResult
public func waitUntil(_ seconds: Double, every: Double = 0.05, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: every)
    }
    return try condition()
}
