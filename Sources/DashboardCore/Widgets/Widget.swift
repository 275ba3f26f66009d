/// Paints itself into `area` of a buffer and nowhere else; never touches the terminal (Ratatui's
/// `Widget`). The dashboard's panels are widgets over its state.
public protocol Widget {
    func render(_ area: Rect, _ buf: inout Buffer, glyphs: Glyphs)
}

/// A widget with state that outlives a frame (a table's scroll position): rendering repairs a
/// stale state and hands the repaired one back (Ratatui's `StatefulWidget`).
public protocol StatefulWidget {
    associatedtype State
    func render(_ area: Rect, _ buf: inout Buffer, state: inout State, glyphs: Glyphs)
}

extension Chart: Widget {}
extension Gauge: Widget {}
extension Sparkline: Widget {}
