/* gittree.c — the trees of a commit that sets a few files.
 *
 * git_tree_create_updated parses every tree on a changed path into a
 * treebuilder (an allocation and a hash insert per entry), sorts it again
 * and writes it: for one ticket of a 100,000-ticket desk that is the
 * 1,024-entry tickets/ tree, 2.2 ms of a 6 ms change. A tree object is a
 * sorted list of "<octal mode> <name>\0<20-byte id>" records, so here
 * each tree on the path is read raw, its records located in one scan,
 * the changed ones replaced or inserted at their place in git's order,
 * and the untouched records copied byte for byte into the new object. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gittree.h"
#include "kefu/error.h"
#include "kefu/xalloc.h"

#define ID_LEN 20

typedef struct rec {
	const char *name;
	size_t len;
	uint32_t mode;
	const unsigned char *id; /* ID_LEN bytes */
	const char *raw;         /* the base's bytes of an untouched record */
	size_t rawlen;
} rec;

typedef struct level {
	rec *recs;
	size_t n, alloc;
} level;

static int is_dir(uint32_t mode)
{
	return (mode & 0170000) == 0040000;
}

/* Git's order: names compare as bytes, a tree's as if it ended in '/'. */
static int cmp_git(const char *a, size_t la, int adir, const char *b, size_t lb, int bdir)
{
	size_t l = la < lb ? la : lb;
	int c = memcmp(a, b, l);
	unsigned ca, cb;

	if (c)
		return c;
	ca = l < la ? (unsigned char)a[l] : adir ? '/' : 0;
	cb = l < lb ? (unsigned char)b[l] : bdir ? '/' : 0;
	return (ca > cb) - (ca < cb);
}

/* Where a record of this name and kind sits or would go. */
static size_t find(const level *lv, const char *name, size_t len, int dir, int *found)
{
	size_t lo = 0, hi = lv->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const rec *r = &lv->recs[mid];
		int c = cmp_git(r->name, r->len, is_dir(r->mode), name, len, dir);
		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static int parse(level *lv, const char *data, size_t size, const git_oid *id)
{
	const char *p = data, *end = data + size;

	while (p < end) {
		const char *start = p, *name, *nul;
		uint32_t mode = 0;
		rec *r;

		while (p < end && *p >= '0' && *p <= '7' && mode < 01000000)
			mode = mode * 8 + (uint32_t)(*p++ - '0');
		if (p == start || p >= end || *p != ' ')
			goto bad;
		name = ++p;
		if (!(nul = memchr(p, '\0', (size_t)(end - p))) || nul == name ||
		    (size_t)(end - nul - 1) < ID_LEN)
			goto bad;
		p = nul + 1 + ID_LEN;
		KEFU_ARRAY_GROW(lv->recs, lv->n + 1, lv->alloc);
		r = &lv->recs[lv->n++];
		r->name = name;
		r->len = (size_t)(nul - name);
		r->mode = mode;
		r->id = (const unsigned char *)nul + 1;
		r->raw = start;
		r->rawlen = (size_t)(p - start);
	}
	return 0;
bad:;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), id);
	return kefu_error_set(KEFU_EBADDATA, "tree %s is corrupt (record at byte %zu)", hex,
	                      (size_t)(p - data));
}

/* Set the record name (len bytes) to mode and id: in place when a record
 * of that name and kind is there, else the old one of the other kind
 * goes and the new one is inserted in order. */
static void set(level *lv, const char *name, size_t len, uint32_t mode, const unsigned char *id)
{
	int dir = is_dir(mode), found;
	size_t at = find(lv, name, len, !dir, &found);
	rec *r;

	if (found) {
		memmove(&lv->recs[at], &lv->recs[at + 1], (lv->n - at - 1) * sizeof(rec));
		lv->n--;
	}
	at = find(lv, name, len, dir, &found);
	if (!found) {
		KEFU_ARRAY_GROW(lv->recs, lv->n + 1, lv->alloc);
		memmove(&lv->recs[at + 1], &lv->recs[at], (lv->n - at) * sizeof(rec));
		lv->n++;
	}
	r = &lv->recs[at];
	r->name = name;
	r->len = len;
	r->mode = mode;
	r->id = id;
	r->raw = NULL;
	r->rawlen = 0;
}

static int bad_part(const char *part, size_t len)
{
	return len == 0 || (len == 1 && part[0] == '.') || (len == 2 && !memcmp(part, "..", 2)) ||
	       (len == 4 && !strncasecmp(part, ".git", 4));
}

