import Foundation

/// The Hydra project a config file belongs to: `<root>/conf/...` with the app beside `conf/`.
/// Scilab-RL's layout is `<root>/src/main.py` with `@hydra.main(config_path="../conf", config_name="main")`.
public struct HydraProject: Sendable, Equatable {
    /// The directory that holds `conf/`; the app runs there.
    public var root: String
    /// The config directory (`<root>/conf`).
    public var confDir: String
    /// The app's script relative to `root` (`src/main.py`), when one was found.
    public var app: String?
    /// Every `*.py` beside `conf/` with `@hydra.main`, when there is more than one and no `src/main.py`.
    public var candidates: [String]
    /// The primary config's path (`conf/main.yaml`), when it exists.
    public var primaryConfig: String?

    /// The project of the config at `configPath`, or nil when it lies under no `conf/` directory.
    public static func find(configPath: String) -> HydraProject? {
        let parts = URL(fileURLWithPath: configPath).standardizedFileURL.pathComponents
        guard let i = parts.lastIndex(of: "conf"), i > 0, i < parts.count - 1 else { return namedByItsApp(configPath: configPath) }
        let root = NSString.path(withComponents: Array(parts[..<i]))
        let confDir = NSString.path(withComponents: Array(parts[...i]))
        var project = HydraProject(root: root, confDir: confDir, app: nil, candidates: [], primaryConfig: nil)
        let fm = FileManager.default
        if fm.fileExists(atPath: root + "/src/main.py") {
            project.app = "src/main.py"
        } else {
            let scripts = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasSuffix(".py") }.sorted()
            let apps = scripts.filter { (try? String(contentsOfFile: root + "/" + $0, encoding: .utf8))?.contains("@hydra.main") == true }
            if apps.count == 1 { project.app = apps[0] } else { project.candidates = apps }
        }
        project.primaryConfig = project.primaryConfigPath()
        return project
    }

    /// A config directory of another name (the upstream plugin's `multi-objective-conf/`): the
    /// project whose one app beside the directory names it in `@hydra.main(config_path=...)`.
    static func namedByItsApp(configPath: String) -> HydraProject? {
        let dir = URL(fileURLWithPath: configPath).standardizedFileURL.deletingLastPathComponent()
        let root = dir.deletingLastPathComponent().path, name = dir.lastPathComponent
        let fm = FileManager.default
        let scripts = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasSuffix(".py") }.sorted()
        let apps = scripts.filter { script in
            guard let source = try? String(contentsOfFile: root + "/" + script, encoding: .utf8),
                  let path = decoratorArgument("config_path", in: source) else { return false }
            return path == name || path == "./" + name || path == name + "/"
        }
        guard apps.count == 1 else { return nil }
        var project = HydraProject(root: root, confDir: dir.path, app: apps[0], candidates: [], primaryConfig: nil)
        project.primaryConfig = project.primaryConfigPath()
        return project
    }

    /// Scilab-RL's tree: `conf/performance/...` files with `src/main.py`.
    public func isScilabTree(configPath: String) -> Bool {
        app == "src/main.py" && URL(fileURLWithPath: configPath).standardizedFileURL.path.hasPrefix(confDir + "/performance/")
    }

    /// Whether the file is a primary config itself (directly in `conf/`), as in the upstream plugin's layout.
    public func isPrimary(configPath: String) -> Bool {
        URL(fileURLWithPath: configPath).standardizedFileURL.deletingLastPathComponent().path == confDir
    }

    /// `config_name` (and `config_path`) of the app's `@hydra.main`, else `main.yaml` or `config.yaml`.
    private func primaryConfigPath() -> String? {
        let fm = FileManager.default
        if let app, let source = try? String(contentsOfFile: root + "/" + app, encoding: .utf8),
           let name = Self.decoratorArgument("config_name", in: source) {
            var dir = confDir
            if let relative = Self.decoratorArgument("config_path", in: source) {
                let appDir = (root as NSString).appendingPathComponent((app as NSString).deletingLastPathComponent)
                dir = URL(fileURLWithPath: (appDir as NSString).appendingPathComponent(relative)).standardizedFileURL.path
            }
            let path = (dir as NSString).appendingPathComponent(name.hasSuffix(".yaml") ? name : name + ".yaml")
            if fm.fileExists(atPath: path) { return path }
        }
        return ["main.yaml", "config.yaml"].map { confDir + "/" + $0 }.first { fm.fileExists(atPath: $0) }
    }

    /// The string value of `key="..."` inside the first `@hydra.main(...)` of a script.
    static func decoratorArgument(_ key: String, in source: String) -> String? {
        guard let start = source.range(of: "@hydra.main(") else { return nil }
        let call = source[start.upperBound...].prefix(400)
        guard let keyRange = call.range(of: key) else { return nil }
        var rest = call[keyRange.upperBound...].drop(while: { $0 == " " })
        guard rest.first == "=" else { return nil }
        rest = rest.dropFirst().drop(while: { $0 == " " })
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        let body = rest.dropFirst()
        guard let end = body.firstIndex(of: quote) else { return nil }
        return String(body[..<end])
    }
}
