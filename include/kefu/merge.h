/* merge.h — three-way merge of desk files by meaning: tickets by the
 * union of their events, JSON files member by member, Markdown header by
 * field and body by line. Pure (bytes in, bytes out, no git), and
 * symmetric: swapping ours and theirs gives the same bytes, so every clone
 * ends with the same desk whatever the merge order. */
#ifndef KEFU_MERGE_H
#define KEFU_MERGE_H

#include <stddef.h>

#include "kefu/buf.h"

typedef enum {
	KEFU_MERGE_TEXT,   /* any other text file: lines, kefu conflict blocks */
	KEFU_MERGE_TICKET, /* tickets/<xy>/<id>.json */
	KEFU_MERGE_JSON,   /* customers/, releases/ *.json and kefu.json */
	KEFU_MERGE_MARKDOWN, /* kb/ and replies/ *.md: front matter + body */
} kefu_merge_kind;

/* How path is merged. */
kefu_merge_kind kefu_merge_kind_of(const char *path);

/* One version of a file; data NULL when the file is absent there. */
typedef struct kefu_merge_side {
	const char *data;
	size_t len;
} kefu_merge_side;

typedef struct kefu_merge_result {
	kefu_buf text;    /* the merged file, when !absent */
	int absent;       /* 1: the merge deletes the file */
	size_t conflicts; /* fields or passages kept in both versions */
} kefu_merge_result;

#define KEFU_MERGE_RESULT_INIT { KEFU_BUF_INIT, 0, 0 }

void kefu_merge_result_release(kefu_merge_result *r);

/* Merge ours and theirs (each may be absent) from their common base
 * (absent, or NULL when unknown) into out, which the caller releases.
 * A file deleted on one side and changed on the other is kept as
 * changed. Where both sides changed the same field or passage
 * differently, both versions are kept (see doc/FORMAT.md) and counted in
 * out->conflicts. KEFU_EBADDATA naming path when ours or theirs cannot
 * be loaded, or is binary. */
int kefu_merge_file(kefu_merge_result *out, const char *path, const kefu_merge_side *base,
                    const kefu_merge_side *ours, const kefu_merge_side *theirs);

/* The lines that delimit both versions of a Markdown or text passage.
 * They are HTML comments, so they render invisibly, and they never start
 * with git's "<<<<<<<", "=======" or ">>>>>>>". */
#define KEFU_MERGE_BEGIN "<!-- kefu: conflict: both sides changed this passage; keep one version, delete the rest and these kefu lines -->\n"
#define KEFU_MERGE_VERSION "<!-- kefu: version %d -->\n"
#define KEFU_MERGE_END "<!-- kefu: end of conflict -->\n"

/* The member of a JSON object that records both values of a member the
 * two sides changed differently: "conflict": {"<member>": [v1, v2]}. */
#define KEFU_MERGE_CONFLICT_KEY "conflict"

#endif
