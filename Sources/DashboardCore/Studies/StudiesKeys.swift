import HyperOpt

extension StudiesBrowserState {
    /// The browser's keys, in the order `?` lists them; the key line and the dispatch read the
    /// same table. A question (delete, rename) and the help take keys before it.
    static let keyMap = KeyMap<StudiesBrowserState>([
        Binding([.char("j"), .char("k"), .pageUp, .pageDown, .home, .end], quiet: [.down, .up, .char("g"), .char("G")],
                help: "move the selection; by pages; to the ends", when: { $0.comparing == nil },
                hints: { _ in [KeyHint("j/k", "move", rank: 3)] }) { s, key in
            let row = s.scroll.selected ?? 0
            switch key {
            case .down, .char("j"): s.select(row + 1)
            case .up, .char("k"): s.select(row - 1)
            case .pageDown: s.select(row + s.pageRows)
            case .pageUp: s.select(row - s.pageRows)
            case .home, .char("g"): s.select(0)
            case .end, .char("G"): s.select(s.rows.count - 1)
            default: break
            }
            return []
        },
        Binding([.enter], quiet: [.right], help: "open the study: its trials, curves and summaries", when: { $0.comparing == nil },
                hints: { _ in [KeyHint("Enter", "open", rank: 2)] }) { s, _ in
            s.selectedStudy.map { [.openStudy($0.name)] } ?? []
        },
        Binding([.char(" ")], help: "mark studies", when: { $0.comparing == nil }, hints: { _ in [KeyHint("Space", "mark", rank: 2)] }) { s, _ in
            guard let study = s.selectedStudy else { return [] }
            if let i = s.marked.firstIndex(of: study.name) { s.marked.remove(at: i) } else { s.marked.append(study.name) }
            s.status = s.marked.isEmpty ? nil : "marked: \(s.marked.joined(separator: ", ")) (c compares)"
            s.select((s.scroll.selected ?? 0) + 1)
            return []
        },
        Binding([.char("c")], help: "compare the marked ones", sharesRow: true, when: { $0.comparing == nil },
                hints: { _ in [KeyHint("c", "compare", rank: 2)] }) { s, _ in
            guard s.marked.count >= 2 else {
                s.status = "mark two or more studies with Space, then c compares them"
                return []
            }
            s.comparing = s.marked
            return []
        },
        Binding([.char("e")], help: "export the study", when: { $0.comparing == nil }, hints: { _ in [KeyHint("e", "export", rank: 2)] }) { s, _ in
            guard let study = s.selectedStudy else { return [] }
            s.status = "exporting \(study.name)"
            return [.exportStudy(study.name)]
        },
        Binding([.char("R")], help: "rename", when: { $0.comparing == nil }, hints: { _ in [KeyHint("R", "rename", rank: 2)] }) { s, _ in
            if let study = s.selectedStudy { s.confirm = .rename(study.name, draft: TextField(study.name)) }
            return []
        },
        Binding([.char("D")], help: "delete the study (both ask first)", sharesRow: true, when: { $0.comparing == nil },
                hints: { _ in [KeyHint("D", "delete", rank: 2)] }) { s, _ in
            guard let study = s.selectedStudy else { return [] }
            guard study.engine?.isRunning != true else {
                s.status = "\(study.name) is running (\(study.engine?.text ?? "")): stop it before deleting it"
                return []
            }
            s.confirm = .delete(study.name)
            return []
        },
        Binding([.control("l")], help: "repaint the whole screen", anywhere: true) { _, _ in [.repaint] },
        Binding([.char("q"), .escape], help: "quit", when: { $0.comparing == nil }, hints: { _ in [KeyHint("q", "quit", rank: 1)] }) { _, _ in
            [.quit]
        },
        Binding([.char("?")], help: "this help", sharesRow: true, when: { $0.comparing == nil },
                hints: { _ in [KeyHint("?", "help", rank: 0)] }) { s, _ in s.showHelp = true; return [] },
        // The compare view has one way out; its other keys do nothing.
        Binding([.escape], quiet: [.char("c"), .char("q")], help: "back to the studies", when: { $0.comparing != nil },
                offered: { $0.comparing != nil }, hints: { _ in [KeyHint("Esc", "back to the studies", rank: 0)] }) { s, _ in
            s.comparing = nil
            return []
        },
    ])
}
