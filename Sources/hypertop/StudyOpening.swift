import Foundation
import HyperOpt
import SweepEngine

#if canImport(Glibc)
import Glibc
#endif

/// How `run` treats a study that already exists in the store.
enum ExistingStudyChoice {
    case resume, startOver, ask
}

/// `run`'s side of opening a study: the question when the store already has it; the engine's
/// `StudySession` does the rest.
enum StudyOpening {
    static func open(spec: StudySpec, info: StudyInfo, storePath: String, launcher: any Launcher = LocalLauncher(),
                     choice: ExistingStudyChoice) async throws -> StudySession {
        try await StudySession.open(spec: spec, info: info, storePath: storePath, launcher: launcher, choose: { existing in
            switch choice {
            case .resume: return .resume
            case .startOver: return .startOver
            case .ask: return try ask(name: existing.name, trials: existing.trials, storePath: existing.storePath)
            }
        }, say: { line in
            // At once, also into a pipe or a log: a wait for a lock must be seen while it lasts.
            say(line)
            fflush(nil)
        })
    }

    /// The study's name and trial count when the store at `storePath` has it.
    static func existing(_ name: String, storePath: String) -> (name: String, trials: Int)? {
        guard let stored = try? StoredStudy.open(storePath: storePath, named: name), let summary = stored.summary() else { return nil }
        return (name, summary.total)
    }

    static func ask(name: String, trials: Int, storePath: String) throws -> StudySession.Choice {
        guard isatty(STDIN_FILENO) == 1 else {
            say("Resuming study \"\(name)\" (\(trials) recorded trials); pass --new to start over.")
            return .resume
        }
        say("Study \"\(name)\" already has \(trials) recorded trial(s) in \(storePath).")
        while true {
            print("Resume it [r], start a new one and keep the old under another name [n], or quit [q]? ", terminator: "")
            fflush(nil)
            guard let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() else { throw CLIError("no answer; pass --resume or --new.") }
            switch answer {
            case "", "r", "resume", "y", "yes": return .resume
            case "n", "new": return .startOver
            case "q", "quit": throw CLIError("nothing was run; pass --resume or --new to choose without a question.")
            default: continue
            }
        }
    }
}
