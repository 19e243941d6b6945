/* error.h — error codes and the one-line, thread-local last error message. */
#ifndef KEFU_ERROR_H
#define KEFU_ERROR_H

/* Every function that can fail returns 0 or one of these. */
enum {
	KEFU_OK = 0,
	KEFU_ERROR = -1,      /* anything else: I/O, libgit2, sqlite */
	KEFU_ENOTFOUND = -2,  /* no such ticket, customer, file, desk */
	KEFU_EEXISTS = -3,    /* it is already there */
	KEFU_EINVALID = -4,   /* a bad argument or value from the user */
	KEFU_ECONFLICT = -5,  /* the desk moved under us, or a merge is pending */
	KEFU_ELOCKED = -6,    /* another kefu holds the desk lock */
	KEFU_EAMBIGUOUS = -7, /* a short id matches more than one ticket */
	KEFU_EBADDATA = -8,   /* a file in the desk cannot be parsed */
};

/* Record a one-line message (git style: lower case, no full stop) and
 * return code, so callers can write `return kefu_error_set(...)`. */
int kefu_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix the current message with "prefix: "; returns code. */
int kefu_error_wrap(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The last message; never NULL (empty when none). Borrowed. */
const char *kefu_error_last(void);

void kefu_error_clear(void);

#endif
