import ArgumentParser
import Foundation
import HyperOpt
import SweepEngine

/// A user error the CLI itself finds: printed as one line, exit status 2.
struct CLIError: UserError {
    let description: String
    init(_ message: String) { description = message }
}

/// Runs a command's body: a user error prints as one line, `hypertop: error: ...`, and exits with status 2.
func withUserErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as any UserError {
        FileHandle.standardError.write(Data("hypertop: error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

/// `--refresh`, shared by the commands that show a dashboard.
struct RefreshOption: ParsableArguments {
    @Option(help: "Seconds between redraws of the dashboard (and looks at the store in watch); keys act at once regardless.")
    var refresh: Double = 1

    func validate() throws {
        guard refresh > 0 && refresh.isFinite else { throw ValidationError("--refresh must be a positive number of seconds.") }
    }
}
