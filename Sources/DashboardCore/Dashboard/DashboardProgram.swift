/// A screen the terminal runner can drive: it takes messages, asks for effects, and draws itself.
/// The dashboard and the studies browser are the two.
public protocol DashboardProgram: Sendable {
    /// Set by the runner once the terminal says whether it can show Unicode.
    var glyphs: Glyphs { get set }
    mutating func receive(_ msg: DashboardMsg) -> [DashboardEffect]
    func frame(size: Size) -> Buffer
}

extension DashboardState: DashboardProgram {
    public mutating func receive(_ msg: DashboardMsg) -> [DashboardEffect] { update(&self, msg) }
    public func frame(size: Size) -> Buffer { render(self, size: size) }
}

extension StudiesBrowserState: DashboardProgram {
    public mutating func receive(_ msg: DashboardMsg) -> [DashboardEffect] { update(&self, msg) }
    public func frame(size: Size) -> Buffer { render(self, size: size) }
}
