/// Where a setting came from: an argv override, or a key of the `+performance=` config file.
public enum SettingOrigin: Sendable, Equatable {
    case override(String)
    case configFile(path: String, line: Int?, key: String)

    var phrase: String {
        switch self {
        case .override(let text): return "override '\(text)'"
        case .configFile(_, _, let key): return "config key '\(key)'"
        }
    }

    var location: String? {
        guard case .configFile(let path, let line, _) = self else { return nil }
        return line.map { "\(path):\($0)" } ?? path
    }
}

/// Everything a user can get wrong, each printed as one line: what is wrong, then the fix.
public enum TrainerError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedOverride(String, reason: String)
    case unknownKey(String, origin: SettingOrigin)
    case badValue(key: String, value: HydraValue, expected: String, origin: SettingOrigin)
    case configNotFound(name: String, searched: [String])
    case configInvalid(path: String, line: Int?, reason: String)
    case cannotWrite(path: String, reason: String)

    /// 2 for a usage or configuration error (as argparse and Hydra do), 1 for a failure while running.
    public var exitStatus: Int32 {
        if case .cannotWrite = self { return 1 }
        return 2
    }

    public var description: String {
        let keys = "known keys: " + JobKey.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .malformedOverride(let text, let reason):
            return "malformed override '\(text)': \(reason)."
        case .unknownKey(let key, let origin):
            return prefixed(origin, "unknown key '\(key)' in \(origin.phrase); use one of the \(keys)")
        case .badValue(let key, let value, let expected, let origin):
            return prefixed(origin, "bad value \(value) for \(key) in \(origin.phrase): it must be \(expected); \(keys)")
        case .configNotFound(let name, let searched):
            return "no config file for '+performance=\(name)': looked for " + searched.joined(separator: ", ")
                + "; set HYPERTOP_CONFIG_ROOT to the directory that holds conf/, or run from inside it."
        case .configInvalid(let path, let line, let reason):
            return "\(line.map { "\(path):\($0)" } ?? path): \(reason)."
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason); check that the run directory exists and is writable."
        }
    }

    private func prefixed(_ origin: SettingOrigin, _ message: String) -> String {
        origin.location.map { "\($0): \(message)" } ?? message
    }
}
