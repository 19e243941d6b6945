/* replay.c — runs a fuzz target over files and directories of inputs with
 * any compiler (make check replays every corpus with gcc this way). */
#include <dirent.h>
#include <locale.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t size = 0, cap = 0, n;

	if (!fp) {
		fprintf(stderr, "replay: cannot open '%s'\n", path);
		return -1;
	}
	do {
		if (size == cap) {
			unsigned char *grown = realloc(data, cap = cap ? cap * 2 : 65536);
			if (!grown) {
				fprintf(stderr, "replay: out of memory\n");
				abort();
			}
			data = grown;
		}
		n = fread(data + size, 1, cap - size, fp);
		size += n;
	} while (n > 0);
	fclose(fp);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

static int run_path(const char *path, int *count)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	int error = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: no '%s'\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	if (!(dir = opendir(path)))
		return -1;
	while ((de = readdir(dir))) {
		char sub[4096];
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (run_path(sub, count) < 0)
			error = -1;
	}
	closedir(dir);
	return error;
}

int main(int argc, char **argv)
{
	int count = 0, error = 0;

	setlocale(LC_ALL, "C.UTF-8");
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count) < 0)
			error = 1;
	printf("%s: %d inputs replayed\n", argc > 0 ? argv[0] : "replay", count);
	return error;
}
