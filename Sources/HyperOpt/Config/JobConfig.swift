import Foundation
import Yams

/// A job key's value as composed, and the file and node it came from (for errors at its line).
struct Setting {
    var node: Node
    var file: String
}

/// The job's configuration as Hydra would compose it for one run: the primary config
/// (`conf/main.yaml`) with its `defaults` groups, then the sweep file on top. Only what hypertop
/// itself needs is read from it (`n_epochs`, `early_stop_last_n`, the criterion, ...); the job
/// composes its own config.
struct JobConfig {
    /// Leaf values by dotted key (`algorithm.learning_rate`).
    private(set) var settings: [String: Setting] = [:]
    /// The groups the primary config's `defaults` chooses (`algorithm`): the sweep file's choice
    /// of one of them is passed as `algorithm=x`, of any other as `+group=x`.
    private(set) var primaryGroups: Set<String> = []

    /// The option of the `hydra/sweeper` group the job composes with (`optuna`), if one is chosen.
    private(set) var sweeperOption: String?

    subscript(key: String) -> Setting? { settings[key] }

    /// A command-line override of a job key, on top of everything else (`~key` removes it).
    mutating func merge(override o: CommandLineOverride) {
        guard o.value != nil else {
            for existing in settings.keys where existing == o.key || existing.hasPrefix(o.key + ".") { settings[existing] = nil }
            return
        }
        merge(o.node, prefix: o.key, file: o.place)
    }

    /// Sets `key` and everything below it from `node`; a later layer replaces what is under its keys.
    mutating func merge(_ node: Node, prefix: String, file: String) {
        if let map = node.mapping, !map.isEmpty {
            for (k, v) in map {
                guard let key = k.string else { continue }
                merge(v, prefix: prefix.isEmpty ? key : prefix + "." + key, file: file)
            }
            return
        }
        guard !prefix.isEmpty else { return }
        for existing in settings.keys where existing.hasPrefix(prefix + ".") { settings[existing] = nil }
        var parent = prefix
        while let dot = parent.lastIndex(of: ".") {
            parent = String(parent[..<dot])
            settings[parent] = nil
        }
        settings[prefix] = Setting(node: node, file: file)
    }

    /// Every job key of a file's top-level mapping (all but `defaults`, `hydra` and the test conditions).
    mutating func merge(jobKeysOf map: Node.Mapping, file: String) {
        for (k, v) in map where !Self.nonJobKeys.contains(k.string ?? "") { merge(v, prefix: k.string ?? "", file: file) }
    }

    /// Keys of a config file that are not job configuration.
    static let nonJobKeys: Set<String> = ["defaults", "hydra", "performance_testing_conditions"]

    /// Composes the job's config for the sweep file `top` (a `_global_` package file).
    static func compose(project: HydraProject?, sweepFile: YAMLFile, top: Node.Mapping, yaml: YAMLReader) throws -> JobConfig {
        var config = JobConfig()
        let fileDefaults = try DefaultsEntry.list(top, yaml: yaml)
        config.sweeperOption = fileDefaults.last { $0.group == "hydra/sweeper" }?.option
        if let project, let primaryPath = project.primaryConfig,
           primaryPath != sweepFile.path {
            let primary = try YAMLFile.read(primaryPath, what: "the primary config")
            let primaryYAML = YAMLReader(path: primary.path, warnings: yaml.warnings)
            if let root = primary.root, let pmap = root.mapping {
                var groups = try DefaultsEntry.list(pmap, yaml: primaryYAML)
                config.primaryGroups = Set(groups.compactMap(\.group))
                config.sweeperOption = config.sweeperOption ?? groups.last { $0.group == "hydra/sweeper" }?.option
                for entry in fileDefaults where entry.group != nil {
                    if let i = groups.firstIndex(where: { $0.group == entry.group }) { groups[i].option = entry.option } else { groups.append(entry) }
                }
                if !groups.contains(where: \.isSelf) { groups.append(DefaultsEntry(group: nil, option: "_self_", node: root)) }
                for entry in groups {
                    if entry.isSelf {
                        config.merge(jobKeysOf: pmap, file: primary.path)
                        continue
                    }
                    guard let group = entry.group, !group.hasPrefix("hydra"), let option = entry.option else { continue }
                    let path = project.confDir + "/" + group + "/" + option + ".yaml"
                    guard FileManager.default.fileExists(atPath: path) else {
                        yaml.warn(entry.node, "the defaults entry `\(group): \(option)` names no file \(path); its keys are not known to hypertop.")
                        continue
                    }
                    let file = try YAMLFile.read(path, what: "a config group file")
                    guard let node = file.root else { continue }
                    let package = file.packageHeader ?? "_group_"
                    let prefix = package == "_global_" ? "" : package == "_group_" ? group.replacingOccurrences(of: "/", with: ".") : package
                    config.merge(node, prefix: prefix, file: file.path)
                }
            }
        }
        config.merge(jobKeysOf: top, file: sweepFile.path)
        return config
    }

