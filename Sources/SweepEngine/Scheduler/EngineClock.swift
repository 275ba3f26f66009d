import Foundation

/// The engine's time: the system's, or a test's that moves only when the engine sleeps, so that
/// deadlines, kill escalation and heartbeats are tested in milliseconds and deterministically.
public protocol EngineClock: Sendable {
    func now() -> Date
    func sleep(for duration: Duration) async
}

public struct SystemClock: EngineClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(for duration: Duration) async { try? await Task.sleep(for: duration) }
}
