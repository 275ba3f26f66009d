import Foundation

/// The metric keys of every evaluation record.
public enum TrainingMetrics {
    public static let keys = [
        "eval/mean_reward", "eval/success_rate", "model/parameters",
        "time/episodes", "time/total_timesteps",
        "train/actor_loss", "train/critic_loss", "train/ent_coef", "train/learning_rate", "train/n_updates",
        "train/rollout_rewards_mean", "train/rollout_success_rate",
    ]
}

/// Writes each evaluation the three ways the sweep engine reads it: `progress.csv` in the run
/// directory, JSON lines to `$HYPERTOP_METRICS`, and SB3's table on stdout.
public final class ProgressLog {
    private let csv: FileHandle
    private let csvPath: String
    private let json: FileHandle?
    private let jsonPath: String?
    private let echo: (String) -> Void
    private var wroteHeader = false

    /// `echo` receives the human table (stdout in the command, a buffer in tests).
    public init(runDirectory: String, metricsPath: String?, echo: @escaping (String) -> Void) throws(TrainerError) {
        csvPath = (runDirectory as NSString).appendingPathComponent("progress.csv")
        csv = try Self.open(csvPath, truncate: true)
        jsonPath = metricsPath
        json = try metricsPath.map { path throws(TrainerError) in try Self.open(path, truncate: false) }
        self.echo = echo
    }

    deinit {
        try? csv.close()
        try? json?.close()
    }

    public func write(_ record: MetricRecord) throws(TrainerError) {
        if !wroteHeader {
            try append(record.csvHeader + "\n", to: csv, path: csvPath)
            wroteHeader = true
        }
        try append(record.csvRow + "\n", to: csv, path: csvPath)
        if let json, let jsonPath { try append(record.jsonLine + "\n", to: json, path: jsonPath) }
        echo(record.humanTable)
    }

    private func append(_ text: String, to handle: FileHandle, path: String) throws(TrainerError) {
        do {
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    /// Progress is truncated (one run, one file); the metrics file is appended to, since the engine owns it.
    private static func open(_ path: String, truncate: Bool) throws(TrainerError) -> FileHandle {
        let manager = FileManager.default
        if truncate || !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil) else {
                throw .cannotWrite(path: path, reason: "the file cannot be created")
            }
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            return handle
        } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }
}
