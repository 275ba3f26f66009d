import Foundation

/// Notes on a study and on its trials, kept where optuna-dashboard keeps them, so a note written
/// here shows there and one written there shows here: study system attributes
/// `dashboard:note_ver` and `dashboard:note_str:<i>` (the study's note) and
/// `dashboard:<trial_id>:note_ver` / `dashboard:<trial_id>:note_str:<i>` (a trial's, by Optuna's
/// trial id), the text in chunks of 2,045 characters (`optuna_dashboard._note`).
public struct StudyNotes: Sendable, Hashable {
    public var study: String = ""
    /// Trial number -> its note (non-empty notes only).
    public var trials: [Int: String] = [:]

    public init(study: String = "", trials: [Int: String] = [:]) {
        self.study = study
        self.trials = trials
    }

    public static let chunkLength = 2_045

    public static func verKey(_ trialID: Int64?) -> String { trialID.map { "dashboard:\($0):note_ver" } ?? "dashboard:note_ver" }
    public static func strPrefix(_ trialID: Int64?) -> String { trialID.map { "dashboard:\($0):note_str:" } ?? "dashboard:note_str:" }

    /// The text in chunks of `chunkLength` characters (Python's, that is Unicode scalars).
    public static func chunks(_ body: String) -> [String] {
        let scalars = Array(body.unicodeScalars)
        return stride(from: 0, to: scalars.count, by: chunkLength).map {
            String(String.UnicodeScalarView(scalars[$0..<min($0 + chunkLength, scalars.count)]))
        }
    }
}

