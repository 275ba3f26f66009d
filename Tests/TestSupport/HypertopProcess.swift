import Foundation

/// A `hypertop` a test started: its process, and its output as it comes, so that a test waits
/// for a line instead of sleeping. The pipes are read all the time, so a chatty run never blocks
/// on a full pipe.
public final class HypertopProcess {
    public let process: Process
    public let stdout = OutputCollector()
    public let stderr = OutputCollector()
    /// Both streams, in the order their pieces came.
    public let output = OutputCollector()
    private let started = Date()
    private var ended: Date?

    init(_ process: Process) throws {
        self.process = process
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        for (pipe, stream) in [(out, stdout), (err, stderr)] {
            pipe.fileHandleForReading.readabilityHandler = { [output] handle in
                let chunk = handle.availableData
                if chunk.isEmpty {
                    handle.readabilityHandler = nil
                    stream.close()
                } else {
                    stream.append(chunk)
                    output.append(chunk)
                }
            }
        }
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    /// Its exit status (once it ended).
    public var status: Int32 { process.terminationStatus }

    /// Seconds from its start to its end (or to now, while it runs).
    public var seconds: Double { (ended ?? Date()).timeIntervalSince(started) }

    /// Waits for its end, then for the end of its output, so the collectors hold all it wrote.
    /// (A process it left behind that still holds a pipe is waited for 5 s at most.)
    public func waitUntilExit() {
        process.waitUntilExit()
        if ended == nil { ended = Date() }
        waitUntil(5, every: 0.01) { stdout.isClosed && stderr.isClosed }
    }

    /// Waits at most `timeout` seconds for its end; past that, Ctrl-C, and SIGTERM half a second
    /// later. Returns its exit status.
    @discardableResult
    public func finish(timeout: Double) -> Int32 {
        if !waitUntil(timeout, every: 0.02, { !process.isRunning }) {
            process.interrupt()
            usleep(500_000)
            if process.isRunning { process.terminate() }
        }
        waitUntilExit()
        return status
    }
}

/// A process's output, collected as it comes.
public final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var closed = false

    init() {}

    func append(_ chunk: Data) {
        lock.lock()
        data.append(chunk)
        lock.unlock()
    }

    func close() {
        lock.lock()
        closed = true
        lock.unlock()
    }

    /// Whether the stream has ended (its last byte is in `text`).
    public var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return closed
    }

    public var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether `needle` shows up within `timeout` seconds (a liveness bound, not a measurement).
    public func waitFor(_ needle: String, timeout: Double = 15) -> Bool {
        waitUntil(timeout, every: 0.02) { text.contains(needle) }
    }
}
