/* io.h — small POSIX I/O helpers shared by the core. */
#ifndef KEFU_IO_H
#define KEFU_IO_H

#include <stddef.h>

#include "kefu/buf.h"

/* Write the n bytes at p to fd, again after a signal or a short write.
 * 0, or -1 with errno set (ENOSPC when a write makes no progress); the
 * caller names the file in its error. */
int kefu_write_all(int fd, const void *p, size_t n);

/* Append the whole regular file at path to out. KEFU_ENOTFOUND when
 * there is none; an error naming it when it cannot be read or is not a
 * regular file (opened without blocking or following a link: a FIFO or
 * a symlink planted in the work tree must not hang or redirect us). */
int kefu_read_file(kefu_buf *out, const char *path);

#endif
