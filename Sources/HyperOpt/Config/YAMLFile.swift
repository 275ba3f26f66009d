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
            if let encoding = notUTF8(full) {
                throw ConfigError(file: full, line: nil, "cannot read \(what): \(encoding).")
            }
            throw ConfigError(file: full, line: nil, "cannot read \(what) (\(readFailure(full))); check the path.")
        }
        // UTF-16 without a byte-order mark reads as "UTF-8" full of NULs.
        if text.utf8.contains(0), let encoding = notUTF8(full) {
            throw ConfigError(file: full, line: nil, "cannot read \(what): \(encoding).")
        }
        return try parse(text, path: full)
    }

    static func parse(_ text: String, path: String) throws -> YAMLFile {
        if let line = aliasKeyLine(text) {
            // Composing would hash the aliased tree as a key: exponential for nested anchors.
            throw ConfigError(file: path, line: line, "an alias (`*name`) is used as a mapping key; a config's keys are plain names.")
        }
        do {
            return YAMLFile(path: path, text: text, root: try Yams.compose(yaml: text))
        } catch let error as YamlError {
            throw yamlError(error, path: path, text: text)
        }
    }

    /// The first line where an alias stands as a mapping key (`*a: 1`, `? *a`, `{*a: 1}`), outside
    /// quotes and comments. libyaml's alias names are letters, digits, `-` and `_`.
    static func aliasKeyLine(_ text: String) -> Int? {
        guard text.utf8.contains(UInt8(ascii: "*")) else { return nil }
        func isNameByte(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
        }
        var lineNumber = 0
        for line in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            let bytes = Array(line)
            guard bytes.contains(UInt8(ascii: "*")) else { continue }
            var quote: UInt8?
            var previous: UInt8 = 0x20
            var i = 0
            var sawComplexKey = false
            while i < bytes.count {
                let b = bytes[i]
                if let q = quote {
                    if b == q { quote = nil }
                } else if b == 0x22 || b == 0x27 {
                    quote = b
                } else if b == UInt8(ascii: "#") && (previous == 0x20 || previous == 0x09) {
                    break
                } else if b == UInt8(ascii: "?") && (previous == 0x20 || previous == 0x09 || i == 0) && (i + 1 == bytes.count || bytes[i + 1] == 0x20) {
                    sawComplexKey = true
                } else if b == UInt8(ascii: "*") && " \t{[,?-".utf8.contains(previous) {
                    var j = i + 1
                    while j < bytes.count, isNameByte(bytes[j]) { j += 1 }
                    if j > i + 1 {
                        if sawComplexKey { return lineNumber }
                        var k = j
                        while k < bytes.count, bytes[k] == 0x20 || bytes[k] == 0x09 { k += 1 }
                        if k < bytes.count, bytes[k] == UInt8(ascii: ":"), k + 1 == bytes.count || " \t,}]".utf8.contains(bytes[k + 1]) {
                            return lineNumber
                        }
                    }
                    i = j
                    previous = bytes[max(j - 1, 0)]
                    continue
                } else if b != 0x20 && b != 0x09 {
                    sawComplexKey = false
                }
                previous = b
                i += 1
            }
        }
        return nil
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

    /// What a readable file that is not UTF-8 text is instead, with the fix.
    static func notUTF8(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let head = [UInt8](data.prefix(4))
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) || (head.count >= 2 && (head[0] == 0 || head[1] == 0)) {
            return "it is UTF-16 (or UTF-32) text; save it as UTF-8, the encoding YAML configs use"
        }
        if data.prefix(8192).contains(0) { return "it is binary data, not a YAML text file" }
        return "it is not UTF-8 text (another encoding, e.g. Latin-1); save it as UTF-8"
    }

    static func readFailure(_ path: String) -> String {
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDir) { return "no such file" }
        if isDir.boolValue { return "it is a directory" }
        return FileManager.default.isReadableFile(atPath: path) ? "it cannot be read" : "permission denied"
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
        case .reader(let problem, let offset, let value, _):
            // A byte YAML does not allow in a file (a control character): its line and what it is.
            let line = offset.map { o in text.prefix(o).reduce(1) { $0 + ($1 == "\n" || $1 == "\r\n" ? 1 : 0) } }
            return ConfigError(file: path, line: line, "malformed YAML: \(problem) (character U+\(String(format: "%04X", value))); remove it.")
        default:
            // Yams's own text may span lines (it quotes the file): keep its first.
            let first = "\(error)".split(separator: "\n").first.map(String.init) ?? ""
            return ConfigError(file: path, line: nil, "malformed YAML: \(first).")
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
