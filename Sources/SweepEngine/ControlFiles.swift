import Foundation

/// Controls that are plain files, so a shell, another machine or the dashboard can use them:
/// deleting the stop file stops launching, re-creating it cancels the stop; the pause file's
/// presence pauses launching.
public struct ControlFiles: Sendable {
    public static let stopFileName = "delete_me_to_stop_hyperopt"
    public static let pauseFileName = "hyperopt_paused"

    public let stopFile: String
    public let pauseFile: String

    public init(directory: String) {
        stopFile = (directory as NSString).appendingPathComponent(Self.stopFileName)
        pauseFile = (directory as NSString).appendingPathComponent(Self.pauseFileName)
    }

    /// The files a study recorded (for `watch`, which runs elsewhere than the engine).
    public init(stopFile: String, pauseFile: String) {
        self.stopFile = stopFile
        self.pauseFile = pauseFile
    }

    public var stopRequested: Bool { !FileManager.default.fileExists(atPath: stopFile) }
    public var paused: Bool { FileManager.default.fileExists(atPath: pauseFile) }

    /// Creates the stop file (at start, or to cancel a stop).
    public func armStop() throws {
        let text = "Delete this file to stop the hyperparameter sweep after its running trials finish.\nRe-create it before the end to cancel the stop.\n"
        try text.write(toFile: stopFile, atomically: true, encoding: .utf8)
    }

    /// Deletes the stop file: exactly what a user in a shell would do.
    public func requestStop() {
        try? FileManager.default.removeItem(atPath: stopFile)
    }

    public func setPaused(_ paused: Bool) throws {
        if paused {
            try "Launching is paused while this file exists.\n".write(toFile: pauseFile, atomically: true, encoding: .utf8)
        } else if FileManager.default.fileExists(atPath: pauseFile) {
            try FileManager.default.removeItem(atPath: pauseFile)
        }
    }

    /// Cleans up at the end of a study so the next one starts fresh.
    public func remove() {
        try? FileManager.default.removeItem(atPath: stopFile)
        try? FileManager.default.removeItem(atPath: pauseFile)
    }
}
