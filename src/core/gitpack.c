/* gitpack.c — objects straight from pack files, with pread, and loose.
 *
 * libgit2 reads a pack through mmap'd windows, a bounded number of them.
 * The index build reads every ticket in id order, which is random order
 * in the pack, so nearly every read maps a new window and unmaps an old
 * one: some 90,000 mmap/munmap pairs and their page faults at 100,000
 * tickets, half of the time spent reading blobs. Here an object's bytes
 * are copied out of the page cache with one pread, inflated, and deltas
 * applied onto their bases (a few recent bases kept); nothing stays
 * mapped but the .idx files. Inflating is libdeflate's: for a ticket's
 * few kilobytes zlib spends most of its time setting up (a fresh state
 * and Huffman tables per stream), which made inflating 15 % of a cold
 * index build.
 *
 * Format (git's Documentation/gitformat-pack.txt): a version 2 .idx has a
 * 256-entry fan-out table, the sorted object ids, their CRCs, 4-byte
 * offsets (the high bit pointing into a table of 8-byte ones). In the
 * .pack an object is a type-and-size header, for a delta its base (a
 * negative offset or an id), then a zlib stream of the data or delta. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdeflate.h>

#include "gitpack.h"
#include "kefu/error.h"
#include "kefu/io.h"
#include "kefu/xalloc.h"

#define MAX_OBJECT (64u << 20)
#define MAX_DEPTH 64
#define NCACHE 64                  /* delta bases kept, by offset */
#define CACHE_BYTES (16u << 20)    /* and at most this much of them */

enum { OBJ_COMMIT = 1, OBJ_TREE = 2, OBJ_BLOB = 3, OBJ_TAG = 4, OBJ_OFS_DELTA = 6, OBJ_REF_DELTA = 7 };

typedef struct pack {
	const unsigned char *idx; /* the mapped .idx */
	size_t idx_size;
	uint32_t count;
	const unsigned char *ids, *offs, *offs64;
	int fd;                    /* the .pack */
	uint64_t pack_size;
	char *name;
} pack;

typedef struct base {
	pack *p;
	uint64_t off;
	int type;
	unsigned char *data;
	size_t len;
} base;

struct kefu_gitpack {
	pack *packs;
	size_t n, alloc;
	base cache[NCACHE];
	size_t cached;             /* bytes held in cache */
	unsigned char *in;         /* compressed bytes of one object */
	size_t in_alloc;
	struct libdeflate_decompressor *inflater;
	char *objdir;
	kefu_buf loose; /* the file of a loose object */
};

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void pack_close(pack *p)
{
	if (p->idx)
		munmap((void *)p->idx, p->idx_size);
	if (p->fd >= 0)
		close(p->fd);
	free(p->name);
}

/* Map a version 2 .idx and open its .pack; 0 when either is not usable
 * (libgit2 then answers for that pack). */
static int pack_load(pack *p, const char *dir, const char *idx_name)
{
	kefu_buf path = KEFU_BUF_INIT;
	struct stat st;
	int fd;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	kefu_buf_printf(&path, "%s/%s", dir, idx_name);
	fd = open(path.ptr, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		kefu_buf_release(&path);
		return 0;
	}
	if (fstat(fd, &st) < 0 || st.st_size < 8 + 256 * 4 + 40) {
		close(fd);
		kefu_buf_release(&path);
		return 0;
	}
	p->idx_size = (size_t)st.st_size;
	p->idx = mmap(NULL, p->idx_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p->idx == MAP_FAILED) {
		p->idx = NULL;
		kefu_buf_release(&path);
		return 0;
	}
	if (memcmp(p->idx, "\377tOc", 4) || get32(p->idx + 4) != 2)
		goto unusable;
	p->count = get32(p->idx + 8 + 255 * 4);
	/* header, fan-out, ids, CRCs, offsets, two checksums */
	if ((uint64_t)8 + 1024 + (uint64_t)p->count * 28 + 40 > p->idx_size)
		goto unusable;
	p->ids = p->idx + 8 + 1024;
	p->offs = p->ids + (size_t)p->count * 24;
	p->offs64 = p->offs + (size_t)p->count * 4;
	kefu_buf_truncate(&path, path.size - 4);
	kefu_buf_puts(&path, ".pack");
	if ((p->fd = open(path.ptr, O_RDONLY | O_CLOEXEC)) < 0 || fstat(p->fd, &st) < 0)
		goto unusable;
	p->pack_size = (uint64_t)st.st_size;
	p->name = kefu_buf_detach(&path);
	return 1;
unusable:
	kefu_buf_release(&path);
	pack_close(p);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	return 0;
}

