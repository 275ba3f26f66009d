import CNcursesw
import DashboardCore
import Foundation

/// What the terminal hands the dashboard: a key, or a new size after a resize.
public enum TerminalInput: Sendable, Equatable {
    case key(Key)
    case resize(Size)
}

public enum TerminalError: Error, CustomStringConvertible {
    case cannotOpen(term: String)
    case cannotMoveCursor(term: String)

    public var description: String {
        switch self {
        case .cannotOpen(let term):
            return "curses cannot drive the terminal type '\(term)'. Set TERM to one your terminal supports "
                + "(e.g. xterm-256color), or run with --headless."
        case .cannotMoveCursor(let term):
            return "the terminal type '\(term)' cannot move the cursor, which the dashboard needs. "
                + "Set TERM to your terminal's type, or run with --headless."
        }
    }
}

extension Terminal {
    /// For a terminal type the terminfo database lacks (or a machine with no database where
    /// ncurses looks: `/etc/terminfo`, `/lib/terminfo`, `/usr/share/terminfo`), writes the
    /// built-in `vt100` entry (for `vt*` types) or `xterm-256color` (any other) into a directory
    /// of this user's and points `TERMINFO` at it; returns the entry's name, or nil when it
    /// cannot be written.
    static func builtInEntry(for term: String) -> String? {
        let (name, base64) = term.hasPrefix("vt") ? ("vt100", BuiltInTerminfo.vt100) : ("xterm-256color", BuiltInTerminfo.xterm256color)
        guard let data = Data(base64Encoded: base64) else { return nil }
        let root = NSTemporaryDirectory() + "hypertop-terminfo-\(getuid())"
        let dir = root + "/" + String(name.prefix(1))
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try data.write(to: URL(fileURLWithPath: dir + "/" + name), options: .atomic)
        } catch {
            return nil
        }
        setenv("TERMINFO", root, 1)
        return name
    }
}

/// The curses screen. The only place that calls curses, and not thread-safe (curses is not):
/// create, use and close it on one thread.
public final class Terminal {
    /// Whether the locale is UTF-8, so Unicode glyphs will show.
    public let supportsUnicode: Bool
    /// Whether colours are in use (the terminal has them and NO_COLOR is not set).
    public let usesColor: Bool

    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private let output: UnsafeMutablePointer<FILE>
    private let input: UnsafeMutablePointer<FILE>
    private let palette: Palette
    private var closed = false

    /// Takes over the terminal. `termType` nil means `$TERM`; `outputPath`/`inputPath` nil mean
    /// stdout/stdin (tests pass /dev/null to get a screen with no terminal behind it).
    public init(termType: String? = nil, outputPath: String? = nil, inputPath: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        setlocale(LC_ALL, "")
        supportsUnicode = String(cString: nl_langinfo(nl_item(CODESET))) == "UTF-8"
        let term = termType ?? environment["TERM"] ?? "unknown"
        guard let out = outputPath.map({ fopen($0, "w") }) ?? fdopen(dup(STDOUT_FILENO), "w") else {
            throw TerminalError.cannotOpen(term: term)
        }
        guard let inp = inputPath.map({ fopen($0, "r") }) ?? fdopen(dup(STDIN_FILENO), "r") else {
            fclose(out)
            throw TerminalError.cannotOpen(term: term)
        }
        // newterm, unlike initscr, returns NULL on an unknown terminal instead of exiting. A
        // terminal the database lacks gets a built-in entry (see `Terminal.builtInEntry`).
        var opened = newterm(term, out, inp)
        if opened == nil, let fallback = Terminal.builtInEntry(for: term) { opened = newterm(fallback, out, inp) }
        guard let screen = opened else {
            fclose(out)
            fclose(inp)
            throw TerminalError.cannotOpen(term: term)
        }
        set_term(screen)
        // A terminal without cursor addressing (TERM=dumb) opens, but cannot show a dashboard.
        let cup = tigetstr("cup")
        guard let cup, Int(bitPattern: cup) != -1 else {
            endwin()
            delscreen(screen)
            fclose(out)
            fclose(inp)
            throw TerminalError.cannotMoveCursor(term: term)
        }
        guard let window = hypertop_stdscr() else {
            endwin()
            delscreen(screen)
            fclose(out)
            fclose(inp)
            throw TerminalError.cannotOpen(term: term)
        }
        self.screen = screen
        self.window = window
        output = out
        input = inp
        Terminal.restoreAtExit()

        cbreak()
        noecho()
        nonl()
        intrflush(window, false)
        keypad(window, true)
        curs_set(0)
        // Esc alone must act at once, not after curses' default one-second wait for a sequence.
        set_escdelay(25)

        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        usesColor = !noColor && has_colors() && start_color() == OK
        palette = Palette(color: usesColor, defaultColors: usesColor && use_default_colors() == OK,
                          colors: Int(hypertop_colors()), pairs: Int(hypertop_color_pairs()))
        wclear(window)
    }

