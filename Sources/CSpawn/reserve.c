// Why this shim exists: Swift's Glibc module does not expose fallocate (it needs _GNU_SOURCE), and
// posix_fallocate would change the file's size. The store's journal reserves its space up front so
// that it can still be written when the disk is full (see StoreJournal.reserve).
#define _GNU_SOURCE
#include "reserve.h"
#include <errno.h>
#include <fcntl.h>

int hypertop_reserve_space(int fd, off_t length) {
    while (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, length) != 0) {
        if (errno != EINTR) return errno;
    }
    return 0;
}
