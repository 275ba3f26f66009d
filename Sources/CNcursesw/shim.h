// Wide-character curses calls (mvaddwstr, setcchar, get_wch) are only declared with this set.
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/curses.h>
