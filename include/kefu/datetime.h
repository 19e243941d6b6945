/* datetime.h — the clock (overridable for tests), ISO 8601 times, dates,
 * durations and ages. Times are seconds since the epoch, UTC. */
#ifndef KEFU_DATETIME_H
#define KEFU_DATETIME_H

#include <stdint.h>

#define KEFU_ISO_LEN 20  /* "2026-11-23T15:21:52Z" */
#define KEFU_DATE_LEN 10 /* "2026-11-23" */

/* Now, or $KEFU_NOW when set (ISO 8601 UTC or seconds since the epoch),
 * so tests and demos run on a fixed clock. */
int64_t kefu_now(void);

/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into out (KEFU_ISO_LEN + 1). */
void kefu_time_iso(char *out, int64_t t);

/* Parse exactly "YYYY-MM-DDTHH:MM:SSZ"; KEFU_EINVALID otherwise. */
int kefu_time_parse_iso(int64_t *out, const char *s);

/* Parse "YYYY-MM-DD" strictly (a real calendar date) into out
 * (KEFU_DATE_LEN + 1); also accepts today, tomorrow, +Nd and +Nw counted
 * from now in local time. KEFU_EINVALID with a message otherwise. */
int kefu_date_parse(char *out, const char *s, int64_t now);

/* Midnight UTC of a "YYYY-MM-DD" date; KEFU_EINVALID when malformed. */
int kefu_date_to_time(int64_t *out, const char *date);

/* Parse a duration such as "45m", "2h", "1h30m", "1.5h" or "90" (minutes)
 * into whole minutes (> 0). KEFU_EINVALID otherwise. */
int kefu_duration_parse(int *minutes, const char *s);

/* Short age such as "45s", "12m", "5h", "3d", "7w" into out (>= 8 bytes). */
void kefu_time_age(char *out, int64_t seconds);

/* "2026-11-23 15:21" in the local zone ($TZ) into out (>= 17 bytes). */
void kefu_time_local(char *out, int64_t t);

/* Minutes as "1h30m" / "45m" / "0m" into out (>= 16 bytes). */
void kefu_minutes_format(char *out, int minutes);

#endif
