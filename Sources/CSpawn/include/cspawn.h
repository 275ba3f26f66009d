#ifndef HYPERTOP_CSPAWN_H
#define HYPERTOP_CSPAWN_H
#include <sys/types.h>

/// Starts `path` (searched in PATH when it has no slash) with `argv` and `envp`, in its own
/// process group, in directory `cwd`, stdin from /dev/null, stdout/stderr to the given fds, no other fd,
/// with default signal dispositions and an empty signal mask.
/// With ncpus > 0 the job runs on those CPUs only (its affinity mask, inherited by its threads).
/// Returns 0 and sets *pid, or an errno value.
int hypertop_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                   int stdout_fd, int stderr_fd, const int *cpus, int ncpus, pid_t *pid);

/// The CPUs this thread may run on (its affinity mask), at most `max` of them, lowest first:
/// their count, or -1.
int hypertop_affinity(int *cpus, int max);

/// Like hypertop_spawn, but in a new session (no controlling terminal, so no SIGHUP from one),
/// with stdin, stdout and stderr the given fds: a detached engine, or a supervised dashboard.
int hypertop_spawn_session(const char *path, char *const argv[], char *const envp[], const char *cwd,
                           int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid);
/// Stands in the terminal's foreground for `child` (in its own session): forwards Ctrl-C, SIGTERM,
/// SIGHUP, SIGQUIT, SIGWINCH, Ctrl-Z and SIGCONT to it, and returns 0 when it ends (its wait
/// status in *status), 1 when it signalled SIGUSR1 ("detached": it goes on without us), -1 on error.
int hypertop_supervise(pid_t child, int *status);
#endif