    /// The sweep file's own settings as Hydra overrides, for an app that is given them on argv:
    /// `defaults` overrides as group overrides, every job key as `++key=value`.
    /// `primaryGroups` are the composed config's (`JobConfig.primaryGroups`).
    static func overrides(top: Node.Mapping, primaryGroups: Set<String>, yaml: YAMLReader, skipping: Set<String>) throws -> [String] {
        var out: [String] = []
        for entry in try DefaultsEntry.list(top, yaml: yaml) where !entry.isSelf {
            guard let group = entry.group, let option = entry.option else {
                yaml.warn(entry.node, "the defaults entry `\(entry.option ?? "")` is not a group choice; it cannot be passed to the app as an override and is left out.")
                continue
            }
            if group.hasPrefix("hydra/") || group == "hydra" { continue }
            let known = entry.isOverride || primaryGroups.contains(group)
            out.append((known ? "" : "+") + group + "=" + HydraOverride.text(.string(option)))
        }
        var flat = JobConfig()
        flat.merge(jobKeysOf: top, file: yaml.path)
        let keys = flat.settings.keys.sorted { (flat.settings[$0]?.node.mark?.line ?? 0, $0) < (flat.settings[$1]?.node.mark?.line ?? 0, $1) }
        for key in keys where !skipping.contains(key) {
            guard let setting = flat.settings[key] else { continue }
            out.append("++" + key + "=" + HydraOverride.text(try yaml.configValue(setting.node)))
        }
        return out
    }
}

/// One entry of a `defaults:` list: `- override /algorithm: sac`, `- algorithm: sac`, `- _self_`.
struct DefaultsEntry {
    var group: String?
    var option: String?
    var isOverride = false
    var node: Node

    init(group: String?, option: String?, isOverride: Bool = false, node: Node) {
        self.group = group
        self.option = option
        self.isOverride = isOverride
        self.node = node
    }

    var isSelf: Bool { group == nil && option == "_self_" }

    static func list(_ map: Node.Mapping, yaml: YAMLReader) throws -> [DefaultsEntry] {
        guard let node = map.value("defaults") else { return [] }
        guard let seq = node.sequence else { throw yaml.error(node, "`defaults` must be a list, e.g. `- override /algorithm: sac`.") }
        var out: [DefaultsEntry] = []
        for item in seq {
            if let s = item.scalar?.string {
                out.append(DefaultsEntry(group: nil, option: s, node: item))
                continue
            }
            guard let m = item.mapping, m.count == 1, let (k, v) = m.first, var key = k.string else {
                throw yaml.error(item, "a `defaults` entry must be `group: option` or a name, e.g. `- override /algorithm: sac`.")
            }
            var isOverride = false
            // `optional` and `override` may both stand before the group, in either order.
            while let word = ["optional ", "override "].first(where: key.hasPrefix) {
                isOverride = isOverride || word == "override "
                key = String(key.dropFirst(word.count))
            }
            let group = key.hasPrefix("/") ? String(key.dropFirst()) : key
            out.append(DefaultsEntry(group: group, option: v.scalar?.string, isOverride: isOverride, node: item))
        }
        return out
    }
}
