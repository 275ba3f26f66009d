import Foundation
import Synchronization

/// Runs one of the machine's commands (Slurm's `sbatch`/`squeue`/`sacct`/`scancel`/`sinfo`,
/// `rsvg-convert`) to its end and captures what it prints, without blocking a thread of Swift's
/// concurrency pool: the engine awaits a slow slurmctld while it goes on tailing and killing.
///
/// Trial jobs are not started here: they need a process group, CPUs and a working directory set
/// before their first instruction (`LocalLauncher`, cspawn.c). Foundation's `Process` is enough for
/// these short tools; swiftlang/swift-subprocess would add swift-system to every build for the same.
public enum ToolCommand {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        /// Its first line that says something, from stderr, else stdout, else the exit status.
        public var complaint: String {
            Self.firstLine(stderr) ?? Self.firstLine(stdout) ?? "exit status \(status)"
        }

        static func firstLine(_ text: String) -> String? {
            text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
        }
    }

    /// Status 127 when the tool cannot be found or started, as a shell says it.
    public static let notFound: Int32 = 127

    /// Runs `tool` (a path, or a name looked up on PATH) with `arguments`. `environment` replaces
    /// the engine's own when given. Standard input is /dev/null.
    public static func run(_ tool: String, _ arguments: [String], environment: [String: String]? = nil) async -> Result {
        let env = environment ?? ProcessInfo.processInfo.environment
        guard let path = tool.contains("/") ? tool : JobLocator.findInPath(tool, env) else {
            return Result(status: notFound, stdout: "", stderr: "\(tool): not found on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let ended = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { p in
            ended.continuation.yield(p.terminationStatus)
            ended.continuation.finish()
        }
        do {
            try process.run()
        } catch {
            return Result(status: notFound, stdout: "", stderr: "cannot run \(tool): \(FileErrorText.describe(error))")
        }
        // Both pipes are read to their ends at once, on threads of their own (a blocking read
        // must not hold one of the pool's), so one filling up cannot stall the other.
        async let stdout = readToEnd(out.fileHandleForReading)
        async let stderr = readToEnd(err.fileHandleForReading)
        var status: Int32 = -1
        for await s in ended.stream { status = s }
        return Result(status: status, stdout: await stdout, stderr: await stderr)
    }

    private static func readToEnd(_ handle: FileHandle) async -> String {
        await withCheckedContinuation { done in
            Thread.detachNewThread {
                let data = handle.readDataToEndOfFile()
                done.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
    }
}
