/// A piece of styled text; a line of them paints left to right.
public struct Span: Sendable, Hashable {
    public var text: String
    public var style: Style

    public init(_ text: String, _ style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

extension Buffer {
    /// Paints spans from (x, y) within `maxWidth` columns; returns the columns used.
    @discardableResult
    public mutating func put(_ spans: [Span], x: Int, y: Int, maxWidth: Int) -> Int {
        var col = 0
        for span in spans where col < maxWidth {
            col += put(span.text, x: x + col, y: y, maxWidth: maxWidth - col, style: span.style)
        }
        return col
    }
}
