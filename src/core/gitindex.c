/* gitindex.c — patch git's index for the few files a commit touched.
 *
 * libgit2 keeps no partial form of the index: git_index_read parses every
 * entry into the heap and git_index_write serialises them all again,
 * about 200 ms for the 100,000 entries of a large desk. Here the old file
 * is mapped, one pass over its entries finds where each changed path sits,
 * and the new file is the old one's runs of untouched entries with the new
 * entries spliced in, hashed as it is written: one sequential read and
 * write of the file.
 *
 * Format (git's Documentation/gitformat-index.txt): "DIRC", version,
 * entry count; entries sorted by name then stage, each 62 bytes of stat
 * data, blob id and flags (+2 bytes of extended flags in version 3), the
 * name, and 1–8 NULs to a multiple of 8; extensions; SHA-1 of all before.
 * Version 4 (prefix-compressed names) and mandatory extensions (split or
 * sparse index) are left to libgit2. Optional extensions (the cached
 * trees, resolve-undo, untracked cache, fsmonitor, offset tables) describe
 * the old entries and are dropped; git rebuilds what it wants of them.
 *
 * The file replaced is not freed: it stays as a spare, and the next
 * update writes over its blocks instead of allocating new ones. At
 * 100,000 tickets freeing 10 MB was a quarter of a `kefu comment` (on a
 * file system mounted with discard), and filling fresh pages another
 * few milliseconds. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* OpenSSL's low-level SHA-1, deprecated in 3.0 in favour of EVP: EVP
 * fetches the digest through its provider machinery, which allocates and
 * crashes inside OpenSSL when such an allocation fails (the fault tests
 * found it); SHA1_* allocates nothing and runs the same assembly. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <git2.h>
#include <openssl/sha.h>

#include "gitindex.h"
#include "kefu/buf.h"
#include "kefu/error.h"
#include "kefu/io.h"
#include "kefu/xalloc.h"

#define HEADER 12
#define TRAILER 20
#define FIXED 62       /* stat data, id and flags of an entry */
#define MAX_ENTRY 4200 /* FIXED + extended flags + a 4096-byte name + NULs */

#define F_EXTENDED 0x4000
#define F_STAGE 0x3000
#define F_NAMEMASK 0x0fff

#ifndef F_SETLEASE /* Linux */
#define F_SETLEASE 1024
#endif

/* One edit of the old file: replace its bytes [off, off + skip) by the
 * len bytes of data (a new entry, a smudged copy, or nothing). */
typedef struct edit {
	size_t off, skip;
	size_t len;
	unsigned char data[MAX_ENTRY];
} edit;

