/* datetime.c — clock, ISO 8601 and duration parsing and formatting. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kefu/datetime.h"
#include "kefu/error.h"

int64_t kefu_now(void)
{
	const char *env = getenv("KEFU_NOW");
	int64_t t;

	if (env && *env) {
		if (kefu_time_parse_iso(&t, env) == 0)
			return t;
		char *end;
		long long v = strtoll(env, &end, 10);
		if (!*end)
			return v;
	}
	return (int64_t)time(NULL);
}

void kefu_time_iso(char *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, KEFU_ISO_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_ymd(struct tm *tm, const char *s)
{
	int y, m, d;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
	    digits(s + 8, 2, &d))
		return -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	return 0;
}

int kefu_time_parse_iso(int64_t *out, const char *s)
{
	struct tm tm;
	int hh, mm, ss;

	if (strlen(s) != KEFU_ISO_LEN || parse_ymd(&tm, s) || s[10] != 'T' ||
	    digits(s + 11, 2, &hh) || s[13] != ':' || digits(s + 14, 2, &mm) || s[16] != ':' ||
	    digits(s + 17, 2, &ss) || s[19] != 'Z' || hh > 23 || mm > 59 || ss > 60)
		return kefu_error_set(KEFU_EINVALID, "bad time '%s' (want YYYY-MM-DDTHH:MM:SSZ)",
				      s);
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int kefu_date_to_time(int64_t *out, const char *date)
{
	struct tm tm;
	if (strlen(date) != KEFU_DATE_LEN || parse_ymd(&tm, date))
		return kefu_error_set(KEFU_EINVALID, "bad date '%s' (want YYYY-MM-DD)", date);
	*out = (int64_t)timegm(&tm);
	return 0;
}

int kefu_date_parse(char *out, const char *s, int64_t now)
{
	struct tm tm;
	time_t t = (time_t)now;
	long days = -1;

	if (strlen(s) == KEFU_DATE_LEN && parse_ymd(&tm, s) == 0) {
		memcpy(out, s, KEFU_DATE_LEN + 1);
		return 0;
	}
	if (!strcmp(s, "today")) {
		days = 0;
	} else if (!strcmp(s, "tomorrow")) {
		days = 1;
	} else if (s[0] == '+' && isdigit((unsigned char)s[1])) {
		char *end;
		long n = strtol(s + 1, &end, 10);
		if (n <= 3660 && (!strcmp(end, "d") || !*end))
			days = n;
		else if (n <= 520 && !strcmp(end, "w"))
			days = n * 7;
	}
	if (days < 0)
		return kefu_error_set(
			KEFU_EINVALID,
			"bad date '%s' (want YYYY-MM-DD, today, tomorrow, +Nd or +Nw)", s);
	t += (time_t)days * 86400;
	localtime_r(&t, &tm);
	strftime(out, KEFU_DATE_LEN + 1, "%Y-%m-%d", &tm);
	return 0;
}

int kefu_duration_parse(int *minutes, const char *s)
{
	const char *p = s;
	double total = 0;
	int any = 0;

	while (*p) {
		char *end;
		double v = strtod(p, &end);
		if (end == p || v < 0)
			goto bad;
		p = end;
		if (*p == 'h') {
			total += v * 60;
			p++;
		} else if (*p == 'm') {
			total += v;
			p++;
		} else if (!*p && !any) {
			total += v;
		} else {
			goto bad;
		}
		any = 1;
	}
	if (!any || total < 0.5 || total > 60 * 24 * 31)
		goto bad;
	*minutes = (int)(total + 0.5);
	return 0;
bad:
	return kefu_error_set(KEFU_EINVALID, "bad duration '%s' (want e.g. 45m, 2h, 1h30m)", s);
}

void kefu_time_age(char *out, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, 8, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, 8, "%lldm", (long long)(s / 60));
	else if (s < 86400 * 2)
		snprintf(out, 8, "%lldh", (long long)(s / 3600));
	else if (s < 86400 * 7 * 8)
		snprintf(out, 8, "%lldd", (long long)(s / 86400));
	else
		snprintf(out, 8, "%lldw", (long long)(s / 86400 / 7) % 10000);
}

void kefu_time_local(char *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(out, 17, "%Y-%m-%d %H:%M", &tm);
}

void kefu_minutes_format(char *out, int minutes)
{
	if (minutes >= 60 && minutes % 60)
		snprintf(out, 16, "%dh%02dm", minutes / 60, minutes % 60);
	else if (minutes >= 60)
		snprintf(out, 16, "%dh", minutes / 60);
	else
		snprintf(out, 16, "%dm", minutes);
}