    deinit { close() }

    /// Gives the terminal back: cursor, echo, line mode, the shell's screen.
    public func close() {
        guard !closed else { return }
        closed = true
        set_term(screen)
        curs_set(1)
        endwin()
        delscreen(screen)
        fclose(output)
        fclose(input)
    }

    /// Gives the terminal back for a while (Ctrl-Z): the shell's modes (line mode, echo), its
    /// screen and the cursor, until `resume`.
    func suspend() {
        set_term(screen)
        endwin()
    }

    /// Takes the terminal again after the process was continued: curses' modes back, the keys
    /// typed meanwhile dropped (they were meant for the shell, never for the dashboard), and the
    /// next `flush` draws every cell, whatever the screen shows now.
    func resume() {
        set_term(screen)
        // Modes the user set in the shell meanwhile are the ones to give back at the end.
        if isendwin() { def_shell_mode() }
        reset_prog_mode()
        flushinp()
        redrawAll()
    }

    /// The next `flush` clears the screen and draws every cell, whatever the screen shows now
    /// (curses otherwise sends only the cells that changed since it last drew).
    func redrawAll() {
        clearok(window, true)
    }

    public var size: Size {
        Size(width: Int(getmaxx(window)), height: Int(getmaxy(window)))
    }

    /// Copies the frame into curses and lets `doupdate` send only what changed.
    public func flush(_ buffer: Buffer) {
        let height = min(buffer.height, Int(getmaxy(window)))
        let width = min(buffer.width, Int(getmaxx(window)))
        var text: [wchar_t] = []
        text.reserveCapacity(2 * width + 1)
        for y in 0..<height {
            var x = 0
            while x < width {
                let style = buffer[x, y].style
                text.removeAll(keepingCapacity: true)
                var end = x
                // A wide character's right half goes with it, whatever its style.
                while end < width, end == x || buffer[end, y].style == style || buffer[end, y].isContinuation {
                    Terminal.append(buffer, end, y, width: width, to: &text)
                    end += 1
                }
                let count = Int32(text.count)
                text.append(0)
                let (attrs, pair) = palette.attributes(for: style)
                wattr_set(window, attrs, pair, nil)
                _ = text.withUnsafeBufferPointer { mvwaddnwstr(window, Int32(y), Int32(x), $0.baseAddress, count) }
                x = end
            }
        }
        wattr_set(window, 0, 0, nil)
        wnoutrefresh(window)
        doupdate()
    }

