import Foundation

/// A mistake in a config file, with the place it was found. Prints as one sentence plus the fix.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    public let file: String
    /// 1-based line, when known.
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, _ message: String) {
        self.file = file
        self.line = line
        // Values quoted from the file may hold newlines or escapes: the error stays one line,
        // and nothing in it reaches the terminal as a control sequence.
        self.message = ProcessText.printable(message)
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }

    public var errorDescription: String? { description }
}
