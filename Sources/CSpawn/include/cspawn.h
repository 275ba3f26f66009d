#ifndef HYPERTOP_CSPAWN_H
#define HYPERTOP_CSPAWN_H
#include <sys/types.h>

/// Starts `path` (searched in PATH when it has no slash) with `argv` and `envp`, in its own
/// process group, in directory `cwd`, stdin from /dev/null, stdout/stderr to the given fds, no other fd,
/// with default signal dispositions and an empty signal mask.
/// Returns 0 and sets *pid, or an errno value.
int hypertop_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                   int stdout_fd, int stderr_fd, pid_t *pid);

#endif
