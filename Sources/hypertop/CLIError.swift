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
        say("hypertop: error: \(error)", error: true)
        throw ExitCode(2)
    }
}

/// Prints a line for a person, on stdout or stderr. What it quotes comes from users and stores
/// (study names, values, paths): a control or bidi control in it shows as `\u{1B}`, `\u{202E}`
/// (`ProcessText.printable`), so a name cannot set the terminal's title or reverse the line.
func say(_ line: String, error: Bool = false) {
    let text = ProcessText.printable(line)
    if error { FileHandle.standardError.write(Data((text + "\n").utf8)) } else { print(text) }
}

/// `--refresh`, shared by the commands that show a dashboard.
struct RefreshOption: ParsableArguments {
    @Option(help: "Seconds between redraws of the dashboard (and looks at the store in watch); keys act at once regardless.")
    var refresh: Double = 1

    func validate() throws {
        guard refresh > 0 && refresh.isFinite else { throw ValidationError("--refresh must be a positive number of seconds.") }
    }
}
