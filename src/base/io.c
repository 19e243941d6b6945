/* io.c — small POSIX I/O helpers shared by the core. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kefu/error.h"
#include "kefu/io.h"

int kefu_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int kefu_read_file(kefu_buf *out, const char *path)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? KEFU_ENOTFOUND
		                       : kefu_error_set(KEFU_ERROR, "cannot read '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return kefu_error_set(KEFU_EBADDATA, "'%s' is not a regular file", path);
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		kefu_buf_put(out, chunk, (size_t)n);
	close(fd);
	if (n < 0)
		return kefu_error_set(KEFU_ERROR, "cannot read '%s': %s", path, strerror(errno));
	return 0;
}