static int write_level(git_oid *out, git_odb *odb, const level *lv)
{
	size_t size = 0, at = 0;
	char *buf;
	int error;

	for (size_t i = 0; i < lv->n; i++)
		size += lv->recs[i].raw ? lv->recs[i].rawlen : 8 + lv->recs[i].len + ID_LEN;
	buf = kefu_xmalloc(size ? size : 1);
	for (size_t i = 0; i < lv->n; i++) {
		const rec *r = &lv->recs[i];
		if (r->raw) {
			memcpy(buf + at, r->raw, r->rawlen);
			at += r->rawlen;
			continue;
		}
		/* Git writes modes without leading zeros: 40000, 100644. */
		char mode[12];
		int m = snprintf(mode, sizeof(mode), "%o ", (unsigned)r->mode);
		memcpy(buf + at, mode, (size_t)m);
		at += (size_t)m;
		memcpy(buf + at, r->name, r->len);
		at += r->len;
		buf[at++] = '\0';
		memcpy(buf + at, r->id, ID_LEN);
		at += ID_LEN;
	}
	error = git_odb_write(out, odb, buf, at, GIT_OBJECT_TREE);
	free(buf);
	if (error < 0) {
		const git_error *e = git_error_last();
		return kefu_error_set(KEFU_ERROR, "cannot write a tree: %s",
		                      e && e->message ? e->message : "unknown git error");
	}
	return 0;
}

/* The tree base (may be NULL) with ups[0..n) set; their paths sorted and
 * sharing their first off bytes (this tree's path and a slash). */
static int update(git_oid *out, git_odb *odb, const git_oid *base, const git_tree_update **ups,
                  size_t n, size_t off)
{
	git_odb_object *obj = NULL;
	level lv = {0};
	git_oid *ids = kefu_xcalloc(n, sizeof(*ids));
	int error = 0;

	if (base) {
		if ((error = git_odb_read(&obj, odb, base)) < 0) {
			const git_error *e = git_error_last();
			error = kefu_error_set(KEFU_ERROR, "cannot read a tree: %s",
			                       e && e->message ? e->message : "unknown git error");
			goto done;
		}
		if (git_odb_object_type(obj) != GIT_OBJECT_TREE) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex), base);
			error = kefu_error_set(KEFU_EBADDATA, "object %s is not a tree", hex);
			goto done;
		}
		if ((error = parse(&lv, git_odb_object_data(obj), git_odb_object_size(obj), base)) < 0)
			goto done;
	}
	for (size_t i = 0, k = 0; i < n; k++) {
		const char *part = ups[i]->path + off;
		size_t len = strcspn(part, "/"), j = i + 1;

		if (bad_part(part, len)) {
			error = kefu_error_set(KEFU_EINVALID, "cannot store '%s': bad path", ups[i]->path);
			goto done;
		}
		if (part[len] != '/') {
			/* A file. Set twice: the later one stands. */
			while (j < n && !strcmp(ups[j]->path, ups[i]->path))
				j++;
			if (j < n && !strncmp(ups[j]->path + off, part, len) && ups[j]->path[off + len] == '/') {
				error = kefu_error_set(KEFU_EINVALID, "cannot store '%s' as a file and a directory",
				                       ups[i]->path);
				goto done;
			}
			set(&lv, part, len, (uint32_t)ups[j - 1]->filemode, (const unsigned char *)ups[j - 1]->id.id);
			i = j;
			continue;
		}
		/* A directory: every update under it, then its new tree. */
		while (j < n && !strncmp(ups[j]->path + off, part, len + 1))
			j++;
		{
			int found;
			size_t at = find(&lv, part, len, 1, &found);
			git_oid sub;
			if (found)
				git_oid_fromraw(&sub, lv.recs[at].id);
			if ((error = update(&ids[k], odb, found ? &sub : NULL, ups + i, j - i, off + len + 1)) < 0)
				goto done;
		}
		set(&lv, part, len, 0040000, ids[k].id);
		i = j;
	}
	error = write_level(out, odb, &lv);
done:
	free(lv.recs);
	free(ids);
	git_odb_object_free(obj);
	return error;
}

/* By path; the same path twice keeps the callers' order (the later
 * update stands), the pointers being into one array. */
static int by_path(const void *a, const void *b)
{
	const git_tree_update *x = *(const git_tree_update *const *)a, *y = *(const git_tree_update *const *)b;
	int c = strcmp(x->path, y->path);
	return c ? c : (x > y) - (x < y);
}

int kefu_gittree_update(git_oid *out, git_repository *repo, const git_oid *base,
                        const git_tree_update *ups, size_t n)
{
	const git_tree_update **sorted = kefu_xcalloc(n ? n : 1, sizeof(*sorted));
	git_odb *odb = NULL;
	int error;

	for (size_t i = 0; i < n; i++) {
		if (ups[i].action != GIT_TREE_UPDATE_UPSERT || is_dir(ups[i].filemode)) {
			free(sorted);
			return kefu_error_set(KEFU_EINVALID, "cannot store '%s': not a file", ups[i].path);
		}
		sorted[i] = &ups[i];
	}
	qsort(sorted, n, sizeof(*sorted), by_path);
	if ((error = git_repository_odb(&odb, repo)) < 0) {
		free(sorted);
		return kefu_error_set(KEFU_ERROR, "cannot open the object database");
	}
	error = update(out, odb, base, sorted, n, 0);
	git_odb_free(odb);
	free(sorted);
	return error;
}