    /// The `wchar_t`s that draw cell (x, y): its character and marks, nothing for the right
    /// half of a wide character (curses moves two cells for it). Where the C library's `wcwidth`
    /// does not give the cells the buffer laid out (no UTF-8 locale: the ASCII fallback; a
    /// character the library does not know), `?` in each cell keeps the columns in place.
    static func append(_ buffer: Buffer, _ x: Int, _ y: Int, width: Int, to text: inout [wchar_t]) {
        let cell = buffer[x, y]
        let isWide = x + 1 < buffer.width && buffer[x + 1, y].isContinuation
        if cell.isContinuation {
            // A half whose other half was not written here: only as the first cell of a run.
            if text.isEmpty { text.append(wchar_t(UInt8(ascii: " "))) }
            return
        }
        let c = wchar_t(bitPattern: cell.char.value)
        if isWide && x + 1 >= width {
            text.append(wchar_t(UInt8(ascii: " ")))
            return
        }
        let cells: Int32 = isWide ? 2 : 1
        guard (cell.char.value < 0x7F && !isWide) || wcwidth(c) == cells else {
            text.append(contentsOf: repeatElement(wchar_t(UInt8(ascii: "?")), count: Int(cells)))
            return
        }
        text.append(c)
        for mark in buffer.marks(x, y) where wcwidth(wchar_t(bitPattern: mark.value)) == 0 {
            text.append(wchar_t(bitPattern: mark.value))
        }
    }

    /// Waits up to `timeoutMs` for a key (or a resize); nil when the time ran out. This wait is
    /// the dashboard's sleep between frames.
    public func readInput(timeoutMs: Int) -> TerminalInput? {
        wtimeout(window, Int32(max(0, timeoutMs)))
        var ch: wint_t = 0
        let result = wget_wch(window, &ch)
        if result == KEY_CODE_YES {
            if Int32(ch) == KEY_RESIZE { return .resize(size) }
            return Terminal.functionKey(Int32(ch)).map(TerminalInput.key)
        }
        guard result == OK else { return nil }
        return Terminal.characterKey(UInt32(ch)).map(TerminalInput.key)
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_BTAB: return .backTab
        case (KEY_F0 + 1)...(KEY_F0 + 12): return .function(Int(code - KEY_F0))
        default: return nil
        }
    }

    static func characterKey(_ code: UInt32) -> Key? {
        switch code {
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 9: return .tab
        case 1...26: return .control(Character(Unicode.Scalar(UInt8(code + 0x60))))
        default:
            guard code >= 32, let scalar = Unicode.Scalar(code) else { return nil }
            return .char(Character(scalar))
        }
    }

    /// Reads back one cell of the curses screen (what `flush` wrote): for tests.
    func cell(x: Int, y: Int) -> (char: Unicode.Scalar, attrs: attr_t, pair: Int16)? {
        var cc = cchar_t()
        guard mvwin_wch(window, Int32(y), Int32(x), &cc) == OK else { return nil }
        var chars = [wchar_t](repeating: 0, count: 8)
        var attrs: attr_t = 0
        var pair: Int16 = 0
        guard getcchar(&cc, &chars, &attrs, &pair, nil) == OK,
              let scalar = Unicode.Scalar(UInt32(bitPattern: chars[0])) else { return nil }
        return (scalar, attrs & ~hypertop_color_mask(), pair)
    }

    /// Every character of one cell of the curses screen, its combining marks after it: for tests.
    func characters(x: Int, y: Int) -> [Unicode.Scalar] {
        var cc = cchar_t()
        guard mvwin_wch(window, Int32(y), Int32(x), &cc) == OK else { return [] }
        var chars = [wchar_t](repeating: 0, count: 8)
        var attrs: attr_t = 0
        var pair: Int16 = 0
        guard getcchar(&cc, &chars, &attrs, &pair, nil) == OK else { return [] }
        return chars.prefix { $0 != 0 }.compactMap { Unicode.Scalar(UInt32(bitPattern: $0)) }
    }

    /// If the process exits while curses owns the screen (an error path that skipped `close`),
    /// the shell still gets its terminal back; endwin without a screen is a harmless error.
    private static let exitHook: Void = {
        atexit { endwin() }
    }()

    private static func restoreAtExit() { _ = exitHook }
}
