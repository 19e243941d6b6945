/* editor.c — $VISUAL / $EDITOR on a 0600 temp file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kefu/editor.h"
#include "kefu/error.h"

static void drop_comment_lines(kefu_buf *out, const char *text, int keep_hash)
{
	size_t start = out->size, lead = start;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
		if (keep_hash || p[0] != '#')
			kefu_buf_put(out, p, n);
		p += n;
	}
	kefu_buf_rtrim(out);
	while (lead < out->size && (out->ptr[lead] == '\n' || out->ptr[lead] == ' '))
		lead++;
	if (lead > start) {
		memmove(out->ptr + start, out->ptr + lead, out->size - lead + 1);
		out->size -= lead - start;
	}
}

int kefu_editor_run(kefu_buf *out, const char *initial, int flags)
{
	const char *editor = getenv("VISUAL");
	int md = flags & KEFU_EDITOR_MARKDOWN;
	char path[32];
	kefu_buf text = KEFU_BUF_INIT;
	int fd, status, error = 0;
	size_t len = strlen(initial);
	pid_t pid;
	FILE *fp;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	/* mkstemps makes the file 0600: customer text stays private. */
	snprintf(path, sizeof(path), "/tmp/kefu-edit-XXXXXX%s", md ? ".md" : ".txt");
	if ((fd = mkstemps(path, md ? 3 : 4)) < 0)
		return kefu_error_set(KEFU_ERROR, "cannot make a temp file: %s", strerror(errno));
	if (write(fd, initial, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return kefu_error_set(KEFU_ERROR, "cannot write '%s': %s", path, strerror(errno));
	}
	close(fd);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		error = kefu_error_set(KEFU_ERROR, "the editor '%s' failed; nothing was changed",
				       editor);
		goto done;
	}
	if (!(fp = fopen(path, "r"))) {
		error = kefu_error_set(KEFU_ERROR, "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		kefu_buf_put(&text, chunk, n);
	fclose(fp);
	drop_comment_lines(out, text.ptr, md);
done:
	unlink(path);
	kefu_buf_release(&text);
	return error;
}
