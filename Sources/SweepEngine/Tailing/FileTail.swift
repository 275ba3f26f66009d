import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads the lines appended to a file since the last call, never re-reading what it has read.
/// A file that shrinks was rewritten: reading starts over and `rewound` says so.
struct FileTail {
    let path: String
    /// The trial directory the file is in, when it is a trial's: then the file is opened through
    /// the directory opened without following a link (see `TrialDirectory`).
    var directory: String?
    private(set) var offset: Int64 = 0
    /// The file's size at the last read.
    private(set) var size: Int64 = 0
    private var partial: [UInt8] = []
    /// The file's first bytes as first read: when they change, the file was rewritten in place.
    private var signature: [UInt8] = []
    /// After a skip: the rest of the line the skip landed in is not a line of its own.
    private var skippingLine = false
    static let signatureLength = 512
    /// Longest line kept; longer lines are cut (a job printing garbage must not eat memory).
    static let maxLine = 64 * 1024
    static let chunk = 256 * 1024
    /// Most read from one file in one poll: a job that writes faster than this is read over
    /// several polls (an ended one in several reads at once), and memory stays bounded.
    static let maxPerPoll = 4 * 1024 * 1024

    init(path: String, inTrialDirectory directory: String? = nil) {
        self.path = path
        self.directory = directory
    }

    /// What one poll read.
    struct Read {
        var lines: [String] = []
        /// The file shrank or was rewritten, and was read again from its start.
        var rewound = false
        /// Why the file cannot be followed (it is not a regular file), when it cannot.
        var problem: String?
        /// More is written than this poll read: call again (at once, when the job has ended).
        var more = false
        /// Bytes passed over unread because the job wrote them faster than they could be followed.
        var skipped: Int64 = 0
    }

    /// New complete lines (and, with `final`, a last line without newline), at most `maxPerPoll`
    /// bytes of them. Only a regular file is read, and never with a blocking call: a FIFO or a
    /// link to `/dev/zero` in its place is reported as the problem instead. With `backlogLimit`,
    /// when more than that is waiting unread, all but its last `keep` bytes are skipped (for
    /// files that are shown, not scored: memory and time stay bounded whatever the job writes).
    mutating func readLines(final: Bool = false, backlogLimit: Int64? = nil, keep: Int64 = 256 * 1024) -> Read {
        var result = Read()
        guard let (fd, size) = opened(&result) else { return result }
        defer { close(fd) }
        if let backlogLimit, size - offset > backlogLimit {
            let resume = size - keep
            result.skipped = resume - offset
            offset = resume
            partial.removeAll()
            // The bytes up to the next newline end a line whose start was skipped.
            skippingLine = true
        }
        var buffer = [UInt8](repeating: 0, count: Self.chunk)
        var read = 0
        while read < Self.maxPerPoll {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Self.chunk, off_t(offset)) }
            if n <= 0 { break }
            offset += Int64(n)
            read += n
            var start = 0
            // memchr: a file of a few GB without a newline (a sparse hole) is passed over at memory speed.
            while let i = Self.newline(in: buffer, from: start, to: n) {
                if skippingLine {
                    skippingLine = false
                } else {
                    append(buffer[start..<i], to: &result.lines)
                }
                start = i + 1
            }
            if start < n && !skippingLine {
                partial.append(contentsOf: buffer[start..<n].prefix(max(0, Self.maxLine - partial.count)))
            }
            if n < Self.chunk { break }
        }
        result.more = offset < size
        if final && !result.more && !partial.isEmpty {
            result.lines.append(String(decoding: partial, as: UTF8.self))
            partial.removeAll()
        }
        return result
    }

    /// Opens the file for a poll: its descriptor and size, after noting in `result` a rewrite
    /// (it shrank, or its first bytes changed: reading starts over) or why it cannot be read.
    /// nil when there is nothing to read.
    private mutating func opened(_ result: inout Read) -> (Int32, Int64)? {
        let fd: Int32
        if let directory {
            switch TrialDirectory.open(directory, (path as NSString).lastPathComponent, O_RDONLY | O_NONBLOCK) {
            case .opened(let opened): fd = opened
            case .missing: return nil
            case .replaced(let why):
                result.problem = why
                return nil
            }
        } else {
            // A file outside the trial's directory (a shared `runs/`) is not followed through a link in its place.
            fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
            guard fd >= 0 else { return nil }
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            return nil
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            result.problem = "\(path) is not a regular file (\(Self.kind(st.st_mode))); hypertop reads only regular files"
            return nil
        }
        let size = Int64(st.st_size)
        self.size = size
        if size < offset || !signature.isEmpty && Self.readPrefix(fd, count: signature.count) != signature {
            offset = 0
            partial.removeAll()
            signature.removeAll()
            skippingLine = false
            result.rewound = true
        }
        if signature.count < Self.signatureLength && size > Int64(signature.count) {
            signature = Self.readPrefix(fd, count: min(Self.signatureLength, Int(size)))
        }
        return (fd, size)
    }

    /// The bytes appended since the last read, at most `maxPerPoll` of them, for a file of
    /// records rather than lines (TensorBoard's and W&B's run files). `read.rewound` says the
    /// file was rewritten and these bytes start it again.
    mutating func readBytes() -> (bytes: [UInt8], read: Read) {
        var result = Read()
        guard let (fd, size) = opened(&result) else { return ([], result) }
        defer { close(fd) }
        let want = Int(min(size - offset, Int64(Self.maxPerPoll)))
        guard want > 0 else { return ([], result) }
        var bytes = [UInt8](repeating: 0, count: want)
        var got = 0
        while got < want {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, want - got, off_t(offset) + off_t(got)) }
            if n <= 0 { break }
            got += n
        }
        bytes.removeLast(want - got)
        offset += Int64(got)
        result.more = offset < size
        return (bytes, result)
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a directory"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    private static func newline(in buffer: [UInt8], from start: Int, to end: Int) -> Int? {
        guard start < end else { return nil }
        return buffer.withUnsafeBytes { raw in
            memchr(raw.baseAddress! + start, Int32(UInt8(ascii: "\n")), end - start).map { $0 - UnsafeMutableRawPointer(mutating: raw.baseAddress!) }
        }
    }

    private static func readPrefix(_ fd: Int32, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, 0) }
        return Array(bytes.prefix(max(0, n)))
    }

    private mutating func append(_ bytes: ArraySlice<UInt8>, to lines: inout [String]) {
        partial.append(contentsOf: bytes.prefix(max(0, Self.maxLine - partial.count)))
        var line = String(decoding: partial, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        lines.append(line)
        partial.removeAll(keepingCapacity: true)
    }
}
