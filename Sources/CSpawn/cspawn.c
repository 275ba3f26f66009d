// Why this shim exists: Swift's Glibc module does not expose posix_spawn_file_actions_addchdir_np
// (it needs _GNU_SOURCE), and fork() is unsafe to call from Swift. posix_spawn with these file
// actions starts a job in its own directory and process group without a shell.
#define _GNU_SOURCE
#include "cspawn.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>
#include <time.h>

// One spawn for both uses. stdin_fd < 0: stdin from /dev/null. new_session: setsid (no
// controlling terminal) instead of a process group of its own.
static int spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                 int stdin_fd, int stdout_fd, int stderr_fd, int new_session, pid_t *pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) { posix_spawn_file_actions_destroy(&actions); return rc; }

    if (cwd != NULL && (rc = posix_spawn_file_actions_addchdir_np(&actions, cwd)) != 0) goto done;
    if (stdin_fd < 0) {
        if ((rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) != 0) goto done;
    } else if (stdin_fd != 0 && (rc = posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0)) != 0) goto done;
    if (stdout_fd != 1 && (rc = posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1)) != 0) goto done;
    if (stderr_fd != 2 && (rc = posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2)) != 0) goto done;
    // A child inherits nothing else of ours (store files, pipes, a parent's sockets): it must not keep
    // them open after hypertop is gone.
    if ((rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) != 0) goto done;

    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    if ((rc = posix_spawnattr_setsigdefault(&attr, &all)) != 0) goto done;
    if ((rc = posix_spawnattr_setsigmask(&attr, &none)) != 0) goto done;
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (new_session) {
        flags |= POSIX_SPAWN_SETSID;
    } else {
        if ((rc = posix_spawnattr_setpgroup(&attr, 0)) != 0) goto done;
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    if ((rc = posix_spawnattr_setflags(&attr, flags)) != 0) goto done;

    rc = posix_spawnp(pid, path, &actions, &attr, argv, envp);
done:
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

int hypertop_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                   int stdout_fd, int stderr_fd, const int *cpus, int ncpus, pid_t *pid) {
    if (ncpus <= 0) return spawn(path, argv, envp, cwd, -1, stdout_fd, stderr_fd, 0, pid);
    // posix_spawn has no affinity attribute, but a child starts with the affinity of the thread
    // that spawned it: this thread takes the trial's CPUs for the spawn, then its own back. So the
    // job's first instruction already runs on its CPUs, and every thread it starts inherits them.
    cpu_set_t own, trial;
    if (sched_getaffinity(0, sizeof own, &own) != 0) return errno;
    CPU_ZERO(&trial);
    for (int i = 0; i < ncpus; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return EINVAL;
        CPU_SET(cpus[i], &trial);
    }
    if (sched_setaffinity(0, sizeof trial, &trial) != 0) return errno;
    int rc = spawn(path, argv, envp, cwd, -1, stdout_fd, stderr_fd, 0, pid);
    sched_setaffinity(0, sizeof own, &own);
    return rc;
}

int hypertop_affinity(int *cpus, int max) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    int n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++) {
        if (CPU_ISSET(cpu, &set)) cpus[n++] = cpu;
    }
    return n;
}

int hypertop_spawn_session(const char *path, char *const argv[], char *const envp[], const char *cwd,
                           int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid) {
    return spawn(path, argv, envp, cwd, stdin_fd, stdout_fd, stderr_fd, 1, pid);
}

// The stand-in that `run`'s terminal keeps while the engine runs in a child of its own session.
// In C because it is mostly a signal handler: forwarding Ctrl-C, SIGTERM, SIGHUP, window changes
// and Ctrl-Z must happen inside the handler (async-signal-safe calls only), which Swift cannot
// express; and the stand-in must stop itself with SIGSTOP right after the child, in the handler.
static volatile sig_atomic_t supervised_child = 0;
static volatile sig_atomic_t child_detached = 0;
// The child's status when it ended while Ctrl-Z waited for it (that wait reaped it).
static volatile sig_atomic_t child_ended = 0;
static volatile int ended_status = 0;

static void forward_signal(int sig) {
    pid_t child = (pid_t)supervised_child;
    if (child <= 0) return;
    if (sig == SIGUSR1) { child_detached = 1; return; }
    if (sig == SIGTSTP) {
        // Ctrl-Z: the child gives the terminal back and stops; only then does this stand-in stop,
        // so that the shell's "Stopped" and its prompt come after the dashboard left the screen.
        // At most 3 s: a child that does not stop does not keep Ctrl-Z from stopping the job.
        int saved_errno = errno;
        kill(child, SIGTSTP);
        for (int i = 0; i < 150; i++) {
            int st = 0;
            pid_t r = waitpid(child, &st, WNOHANG | WUNTRACED);
            if (r == child) {
                if (!WIFSTOPPED(st)) { ended_status = st; child_ended = 1; }
                break;
            }
            if (r < 0) break;
            struct timespec pause = {0, 20 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        raise(SIGSTOP);
        errno = saved_errno;
        return;
    }
    kill(child, sig);
}

int hypertop_supervise(pid_t child, int *status) {
    supervised_child = child;
    struct sigaction sa;
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGCONT, SIGTSTP, SIGUSR1};
    for (unsigned i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaction(forwarded[i], &sa, NULL);
    sigset_t mask;
    sigemptyset(&mask);
    for (unsigned i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&mask, forwarded[i]);
    pthread_sigmask(SIG_UNBLOCK, &mask, NULL);
    for (;;) {
        if (child_ended) { *status = ended_status; return 0; }
        int st = 0;
        pid_t r = waitpid(child, &st, WNOHANG);
        if (r == child) { *status = st; return 0; }
        if (r < 0 && errno != EINTR && !child_ended) { *status = 0; return -1; }
        if (child_detached) return 1;
        usleep(20000);
    }
}
