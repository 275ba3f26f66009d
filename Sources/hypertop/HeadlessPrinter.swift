import Foundation
import HyperOpt
import StudyReports

/// A headless log that also speaks when the study is quiet: events in, lines out, and a status
/// line from `tick` after `HeadlessLog.quietInterval` of silence.
public actor HeadlessPrinter {
    private var log: HeadlessLog
    private let write: @Sendable (String) -> Void

    public init(log: HeadlessLog = HeadlessLog(), write: @escaping @Sendable (String) -> Void) {
        self.log = log
        self.write = write
    }

    public func take(_ event: EngineEvent) {
        for line in log.lines(for: event) { write(line) }
    }

    public func tick(now: Date = Date()) {
        if let line = log.quietLine(now: now) { write(line) }
    }
}
