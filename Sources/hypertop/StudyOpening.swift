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
    static func open(spec: StudySpec, info: StudyInfo, storePath: String, choice: ExistingStudyChoice) throws -> StudySession {
        do {
            return try StudySession.open(spec: spec, info: info, storePath: storePath, choose: { existing in
                switch choice {
                case .resume: return .resume
                case .startOver: return .startOver
                case .ask: return try ask(existing)
                }
            }, say: { print($0) })
        } catch let error as SessionError {
            throw CLIError(error.description)
        }
    }

    private static func ask(_ existing: StudySession.Existing) throws -> StudySession.Choice {
        guard isatty(STDIN_FILENO) == 1 else {
            print("Resuming study \"\(existing.name)\" (\(existing.trials) recorded trials); pass --new to start over.")
            return .resume
        }
        print("Study \"\(existing.name)\" already has \(existing.trials) recorded trial(s) in \(existing.storePath).")
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
