/* id.c — ticket and event ids: offline, sortable by time, validated. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "kefu/ticket.h"

static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
#define KEFU_EPOCH 1577836800 /* 2020-01-01T00:00:00Z */

static void put_base32(char *out, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = alphabet[v & 31];
		v >>= 5;
	}
}

static uint64_t random_bits(void)
{
	uint64_t v = 0;
	size_t got = 0;
	while (got < sizeof(v)) {
		ssize_t n = getrandom((char *)&v + got, sizeof(v) - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return v;
}

void kefu_id_ticket(char *out, int64_t t)
{
	uint64_t minutes = t > KEFU_EPOCH ? (uint64_t)(t - KEFU_EPOCH) / 60 : 0;
	out[0] = 'T';
	put_base32(out + 1, minutes, 6);
	put_base32(out + 7, random_bits(), 5);
	out[KEFU_TICKET_ID_LEN] = '\0';
}

void kefu_id_event(char *out, int64_t t)
{
	uint64_t secs = t > KEFU_EPOCH ? (uint64_t)(t - KEFU_EPOCH) : 0;
	out[0] = 'E';
	put_base32(out + 1, secs, 7);
	put_base32(out + 8, random_bits(), 8);
	out[KEFU_EVENT_ID_LEN] = '\0';
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(alphabet, s[i]))
			return 0;
	return 1;
}

int kefu_id_valid(const char *s)
{
	return s && s[0] == 'T' && strlen(s) == KEFU_TICKET_ID_LEN &&
	       all_digits(s + 1, KEFU_TICKET_ID_LEN - 1);
}

int kefu_id_event_valid(const char *s)
{
	return s && s[0] == 'E' && strlen(s) == KEFU_EVENT_ID_LEN &&
	       all_digits(s + 1, KEFU_EVENT_ID_LEN - 1);
}

int kefu_id_prefix_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= KEFU_TICKET_ID_LEN && s[0] == 'T' &&
	       all_digits(s + 1, n - 1);
}

void kefu_id_normalize(char *s)
{
	if (!*s)
		return;
	if (*s == 't')
		*s = 'T';
	for (s++; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

void kefu_ticket_path(char *out, const char *id)
{
	size_t n = strlen(id);
	snprintf(out, KEFU_PATH_MAX, "tickets/%s/%s.json", id + (n - 2), id);
}

int kefu_ticket_path_id(char *id, const char *path)
{
	char want[KEFU_PATH_MAX];
	const char *base = strrchr(path, '/');
	size_t n;

	if (!base || strncmp(path, "tickets/", 8))
		return 0;
	base++;
	n = strlen(base);
	if (n != KEFU_TICKET_ID_LEN + 5 || strcmp(base + KEFU_TICKET_ID_LEN, ".json"))
		return 0;
	memcpy(id, base, KEFU_TICKET_ID_LEN);
	id[KEFU_TICKET_ID_LEN] = '\0';
	if (!kefu_id_valid(id))
		return 0;
	kefu_ticket_path(want, id);
	return strcmp(want, path) == 0;
}