typedef struct change {
	const char *path;
	size_t len;
	int present; /* the file exists: write an entry for it */
	size_t elen;
	unsigned char entry[MAX_ENTRY];
} change;

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int cmp_name(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int cmp_change(const void *x, const void *y)
{
	const change *a = x, *b = y;
	return cmp_name(a->path, a->len, b->path, b->len);
}

/* The entry for the work tree file of c: stat data from the open file,
 * the blob id of its bytes. c->present stays 0 when there is no file. */
static int make_entry(change *c, const char *workdir)
{
	char full[4096];
	struct stat st;
	kefu_buf data = KEFU_BUF_INIT;
	git_oid oid;
	unsigned char *e = c->entry;
	int fd, error = 0;

	if (c->len > 4096 || (size_t)snprintf(full, sizeof(full), "%s/%s", workdir, c->path) >= sizeof(full))
		return kefu_error_set(KEFU_EINVALID, "path too long for git's index: %s", c->path);
	if ((fd = open(full, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return kefu_error_set(KEFU_ERROR, "cannot open '%s': %s", full, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return kefu_error_set(KEFU_ENOTFOUND, "'%s' is not a regular file", full);
	}
	kefu_buf_grow(&data, (size_t)st.st_size + 1);
	while (data.size < (size_t)st.st_size) {
		ssize_t r = read(fd, data.ptr + data.size, (size_t)st.st_size - data.size);
		if (r <= 0) {
			error = kefu_error_set(KEFU_ERROR, "cannot read '%s'", full);
			break;
		}
		data.size += (size_t)r;
	}
	close(fd);
	if (!error && git_odb_hash(&oid, data.ptr, data.size, GIT_OBJECT_BLOB) < 0)
		error = kefu_error_set(KEFU_ERROR, "cannot hash '%s'", full);
	kefu_buf_release(&data);
	if (error)
		return error;

	/* 32-bit fields, truncated as git does. */
	put32(e + 0, (uint32_t)st.st_ctim.tv_sec);
	put32(e + 4, (uint32_t)st.st_ctim.tv_nsec);
	put32(e + 8, (uint32_t)st.st_mtim.tv_sec);
	put32(e + 12, (uint32_t)st.st_mtim.tv_nsec);
	put32(e + 16, (uint32_t)st.st_dev);
	put32(e + 20, (uint32_t)st.st_ino);
	put32(e + 24, (st.st_mode & 0111) ? 0100755 : 0100644);
	put32(e + 28, (uint32_t)st.st_uid);
	put32(e + 32, (uint32_t)st.st_gid);
	put32(e + 36, (uint32_t)st.st_size);
	memcpy(e + 40, oid.id, 20);
	e[60] = (unsigned char)((c->len < F_NAMEMASK ? c->len : F_NAMEMASK) >> 8);
	e[61] = (unsigned char)(c->len < F_NAMEMASK ? c->len : F_NAMEMASK);
	c->elen = (FIXED + c->len + 8) & ~(size_t)7;
	memcpy(e + FIXED, c->path, c->len);
	memset(e + FIXED + c->len, 0, c->elen - FIXED - c->len);
	c->present = 1;
	return 0;
}

/* Name and total length of the entry at p (end: the end of the entries'
 * possible area); 0 when it runs past end. */
static size_t entry_at(const unsigned char *p, const unsigned char *end, unsigned version,
                       const char **name, size_t *namelen)
{
	size_t fixed = FIXED, len;
	unsigned flags;

	if ((size_t)(end - p) < FIXED + 1)
		return 0;
	flags = (unsigned)p[60] << 8 | p[61];
	if (flags & F_EXTENDED) {
		if (version < 3)
			return 0;
		fixed += 2;
	}
	*name = (const char *)p + fixed;
	if ((flags & F_NAMEMASK) < F_NAMEMASK) {
		len = flags & F_NAMEMASK;
		if (fixed + len >= (size_t)(end - p) || p[fixed + len] != '\0')
			return 0;
	} else {
		const unsigned char *nul = memchr(p + fixed, '\0', (size_t)(end - p) - fixed);
		if (!nul)
			return 0;
		len = (size_t)(nul - (p + fixed));
	}
	*namelen = len;
	len = (fixed + len + 8) & ~(size_t)7;
	return len <= (size_t)(end - p) ? len : 0;
}

static int write_all(int fd, SHA_CTX *md, const void *p, size_t n)
{
	if (md)
		SHA1_Update(md, p, n);
	if (kefu_write_all(fd, p, n) < 0)
		return kefu_error_set(KEFU_ERROR, "cannot write git's index: %s", strerror(errno));
	return 0;
}

/* Racily clean: the file may have changed within the timestamp granularity
 * after its entry was recorded. Git re-reads such files while the index's
 * own mtime says they might have; a rewritten index gets a newer mtime,
 * so the entry's size is zeroed ("smudged") to keep git checking. */
static int is_racy(const unsigned char *e, const struct stat *ist)
{
	uint32_t s = get32(e + 8), ns = get32(e + 12);
	uint32_t is = (uint32_t)ist->st_mtim.tv_sec, ins = (uint32_t)ist->st_mtim.tv_nsec;
	return get32(e + 36) != 0 && (s > is || (s == is && ns >= ins));
}

/* The stamp of the index kefu wrote last: inode, size, ctime, mtime and
 * checksum. An index with the same stat data and checksum is that file,
 * checked while it was written, so it is not hashed again before it is
 * patched (git rewrites the index through a new file: a new inode). */
static void stamp_of(char *out, size_t n, const struct stat *st, const unsigned char *sum)
{
	char hex[41];
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	snprintf(out, n, "%llu %llu %lld.%09ld %lld.%09ld %s\n", (unsigned long long)st->st_ino,
	         (unsigned long long)st->st_size, (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec,
	         (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, hex);
}

/* A stamp is written over the last one in place, padded to STAMP_LEN
 * bytes: a temp file renamed over it makes ext4 flush the new file at
 * once (its replace-by-rename safeguard), behind the 10 MB index just
 * written. A torn stamp matches no index, so the index is hashed. */
#define STAMP_LEN 160

static size_t trimmed(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		n--;
	return n;
}

static int same_as_written(const char *stamp, const struct stat *st, const unsigned char *sum)
{
	char want[STAMP_LEN], have[STAMP_LEN + 1];
	ssize_t r;
	size_t nw;
	int fd;

	if (!stamp || (fd = open(stamp, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	r = read(fd, have, sizeof(have));
	close(fd);
	if (r <= 0 || r > STAMP_LEN)
		return 0;
	stamp_of(want, sizeof(want), st, sum);
	nw = trimmed(want, strlen(want));
	return trimmed(have, (size_t)r) == nw && !memcmp(want, have, nw);
}

static void write_stamp(const char *stamp, const struct stat *st, const unsigned char *sum)
{
	char line[STAMP_LEN];
	size_t n;
	int fd;

	if (!stamp || !st->st_ino)
		return;
	stamp_of(line, sizeof(line), st, sum);
	n = trimmed(line, strlen(line));
	memset(line + n, ' ', STAMP_LEN - 1 - n);
	line[STAMP_LEN - 1] = '\n';
	if ((fd = open(stamp, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) < 0)
		return;
	if (pwrite(fd, line, STAMP_LEN, 0) != STAMP_LEN || ftruncate(fd, STAMP_LEN) < 0) {
		close(fd);
		unlink(stamp); /* no stamp: the next update hashes the index */
		return;
	}
	close(fd);
}

/* The spare: the index before the last one, kept by a second link so
 * that replacing it does not free its blocks. It may be written over only
 * when nothing has it open or mapped: a git that began reading the old
 * index before it was replaced holds it. Linux grants a write lease only
 * to the sole opener of a file, so taking one (and dropping it at once)
 * asks exactly that. Anything else about it (gone, another link, not
 * ours to lease, on another file system than the index) and it is let
 * go: the update writes a new file. */
static int open_spare(const char *spare, dev_t dev)
{
	struct stat st;
	int fd;

	if (!spare || (fd = open(spare, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 && st.st_dev == dev &&
	    fcntl(fd, F_SETLEASE, F_WRLCK) == 0) {
		fcntl(fd, F_SETLEASE, F_UNLCK);
		return fd;
	}
	close(fd);
	unlink(spare); /* a reader still holding it frees it when it is done */
	return -1;
}

static void add_edit(edit **edits, size_t *nedits, size_t *aedits, size_t off, size_t skip,
                     const unsigned char *data, size_t len)
{
	edit *ed;
	KEFU_ARRAY_GROW(*edits, *nedits + 1, *aedits);
	ed = &(*edits)[(*nedits)++];
	ed->off = off;
	ed->skip = skip;
	ed->len = len;
	if (len)
		memcpy(ed->data, data, len);
}

int kefu_gitindex_update(const char *gitdir, const char *workdir, const char *stamp, char **paths,
                         size_t n)
{
	char ipath[4096], lpath[4096], spare[4096];
	const unsigned char *map = MAP_FAILED, *p, *end, *entries_end;
	unsigned char sum[20], hdr[HEADER];
	struct stat ist, nst;
	change *ch = NULL;
	edit *edits = NULL;
	size_t nch = 0, nedits = 0, aedits = 0, size = 0;
	uint32_t version, count, newcount;
	SHA_CTX md;
	int fd = -1, lfd = -1, wfd = -1, locked = 0, error = 0;

	snprintf(ipath, sizeof(ipath), "%s/index", gitdir);
	snprintf(lpath, sizeof(lpath), "%s/index.lock", gitdir);
	if (stamp)
		snprintf(spare, sizeof(spare), "%s.spare", stamp);
	if ((fd = open(ipath, O_RDONLY | O_CLOEXEC)) < 0)
		return kefu_error_set(KEFU_ENOTFOUND, "no git index at '%s'", ipath);
	if (fstat(fd, &ist) < 0 || (size = (size_t)ist.st_size) < HEADER + TRAILER) {
		error = kefu_error_set(KEFU_ENOTFOUND, "git's index is too short");
		goto done;
	}
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		error = kefu_error_set(KEFU_ERROR, "cannot map git's index: %s", strerror(errno));
		goto done;
	}
	version = get32(map + 4);
	count = get32(map + 8);
	if (memcmp(map, "DIRC", 4) || (version != 2 && version != 3)) {
		error = kefu_error_set(KEFU_ENOTFOUND, "git's index is version %u", (unsigned)version);
		goto done;
	}
	/* The file kefu wrote last was checked as it was written. */
	if (!same_as_written(stamp, &ist, map + size - TRAILER)) {
		/* Not SHA1(): in OpenSSL 3 it goes through EVP (above). */
		SHA1_Init(&md);
		SHA1_Update(&md, map, size - TRAILER);
		SHA1_Final(sum, &md);
		if (memcmp(sum, map + size - TRAILER, TRAILER)) {
			error = kefu_error_set(KEFU_EBADDATA, "git's index is corrupt (checksum mismatch): %s", ipath);
			goto done;
		}
	}

	/* The changes, sorted and without duplicates, with their new entries. */
	ch = kefu_xcalloc(n ? n : 1, sizeof(*ch));
	for (size_t i = 0; i < n; i++) {
		ch[nch].path = paths[i];
		ch[nch].len = strlen(paths[i]);
		nch++;
	}
	qsort(ch, nch, sizeof(*ch), cmp_change);
	{
		size_t j = 0;
		for (size_t i = 0; i < nch; i++)
			if (!j || cmp_change(&ch[j - 1], &ch[i]))
				ch[j++] = ch[i];
		nch = j;
	}
	for (size_t i = 0; i < nch; i++)
		if ((error = make_entry(&ch[i], workdir)) < 0)
			goto done;

	/* One pass over the entries: where each change goes, what it
	 * replaces, and which entries to smudge. */
	p = map + HEADER;
	end = map + size - TRAILER;
	newcount = count;
	{
		size_t c = 0;
		for (uint32_t i = 0; i < count; i++) {
			const char *name;
			size_t namelen, len = entry_at(p, end, version, &name, &namelen);
			if (!len) {
				error = kefu_error_set(KEFU_EBADDATA, "git's index is corrupt (entry %u): %s", (unsigned)i, ipath);
				goto done;
			}
			while (c < nch && cmp_name(ch[c].path, ch[c].len, name, namelen) < 0) {
				if (ch[c].present) {
					add_edit(&edits, &nedits, &aedits, (size_t)(p - map), 0, ch[c].entry, ch[c].elen);
					newcount++;
				}
				c++;
			}
			if (c < nch && !cmp_name(ch[c].path, ch[c].len, name, namelen)) {
				/* Replace this entry and the path's other stages. */
				size_t off = (size_t)(p - map), skip = 0;
				uint32_t stages = 0;
				for (;;) {
					skip += len;
					stages++;
					p += len;
					if (i + stages >= count)
						break;
					len = entry_at(p, end, version, &name, &namelen);
					if (!len || cmp_name(ch[c].path, ch[c].len, name, namelen))
						break;
				}
				i += stages - 1;
				add_edit(&edits, &nedits, &aedits, off, skip, ch[c].entry, ch[c].present ? ch[c].elen : 0);
				newcount = newcount - stages + (ch[c].present ? 1 : 0);
				c++;
				continue;
			}
			if (is_racy(p, &ist)) {
				edit *ed;
				add_edit(&edits, &nedits, &aedits, (size_t)(p - map), len, p, len);
				ed = &edits[nedits - 1];
				put32(ed->data + 36, 0);
			}
			p += len;
		}
		for (; c < nch; c++)
			if (ch[c].present) {
				add_edit(&edits, &nedits, &aedits, (size_t)(p - map), 0, ch[c].entry, ch[c].elen);
				newcount++;
			}
	}
	entries_end = p;
	/* Extensions: optional ones (upper case) are dropped; a mandatory one
	 * (split index "link", sparse "sdir") means a form left to libgit2. */
	while (p < end) {
		if ((size_t)(end - p) < 8 || get32(p + 4) > (size_t)(end - p) - 8) {
			error = kefu_error_set(KEFU_EBADDATA, "git's index is corrupt (extensions): %s", ipath);
			goto done;
		}
		if (p[0] < 'A' || p[0] > 'Z') {
			error = kefu_error_set(KEFU_ENOTFOUND, "git's index has the extension '%.4s'", (const char *)p);
			goto done;
		}
		p += 8 + get32(p + 4);
	}

	lfd = open(lpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (lfd < 0) {
		error = errno == EEXIST
		            ? kefu_error_set(KEFU_ELOCKED, "git is using the index ('%s' exists)", lpath)
		            : kefu_error_set(KEFU_ERROR, "cannot create '%s': %s", lpath, strerror(errno));
		goto done;
	}
	locked = 1;
	/* The new file: the spare written over, else the lock file itself. */
	wfd = open_spare(stamp ? spare : NULL, ist.st_dev);
	if (wfd < 0) {
		wfd = lfd;
		lfd = -1;
	}
	SHA1_Init(&md);
	memcpy(hdr, map, 8);
	put32(hdr + 8, newcount);
	if ((error = write_all(wfd, &md, hdr, HEADER)) < 0)
		goto done;
	{
		size_t cur = HEADER;
		for (size_t i = 0; i < nedits; i++) {
			if ((error = write_all(wfd, &md, map + cur, edits[i].off - cur)) < 0 ||
			    (error = write_all(wfd, &md, edits[i].data, edits[i].len)) < 0)
				goto done;
			cur = edits[i].off + edits[i].skip;
		}
		if ((error = write_all(wfd, &md, map + cur, (size_t)(entries_end - map) - cur)) < 0)
			goto done;
	}
	SHA1_Final(sum, &md);
	if ((error = write_all(wfd, NULL, sum, TRAILER)) < 0)
		goto done;
	if (lfd >= 0) { /* the spare: cut what is left of its old contents */
		off_t len = lseek(wfd, 0, SEEK_CUR);
		if (len < 0 || ftruncate(wfd, len) < 0) {
			error = kefu_error_set(KEFU_ERROR, "cannot write git's index: %s", strerror(errno));
			goto done;
		}
	}
	error = close(wfd);
	wfd = -1;
	if (error < 0) {
		error = kefu_error_set(KEFU_ERROR, "cannot write git's index: %s", strerror(errno));
		goto done;
	}
	if (lfd >= 0) {
		/* The full new file takes the lock's name: still locked. */
		close(lfd);
		lfd = -1;
		if (rename(spare, lpath) < 0) {
			error = kefu_error_set(KEFU_ERROR, "cannot write git's index: %s", strerror(errno));
			unlink(spare); /* the next update writes a new file */
			goto done;
		}
	}
	/* The old file stays as the next spare (its blocks are not freed).
	 * Without a spare the next update writes a new file, as git does. */
	if (stamp && link(ipath, spare) < 0 && errno == EEXIST && unlink(spare) == 0)
		(void)link(ipath, spare);
	if (rename(lpath, ipath) == 0) {
		locked = 0;
		if (stat(ipath, &nst) == 0) /* rename changed the ctime */
			write_stamp(stamp, &nst, sum);
	} else
		error = kefu_error_set(KEFU_ERROR, "cannot replace '%s': %s", ipath, strerror(errno));
done:
	if (wfd >= 0)
		close(wfd);
	if (lfd >= 0)
		close(lfd);
	if (locked)
		unlink(lpath);
	if (map != MAP_FAILED)
		munmap((void *)map, size);
	if (fd >= 0)
		close(fd);
	free(ch);
	free(edits);
	return error;
}
