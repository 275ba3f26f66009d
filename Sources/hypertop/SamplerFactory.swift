import Foundation
import HyperOpt
import SweepEngine

/// Picks the sampler the config names.
enum SamplerFactory {
    static func make(_ spec: StudySpec) throws -> any Sampler {
        do {
            return try makeSampler(spec.sampler, space: spec.space)
        } catch {
            throw CLIError("\(spec.configPath): \(error)")
        }
    }
}

/// `--command "python src/main.py"`: split into words as a shell would (quotes, backslashes), never run through one.
func commandWords(_ text: String) throws -> [String] {
    var words: [String] = [], current = "", inWord = false
    var quote: Character?
    var escaped = false
    for ch in text {
        if escaped { current.append(ch); escaped = false; inWord = true; continue }
        if ch == "\\" && quote != "'" { escaped = true; continue }
        if let q = quote {
            if ch == q { quote = nil } else { current.append(ch) }
            continue
        }
        if ch == "'" || ch == "\"" { quote = ch; inWord = true; continue }
        if ch == " " || ch == "\t" || ch == "\n" {
            if inWord { words.append(current); current = ""; inWord = false }
            continue
        }
        current.append(ch)
        inWord = true
    }
    if quote != nil || escaped { throw CLIError("--command has an unclosed quote or a trailing backslash: \(text)") }
    if inWord { words.append(current) }
    if words.isEmpty { throw CLIError("--command is empty; give the job's command line, e.g. --command \"python src/main.py\".") }
    return words
}
