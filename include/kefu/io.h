/* io.h — small POSIX I/O helpers shared by the core. */
#ifndef KEFU_IO_H
#define KEFU_IO_H

#include <stddef.h>

/* Write the n bytes at p to fd, again after a signal or a short write.
 * 0, or -1 with errno set (ENOSPC when a write makes no progress); the
 * caller names the file in its error. */
int kefu_write_all(int fd, const void *p, size_t n);

#endif
