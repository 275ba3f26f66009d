import CNcursesw
import DashboardCore

/// Maps colour roles to curses colour pairs and attributes. Eight basic colours (plus a grey on
/// 256-colour terminals), so the dashboard looks the same in tmux, screen and odd TERMs; without
/// colour, roles become bold, dim and reverse.
final class Palette {
    private let color: Bool
    private let defaultColors: Bool
    private let grey: Int16?
    private let maxPairs: Int
    private var pairs: [Int32: Int16] = [:]
    private var styles: [Style: (attr_t, Int16)] = [:]

    init(color: Bool, defaultColors: Bool, colors: Int, pairs: Int) {
        self.color = color
        self.defaultColors = defaultColors
        grey = color && colors >= 256 ? 245 : nil
        maxPairs = pairs
    }

    func attributes(for style: Style) -> (attr_t, Int16) {
        if let cached = styles[style] { return cached }
        var attrs: attr_t = 0
        var pair: Int16 = 0
        var reverse = style.reverse
        if style.bold { attrs |= hypertop_a_bold() }
        if color {
            pair = self.pair(fg: foreground(style.fg), bg: background(style.bg))
            if style.fg == .muted && grey == nil { attrs |= hypertop_a_dim() }
        } else {
            // Monochrome: the header bar is reversed, and colours that mean something turn bold.
            if style.bg == .headerBar { reverse.toggle() }
            switch style.fg {
            case .best, .running, .failed, .warning, .title: attrs |= hypertop_a_bold()
            case .muted: attrs |= hypertop_a_dim()
            default: break
            }
        }
        if reverse { attrs |= hypertop_a_reverse() }
        styles[style] = (attrs, pair)
        return (attrs, pair)
    }

    private var plainForeground: Int16 { defaultColors ? -1 : Int16(COLOR_WHITE) }
    private var plainBackground: Int16 { defaultColors ? -1 : Int16(COLOR_BLACK) }

    private func foreground(_ role: ColorRole) -> Int16 {
        switch role {
        case .default, .title: return plainForeground
        case .muted, .waiting: return grey ?? plainForeground
        case .accent, .bar: return Int16(COLOR_CYAN)
        case .running: return Int16(COLOR_GREEN)
        case .complete, .headerBar: return Int16(COLOR_BLUE)
        case .pruned: return Int16(COLOR_MAGENTA)
        case .failed: return Int16(COLOR_RED)
        case .best, .warning: return Int16(COLOR_YELLOW)
        }
    }

    private func background(_ role: ColorRole) -> Int16 {
        switch role {
        case .default: return plainBackground
        default: return foreground(role)
        }
    }

    private func pair(fg: Int16, bg: Int16) -> Int16 {
        if fg == plainForeground && bg == plainBackground { return 0 }
        let key = Int32(fg) << 16 | Int32(UInt16(bitPattern: bg))
        if let p = pairs[key] { return p }
        let next = pairs.count + 1
        guard next < maxPairs, next < Int(Int16.max) else { return 0 }
        init_pair(Int16(next), fg, bg)
        pairs[key] = Int16(next)
        return Int16(next)
    }
}
