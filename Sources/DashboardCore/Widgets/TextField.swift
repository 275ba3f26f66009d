/// One line of text being typed (the filter, a note, a form's field, a study's new name): the
/// text and where the cursor is. Every place that takes typing edits with the same keys and
/// draws the cursor the same way (Bubbles' `textinput`).
public struct TextField: Sendable, Hashable, ExpressibleByStringLiteral {
    public private(set) var text: String
    /// How many characters stand before the cursor (0 ... text.count).
    public private(set) var cursor: Int

    /// A field holding `text`, the cursor after its end: ready to type on.
    public init(_ text: String = "") {
        self.text = text
        cursor = text.count
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    public var isEmpty: Bool { text.isEmpty }

    /// Applies one editing key: a character (typed at the cursor when `accepts` takes it and the
    /// text is shorter than `limit`), Backspace, Del, Left, Right, Home, End. Returns false for
    /// any other key (Enter, Esc, Tab, Up, ...): those mean something to the form around it.
    @discardableResult
    public mutating func edit(_ key: Key, limit: Int = .max, accepts: (Character) -> Bool = { _ in true }) -> Bool {
        switch key {
        case .char(let c):
            if accepts(c) && text.count < limit { insert(c) }
        case .backspace: deleteBackward()
        case .delete: deleteForward()
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(text.count, cursor + 1)
        case .home: cursor = 0
        case .end: cursor = text.count
        default: return false
        }
        return true
    }

    public mutating func insert(_ c: Character) {
        text.insert(c, at: index(cursor))
        cursor += 1
    }

    /// Removes the character before the cursor (Backspace).
    public mutating func deleteBackward() {
        guard cursor > 0 else { return }
        text.remove(at: index(cursor - 1))
        cursor -= 1
    }

    /// Removes the character under the cursor (Del).
    public mutating func deleteForward() {
        guard cursor < text.count else { return }
        text.remove(at: index(cursor))
    }

    private func index(_ offset: Int) -> String.Index {
        text.index(text.startIndex, offsetBy: offset)
    }

    /// The text with its cursor: after the end it is a `_`; inside the text, the character under
    /// it is shown reversed. An empty field shows `placeholder` (if any) before the cursor.
    public func spans(_ style: Style = .plain, cursor cursorStyle: Style = Style(bold: true), placeholder: Span? = nil) -> [Span] {
        if text.isEmpty, let placeholder { return [placeholder, Span("_", cursorStyle)] }
        guard cursor < text.count else { return [Span(text, style), Span("_", cursorStyle)] }
        let at = index(cursor)
        var under = cursorStyle
        under.reverse = true
        return [Span(String(text[..<at]), style), Span(String(text[at]), under), Span(String(text[text.index(after: at)...]), style)]
    }
}
