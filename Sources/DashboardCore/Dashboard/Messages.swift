import Foundation
import HyperOpt

/// A key press as the dashboard understands it; the terminal translates curses codes into these.
public enum Key: Sendable, Hashable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace, tab, backTab, delete
    case function(Int)
    /// A letter with Ctrl held (`control("l")` is Ctrl-L).
    case control(Character)
}

/// Everything that changes the dashboard: the user, the engine, the terminal and the clock.
public enum DashboardMsg: Sendable {
    case key(Key)
    case event(EngineEvent)
    /// Several engine events at once: the row order is rebuilt once, not once per event.
    case events([EngineEvent])
    /// The whole study, read anew (`hypertop watch` when the store's follower starts over);
    /// the selection, sort and filter stay.
    case replaceStudy(Study)
    case resize(width: Int, height: Int)
    case tick(Date)
    /// The engine's event stream ended (the study is over, or the store stopped following it).
    case streamEnded
    /// SIGINT, SIGTERM or SIGHUP reached the process while the dashboard ran.
    case interrupt
    /// What an effect came to, as the program around the dashboard reports it back ("exported
    /// ... to ...", "could not ..."): effects never change the state themselves.
    case effectResult(String)
    /// The study's notes as the store has them (optuna-dashboard's format), read at the start,
    /// after a note is saved, and while following a study.
    case notes(StudyNotes, status: String? = nil)
}

/// What the dashboard asks the program around it to do. `update` never does it itself.
public enum DashboardEffect: Sendable, Hashable {
    /// A control of the running study (pause, stop, kill, retry, more runs, enqueue), carried
    /// out by the engine in this process or handed to it through request files (`StudyControl`).
    case command(StudyCommand)
    /// Leave the dashboard; the study keeps its course (it is over, or runs in another process).
    case quit
    /// Leave the dashboard and stop the study gracefully: no new trials, running ones finish.
    case quitAndStop
    /// Leave the dashboard and kill the running trials.
    case quitAndKill
    /// Leave the dashboard; the study goes on in this process, without the terminal.
    case detach
    /// Leave because of a signal (Ctrl-C): the caller decides as it would without a dashboard.
    case interrupted
    /// Leave because the terminal went away (get_wch kept returning at once): the same as its
    /// SIGHUP, which may arrive before or after.
    case terminalLost
    /// Studies browser: open this study for browsing.
    case openStudy(String)
    /// Studies browser: export this study.
    case exportStudy(String)
    /// Replace the note of a trial (or of the study, `trial` nil) with `body`, in the store;
    /// `base` is the text `body` was made from (so another writer's change meanwhile is not lost).
    case saveNote(trial: Int?, body: String, base: String)
    /// Studies browser: delete this study from the store (asked first).
    case deleteStudy(String)
    /// Studies browser: give the study a new name.
    case renameStudy(String, to: String)
    /// Draw every cell of the screen anew (Ctrl-L): something else may have written over it.
    /// The terminal runner does it itself.
    case repaint

    /// Whether the dashboard ends with this effect.
    public var endsDashboard: Bool {
        switch self {
        case .quit, .quitAndStop, .quitAndKill, .detach, .interrupted, .terminalLost, .openStudy: return true
        default: return false
        }
    }
}
