#ifndef HYPERTOP_RESERVE_H
#define HYPERTOP_RESERVE_H
#include <sys/types.h>

/// Allocates `length` bytes of disk to the file `fd` from offset 0 without changing its size
/// (fallocate with FALLOC_FL_KEEP_SIZE): appends up to that length then need no new blocks, so they
/// still succeed on a disk that has since filled up. Returns 0, or an errno value (EOPNOTSUPP
/// where the file system cannot reserve).
int hypertop_reserve_space(int fd, off_t length);
#endif
