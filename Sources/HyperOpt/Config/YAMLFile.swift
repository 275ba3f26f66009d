import Foundation
import Yams

/// One YAML file read and composed into nodes, every error a ConfigError at its line.
struct YAMLFile {
    let path: String
    let text: String
    let root: Node?

    /// `what` names the file in messages ("the config file", "the primary config").
    static func read(_ path: String, what: String = "the config file") throws -> YAMLFile {
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        let text: String
        do {
            text = try String(contentsOfFile: full, encoding: .utf8)
        } catch {
            throw ConfigError(file: full, line: nil, "cannot read \(what) (\(readFailure(full))); check the path.")
        }
        return try parse(text, path: full)
    }

    static func parse(_ text: String, path: String) throws -> YAMLFile {
        do {
            return YAMLFile(path: path, text: text, root: try Yams.compose(yaml: text))
        } catch let error as YamlError {
            throw yamlError(error, path: path, text: text)
        }
    }

    /// The `# @package X` header Hydra reads, if the file has one.
    var packageHeader: String? {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(20) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("# @package") { return t.dropFirst("# @package".count).trimmingCharacters(in: .whitespaces) }
            if !t.isEmpty && !t.hasPrefix("#") { break }
        }
        return nil
    }

    static func readFailure(_ path: String) -> String {
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDir) { return "no such file" }
        if isDir.boolValue { return "it is a directory" }
        return FileManager.default.isReadableFile(atPath: path) ? "not UTF-8 text" : "permission denied"
    }

    static func yamlError(_ error: YamlError, path: String, text: String) -> ConfigError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.sorted().first ?? ""
            let lines = occurrences(of: key, in: text, from: context.mark.line)
            if lines.count >= 2 {
                return ConfigError(file: path, line: lines[1], "key `\(key)` appears twice in the same mapping (lines \(lines[0]) and \(lines[1])); keep one.")
            }
            return ConfigError(file: path, line: context.mark.line, "key `\(key)` appears twice in the same mapping; keep one.")
        case .parser(let context?, let problem, let mark, _) where context.text.contains("flow"):
            // An unclosed `[` or `{`: the place to fix is where it was opened.
            return ConfigError(file: path, line: context.mark.line,
                               "malformed YAML: \(problem) (the \(context.text.replacingOccurrences(of: "while parsing a ", with: "")) opened here at column \(context.mark.column) is not closed).")
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigError(file: path, line: mark.line, "malformed YAML: \(problem) (column \(mark.column)).")
        default:
            return ConfigError(file: path, line: nil, "malformed YAML: \(error).")
        }
    }

    /// Lines (1-based) of `key:` at or after line `from`, at the indentation of the first one.
    static func occurrences(of key: String, in text: String, from: Int) -> [Int] {
        var found: [Int] = []
        var indent: Int?
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where i + 1 >= from {
            let t = line.drop(while: { $0 == " " || $0 == "-" })
            guard t.hasPrefix(key + ":") || t.hasPrefix("'\(key)':") || t.hasPrefix("\"\(key)\":") else { continue }
            let here = line.count - t.count
            if indent == nil { indent = here }
            if here == indent { found.append(i + 1) }
            if found.count == 2 { break }
        }
        return found
    }
}