int kefu_gitpack_open(kefu_gitpack **out, const char *objects_dir)
{
	kefu_gitpack *g = kefu_xcalloc(1, sizeof(*g));
	kefu_buf dir = KEFU_BUF_INIT;
	struct dirent *e;
	DIR *d;

	if (!(g->inflater = libdeflate_alloc_decompressor())) {
		free(g);
		return kefu_error_set(KEFU_ERROR, "out of memory");
	}
	g->objdir = kefu_xstrdup(objects_dir);
	kefu_buf_init(&g->loose);

	kefu_buf_printf(&dir, "%s/pack", objects_dir);
	if ((d = opendir(dir.ptr))) {
		while ((e = readdir(d))) {
			size_t n = strlen(e->d_name);
			if (n < 10 || strncmp(e->d_name, "pack-", 5) || strcmp(e->d_name + n - 4, ".idx"))
				continue;
			KEFU_ARRAY_GROW(g->packs, g->n + 1, g->alloc);
			if (pack_load(&g->packs[g->n], dir.ptr, e->d_name))
				g->n++;
		}
		closedir(d);
	}
	kefu_buf_release(&dir);
	*out = g;
	return 0;
}

void kefu_gitpack_free(kefu_gitpack *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		pack_close(&g->packs[i]);
	for (size_t i = 0; i < NCACHE; i++)
		free(g->cache[i].data);
	free(g->packs);
	free(g->in);
	libdeflate_free_decompressor(g->inflater);
	free(g->objdir);
	kefu_buf_release(&g->loose);
	free(g);
}

