import Foundation
import HyperOpt

#if canImport(Glibc)
import Glibc
#endif

/// The latest measurement of a running study, for `attach` and `watch` in other processes:
/// `<sweep dir>/.hypertop-usage.json`, written aside and renamed into place at each sample, and
/// removed at the study's end. It is a picture of now, never part of the store.
public enum UsageFile {
    public static let name = ".hypertop-usage.json"
    /// A picture older than this is an engine's that no longer measures (it died): not shown.
    static let freshFor: TimeInterval = 10
    /// More than any real measurement takes (a thousand trials take about 300 KB).
    static let maxBytes = 8 << 20

    static func path(_ sweepDirectory: String) -> String { (sweepDirectory as NSString).appendingPathComponent(name) }

    /// Best effort: a measurement that cannot be written (a full disk) is only not shown elsewhere.
    static func write(_ sample: UsageSample, sweepDirectory: String) {
        guard let data = try? JSONEncoder().encode(sample) else { return }
        let target = path(sweepDirectory)
        let aside = target + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: aside, contents: data) else { return }
        if rename(aside, target) != 0 { unlink(aside) }
    }

    static func remove(sweepDirectory: String) { unlink(path(sweepDirectory)) }

    /// The engine's latest measurement, when it is a fresh one; nil when there is none, it is
    /// stale, or the file is not one hypertop wrote (a link, too large, not its JSON).
    public static func read(sweepDirectory: String, now: Date = Date()) -> UsageSample? {
        let fd = open(path(sweepDirectory), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) <= maxBytes,
              let data = try? handle.read(upToCount: maxBytes + 1), data.count <= maxBytes,
              let sample = try? JSONDecoder().decode(UsageSample.self, from: data),
              now.timeIntervalSince(sample.at) < freshFor else { return nil }
        return sample
    }
}
