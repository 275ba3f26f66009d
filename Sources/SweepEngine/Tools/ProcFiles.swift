import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One process as `/proc/<pid>/stat` says it: the one reader of that file, for the engine-liveness
/// check, the end of a dead engine's jobs and the usage sampler.
struct ProcessStat: Sendable, Hashable {
    var pid: Int32
    var parent: Int32
    var group: Int32
    var state: UInt8
    /// User and system time of the process itself, and of its children it waited for, in clock ticks.
    var ownTicks: UInt64
    var childTicks: UInt64
    var threads: Int
    /// When it started, in clock ticks since boot: with the pid, it names one process for good.
    var startTicks: UInt64
    /// Resident pages.
    var rssPages: UInt64

    /// Whether it still runs: a zombie or a dead process is gone for good, waiting only for its
    /// parent (init, in a container perhaps nobody) to reap it.
    var runs: Bool { state != UInt8(ascii: "Z") && state != UInt8(ascii: "X") }

    /// Parses a `stat` line: "pid (comm) state ppid pgrp ...". The name may hold spaces and
    /// parentheses, so the fields count from the last ')'.
    init?(line: some BidirectionalCollection<UInt8>, pid: Int32) {
        guard let close = line.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var values: [UInt64] = []
        values.reserveCapacity(22)
        var state: UInt8 = 0
        var field = 0
        var current: UInt64 = 0
        var inField = false
        var negative = false
        var i = line.index(after: close)
        // Fields after the name, 0-based: 0 state, 1 ppid, 2 pgrp, ..., 11 utime, 12 stime,
        // 13 cutime, 14 cstime, 17 num_threads, 19 starttime, 21 rss.
        while i != line.endIndex && values.count < 22 {
            let c = line[i]
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\n") {
                if inField {
                    if field == 0 { values.append(0) } else { values.append(negative ? 0 : current) }
                    field += 1
                    current = 0
                    inField = false
                    negative = false
                }
            } else {
                if field == 0 {
                    state = c
                } else if c == UInt8(ascii: "-") {
                    negative = true
                } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                    current = current &* 10 &+ UInt64(c - UInt8(ascii: "0"))
                }
                inField = true
            }
            i = line.index(after: i)
        }
        if inField && values.count < 22 { values.append(negative ? 0 : current) }
        guard values.count >= 22, state != 0 else { return nil }
        self.pid = pid
        self.state = state
        parent = Int32(truncatingIfNeeded: values[1])
        group = Int32(truncatingIfNeeded: values[2])
        ownTicks = values[11] &+ values[12]
        childTicks = values[13] &+ values[14]
        threads = Int(values[17])
        startTicks = values[19]
        rssPages = values[21]
    }
}

/// Reads `/proc` with plain system calls into one reused buffer: a sample of a few hundred
/// processes a second must stay well under a percent of a core.
struct ProcReader {
    private var buffer = [UInt8](repeating: 0, count: 16_384)

    /// Every process id `/proc` lists now.
    static func pids() -> [Int32] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var pids: [Int32] = []
        while let entry = readdir(dir) {
            let first = entry.pointee.d_name.0
            guard first >= 0x31 && first <= 0x39 else { continue }  // '1'...'9'
            let pid = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { Int32(atoi($0)) }
            }
            if pid > 0 { pids.append(pid) }
        }
        return pids
    }

    /// The whole of a small file, or nil when it cannot be read (the process is gone, or not ours).
    mutating func read(_ path: String) -> ArraySlice<UInt8>? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var total = 0
        while true {
            if total == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            total += n
        }
        return total > 0 ? buffer[0..<total] : nil
    }

    mutating func stat(_ pid: Int32) -> ProcessStat? {
        guard let bytes = read("/proc/\(pid)/stat") else { return nil }
        return ProcessStat(line: bytes, pid: pid)
    }

    /// Busy and total time of all CPUs (`/proc/stat`'s first line), in clock ticks.
    mutating func cpuTimes() -> (busy: UInt64, total: UInt64)? {
        guard let bytes = read("/proc/stat") else { return nil }
        let line = bytes.prefix { $0 != UInt8(ascii: "\n") }
        let numbers = line.split(separator: UInt8(ascii: " ")).dropFirst().compactMap { UInt64(String(decoding: $0, as: UTF8.self)) }
        guard numbers.count >= 4 else { return nil }
        let total = numbers.prefix(8).reduce(0, +)
        // idle and iowait are the time no CPU worked.
        let idle = numbers[3] + (numbers.count > 4 ? numbers[4] : 0)
        return (total - min(idle, total), total)
    }

    /// Total and used memory (`MemTotal` less `MemAvailable`), in bytes.
    mutating func memory() -> (used: UInt64, total: UInt64)? {
        guard let bytes = read("/proc/meminfo") else { return nil }
        var total: UInt64?, available: UInt64?
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            func kib() -> UInt64? {
                line.split(separator: UInt8(ascii: " ")).dropFirst().first.flatMap { UInt64(String(decoding: $0, as: UTF8.self)) }
            }
            if line.starts(with: Array("MemTotal:".utf8)) { total = kib() }
            if line.starts(with: Array("MemAvailable:".utf8)) { available = kib() }
            if total != nil && available != nil { break }
        }
        guard let total, let available else { return nil }
        return ((total - min(available, total)) * 1024, total * 1024)
    }
}