/* The offset of id in p, or 0 (no object starts at 0: the pack header). */
static uint64_t find(const pack *p, const unsigned char *id)
{
	const unsigned char *fan = p->idx + 8;
	uint32_t lo = id[0] ? get32(fan + (id[0] - 1) * 4) : 0, hi = get32(fan + id[0] * 4);

	if (hi > p->count || lo > hi)
		return 0;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(p->ids + (size_t)mid * 20, id, 20);
		if (!c) {
			uint32_t o = get32(p->offs + (size_t)mid * 4);
			if (!(o & 0x80000000u))
				return o;
			o &= 0x7fffffffu;
			if ((size_t)(p->offs64 - p->idx) + ((size_t)o + 1) * 8 > p->idx_size - 40)
				return 0;
			return (uint64_t)get32(p->offs64 + (size_t)o * 8) << 32 | get32(p->offs64 + (size_t)o * 8 + 4);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int damaged(const pack *p, uint64_t off, const char *what)
{
	return kefu_error_set(KEFU_EBADDATA, "pack '%s' is damaged at %llu: %s", p->name,
	                      (unsigned long long)off, what);
}

/* Read n bytes at off into g->in (fewer at the end of the pack). */
static int read_at(kefu_gitpack *g, const pack *p, uint64_t off, size_t n, size_t *got)
{
	size_t have = 0;

	if (off >= p->pack_size)
		return damaged(p, off, "offset past the end");
	if (n > p->pack_size - off)
		n = (size_t)(p->pack_size - off);
	KEFU_ARRAY_GROW(g->in, n, g->in_alloc);
	while (have < n) {
		ssize_t r = pread(p->fd, g->in + have, n - have, (off_t)(off + have));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? kefu_error_set(KEFU_ERROR, "cannot read '%s': %s", p->name, strerror(errno))
			             : damaged(p, off, "truncated");
		have += (size_t)r;
	}
	*got = n;
	return 0;
}

/* Inflate the zlib stream at the start of in[0..n) (the pack's next
 * objects may follow it) to exactly len bytes at out; its checksum is
 * checked. */
static int inflate_to(kefu_gitpack *g, const pack *p, uint64_t off, const unsigned char *in, size_t n,
                      unsigned char *out, size_t len)
{
	if (libdeflate_zlib_decompress(g->inflater, in, n, out, len, NULL) != LIBDEFLATE_SUCCESS)
		return damaged(p, off, "the compressed data does not inflate to its size");
	return 0;
}

static int apply_delta(const pack *p, uint64_t off, const unsigned char *base_data, size_t base_len,
                       const unsigned char *d, size_t n, kefu_buf *out)
{
	const unsigned char *end = d + n;
	uint64_t src = 0, dst = 0;
	unsigned char *w;
	size_t at = 0;
	int shift;

	for (shift = 0; d < end && shift < 64; shift += 7) {
		src |= (uint64_t)(*d & 0x7f) << shift;
		if (!(*d++ & 0x80))
			break;
	}
	for (shift = 0; d < end && shift < 64; shift += 7) {
		dst |= (uint64_t)(*d & 0x7f) << shift;
		if (!(*d++ & 0x80))
			break;
	}
	if (src != base_len || dst >= MAX_OBJECT)
		return damaged(p, off, "a delta does not fit its base");
	kefu_buf_grow(out, (size_t)dst);
	w = (unsigned char *)out->ptr + out->size;
	while (d < end) {
		unsigned char c = *d++;
		if (c & 0x80) {
			uint64_t co = 0, cs = 0;
			for (int i = 0; i < 4; i++)
				if (c & (1 << i)) {
					if (d >= end)
						return damaged(p, off, "a delta copy runs past its end");
					co |= (uint64_t)*d++ << (8 * i);
				}
			for (int i = 0; i < 3; i++)
				if (c & (0x10 << i)) {
					if (d >= end)
						return damaged(p, off, "a delta copy runs past its end");
					cs |= (uint64_t)*d++ << (8 * i);
				}
			if (!cs)
				cs = 0x10000;
			if (co + cs > base_len || at + cs > dst)
				return damaged(p, off, "a delta copies outside its base");
			memcpy(w + at, base_data + co, (size_t)cs);
			at += (size_t)cs;
		} else if (c) {
			if ((size_t)(end - d) < c || at + c > dst)
				return damaged(p, off, "a delta inserts past its end");
			memcpy(w + at, d, c);
			d += c;
			at += c;
		} else {
			return damaged(p, off, "a delta has a reserved instruction");
		}
	}
	if (at != dst)
		return damaged(p, off, "a delta does not make its size");
	out->size += at;
	out->ptr[out->size] = '\0';
	return 0;
}

static base *cached(kefu_gitpack *g, const pack *p, uint64_t off)
{
	base *b = &g->cache[(off ^ (off >> 12)) % NCACHE];
	return b->data && b->p == p && b->off == off ? b : NULL;
}

static void keep(kefu_gitpack *g, pack *p, uint64_t off, int type, const kefu_buf *data, size_t from)
{
	base *b = &g->cache[(off ^ (off >> 12)) % NCACHE];
	size_t len = data->size - from;

	if (len > CACHE_BYTES / 4)
		return;
	g->cached -= b->data ? b->len : 0;
	free(b->data);
	b->data = NULL;
	if (g->cached + len > CACHE_BYTES) {
		for (size_t i = 0; i < NCACHE; i++) {
			free(g->cache[i].data);
			g->cache[i].data = NULL;
		}
		g->cached = 0;
	}
	b->data = kefu_xmalloc(len ? len : 1);
	memcpy(b->data, data->ptr + from, len);
	b->p = p;
	b->off = off;
	b->type = type;
	b->len = len;
	g->cached += len;
}

/* The object at off of p appended to out; *type its type. */
static int read_object(kefu_gitpack *g, pack *p, uint64_t off, int depth, int *type, kefu_buf *out)
{
	unsigned char hdr[32];
	uint64_t size, base_off = 0;
	size_t got, pos = 1, from = out->size;
	int shift = 4, t, error;
	base *b;

	if (depth > MAX_DEPTH)
		return KEFU_ENOTFOUND;
	if ((b = cached(g, p, off))) {
		*type = b->type;
		kefu_buf_put(out, b->data, b->len);
		return 0;
	}
	if ((error = read_at(g, p, off, sizeof(hdr), &got)) < 0)
		return error;
	memcpy(hdr, g->in, got);
	t = (hdr[0] >> 4) & 7;
	size = hdr[0] & 15;
	for (unsigned char c = hdr[0]; c & 0x80; shift += 7) {
		if (pos >= got || shift > 57)
			return damaged(p, off, "bad object header");
		c = hdr[pos++];
		size |= (uint64_t)(c & 0x7f) << shift;
	}
	if (size >= MAX_OBJECT)
		return KEFU_ENOTFOUND;
	if (t == OBJ_OFS_DELTA) {
		unsigned char c;
		uint64_t rel;
		if (pos >= got)
			return damaged(p, off, "bad delta header");
		c = hdr[pos++];
		rel = c & 0x7f;
		while (c & 0x80) {
			if (pos >= got || rel >= (UINT64_C(1) << 56))
				return damaged(p, off, "bad delta offset");
			c = hdr[pos++];
			rel = ((rel + 1) << 7) | (c & 0x7f);
		}
		if (!rel || rel >= off)
			return damaged(p, off, "a delta's base is outside the pack");
		base_off = off - rel;
	} else if (t == OBJ_REF_DELTA) {
		if (pos + 20 > got)
			return damaged(p, off, "bad delta header");
		/* Its base in this pack; in another, libgit2 knows the way. */
		if (!(base_off = find(p, hdr + pos)))
			return KEFU_ENOTFOUND;
		pos += 20;
	} else if (t < OBJ_COMMIT || t > OBJ_TAG) {
		return damaged(p, off, "unknown object type");
	}
	/* A zlib stream is at most its data plus 5 bytes a 16 KB block and
	 * its header and checksum: read that much and let inflate stop. */
	if ((error = read_at(g, p, off + pos, (size_t)size + (size_t)size / 1000 + 64, &got)) < 0)
		return error;
	if (t != OBJ_OFS_DELTA && t != OBJ_REF_DELTA) {
		kefu_buf_grow(out, (size_t)size);
		if ((error = inflate_to(g, p, off, g->in, got, (unsigned char *)out->ptr + out->size, (size_t)size)) < 0)
			return error;
		out->size += (size_t)size;
		out->ptr[out->size] = '\0';
		*type = t;
	} else {
		unsigned char *delta = kefu_xmalloc(size ? (size_t)size : 1);
		kefu_buf bb = KEFU_BUF_INIT;
		if ((error = inflate_to(g, p, off, g->in, got, delta, (size_t)size)) == 0 &&
		    (error = read_object(g, p, base_off, depth + 1, type, &bb)) == 0)
			error = apply_delta(p, off, (const unsigned char *)bb.ptr, bb.size, delta, (size_t)size, out);
		kefu_buf_release(&bb);
		free(delta);
		if (error < 0) {
			kefu_buf_truncate(out, from);
			return error;
		}
	}
	/* Read as a delta's base: the next delta on it likely follows. */
	if (depth)
		keep(g, p, off, *type, out, from);
	return 0;
}

/* A loose object, objects/<2 hex>/<38 hex>: one zlib stream of "<type>
 * <size>\0" and the data. Every change leaves its blobs loose, and
 * libgit2 spent some 130,000 instructions on each (its zlib state and
 * window, a lookup of the alternates): a tenth of catching up 1,000
 * changed tickets. KEFU_ENOTFOUND when there is no such file. */
static int read_loose(kefu_gitpack *g, const git_oid *id, git_object_t *type, kefu_buf *out)
{
	char hex[GIT_OID_HEXSZ + 1], path[4200];
	unsigned char *data = NULL;
	size_t n, cap, got = 0, at, size = 0;
	enum libdeflate_result rc;
	int error = 0;

	git_oid_tostr(hex, sizeof(hex), id);
	snprintf(path, sizeof(path), "%s/%.2s/%s", g->objdir, hex, hex + 2);
	kefu_buf_clear(&g->loose);
	if ((error = kefu_read_file(&g->loose, path)) < 0)
		return error;
	if (!(n = g->loose.size) || n > MAX_OBJECT)
		return n ? KEFU_ENOTFOUND : kefu_error_set(KEFU_EBADDATA, "loose object %s is empty", hex);
	/* The size is inside the stream: guess, and inflate again into
	 * more room when the guess was short. */
	for (cap = n * 4 + 64;; cap *= 2) {
		data = kefu_xrealloc(data, cap);
		rc = libdeflate_zlib_decompress(g->inflater, g->loose.ptr, n, data, cap, &got);
		if (rc != LIBDEFLATE_INSUFFICIENT_SPACE || cap > MAX_OBJECT)
			break;
	}
	if (rc == LIBDEFLATE_INSUFFICIENT_SPACE) {
		error = KEFU_ENOTFOUND; /* 64 MB or more: libgit2's */
		goto done;
	}
	if (rc != LIBDEFLATE_SUCCESS) {
		error = kefu_error_set(KEFU_EBADDATA, "loose object %s is damaged: it does not inflate", hex);
		goto done;
	}
	/* "<type> <size>\0": git's own names for the four loose types. */
	for (at = 0; at < got && at < 16 && data[at] != ' '; at++)
		;
	*type = GIT_OBJECT_INVALID;
	if (at < got && data[at] == ' ') {
		data[at] = '\0';
		*type = git_object_string2type((const char *)data);
	}
	for (at++; at < got && data[at] >= '0' && data[at] <= '9' && size <= MAX_OBJECT; at++)
		size = size * 10 + (size_t)(data[at] - '0');
	if (!git_object_typeisloose(*type) || at >= got || data[at] != '\0' || got - at - 1 != size) {
		error = kefu_error_set(KEFU_EBADDATA, "loose object %s is damaged: a bad header", hex);
		goto done;
	}
	kefu_buf_put(out, data + at + 1, size);
done:
	free(data);
	return error;
}

int kefu_gitpack_read(kefu_gitpack *g, const git_oid *id, git_object_t *type, kefu_buf *out)
{
	for (size_t i = 0; i < g->n; i++) {
		uint64_t off = find(&g->packs[i], id->id);
		int t = 0, error;
		size_t from = out->size;
		if (!off)
			continue;
		if ((error = read_object(g, &g->packs[i], off, 0, &t, out)) < 0) {
			kefu_buf_truncate(out, from); /* terminated again */
			return error;
		}
		*type = t == OBJ_COMMIT ? GIT_OBJECT_COMMIT
		      : t == OBJ_TREE   ? GIT_OBJECT_TREE
		      : t == OBJ_BLOB   ? GIT_OBJECT_BLOB
		                        : GIT_OBJECT_TAG;
		return 0;
	}
	return read_loose(g, id, type, out);
}
