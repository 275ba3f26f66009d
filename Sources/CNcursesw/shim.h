// Wide-character curses calls (mvaddwstr, setcchar, get_wch) are only declared with this set.
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <ncursesw/curses.h>

// Swift 6 refuses the global `stdscr` (shared mutable state); newterm() returns a SCREEN, not
// the WINDOW, so this reads it once right after newterm.
static inline WINDOW *hypertop_stdscr(void) { return stdscr; }

// A_BOLD, A_REVERSE, A_DIM are function-like macros, which Swift does not import.
static inline attr_t hypertop_a_bold(void) { return A_BOLD; }
static inline attr_t hypertop_a_reverse(void) { return A_REVERSE; }
static inline attr_t hypertop_a_dim(void) { return A_DIM; }
static inline attr_t hypertop_a_underline(void) { return A_UNDERLINE; }

// COLORS and COLOR_PAIRS are globals that Swift 6 also refuses; read them through functions.
static inline int hypertop_colors(void) { return COLORS; }
static inline int hypertop_color_pairs(void) { return COLOR_PAIRS; }

// The colour-pair bits of an attribute word (A_COLOR is a macro too).
static inline attr_t hypertop_color_mask(void) { return A_COLOR; }

// What curses places a character by (how many cells it takes); <wchar.h> declares it only under
// _XOPEN_SOURCE, which would change what the rest of these headers declare.
int wcwidth(wchar_t c);
