/* cmd_customer.c — kefu customer add | edit | list | show. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kefu/error.h"
#include "kefu/utf8.h"

/* Split "a:b:c" into up to n fields (pointers into buf, which is
 * modified); missing fields are NULL. */
static void split(char *buf, char **fields, int n)
{
	for (int i = 0; i < n; i++) {
		fields[i] = buf && *buf ? buf : NULL;
		char *colon = buf ? strchr(buf, ':') : NULL;
		if (colon)
			*colon = '\0';
		buf = colon ? colon + 1 : NULL;
	}
}

static int customer_add(kefu_cli *cli)
{
	const char *tier = NULL, *consultant = NULL;
	kefu_customer *c = NULL;
	kefu_desk *d = NULL;
	int code, error;
	kefu_opt opts[] = {{"tier", 0, &tier, NULL}, {"consultant", 0, &consultant, NULL},
	                   {"branch", 'b', NULL, NULL}, {"contact", 0, NULL, NULL},
	                   {NULL, 0, NULL, NULL}};
	const char *dummy = NULL;
	opts[2].val = &dummy;
	opts[3].val = &dummy;

	/* --branch and --contact repeat: collect them by hand after the
	 * generic pass has checked the rest. */
	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (cli->npos != 3)
		return kefu_cli_usage("customer add: want SLUG NAME; see 'kefu help customer'");
	c = kefu_customer_new(cli->pos[1], cli->pos[2]);
	c->tier = tier ? strdup(tier) : NULL;
	c->consultant = consultant ? strdup(consultant) : NULL;
	for (int i = 1; i < cli->argc; i++) {
		char *f[4], *copy;
		const char *a = cli->argv[i], *v = NULL;
		int is_branch = 0;
		if (!strcmp(a, "--"))
			break;
		if ((!strcmp(a, "--branch") || !strcmp(a, "-b") || !strcmp(a, "--contact")) && i + 1 < cli->argc) {
			is_branch = a[1] == 'b' || a[2] == 'b';
			v = cli->argv[++i];
		} else if (!strncmp(a, "--branch=", 9) || !strncmp(a, "--contact=", 10)) {
			is_branch = a[2] == 'b';
			v = strchr(a, '=') + 1;
		} else if (!strncmp(a, "-b", 2) && a[2]) {
			is_branch = 1;
			v = a + 2;
		} else {
			if (!strcmp(a, "--tier") || !strcmp(a, "--consultant"))
				i++;
			continue;
		}
		copy = strdup(v);
		split(copy, f, 4);
		if (!f[0]) {
			free(copy);
			code = kefu_cli_usage("customer add: empty %s", is_branch ? "--branch" : "--contact");
			goto done;
		}
		if (is_branch)
			kefu_customer_add_branch(c, f[0], f[1]);
		else
			kefu_customer_add_contact(c, f[0], f[1], f[2]);
		free(copy);
	}
	if ((code = kefu_cli_open(cli, &d)) != 0)
		goto done;
	if ((error = kefu_desk_add_customer(d, c)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	printf("customer: add %s\n", c->slug);
done:
	kefu_customer_free(c);
	kefu_desk_free(d);
	return code;
}

/* Fill a contact's fields from "NAME:ROLE:BRANCH:PHONE:EMAIL:WECOM";
 * empty fields keep what it had. */
static void set_contact(kefu_contact *k, char **f)
{
	char **dst[] = {&k->role, &k->branch, &k->phone, &k->email, &k->wecom};
	for (int i = 0; i < 5; i++)
		if (f[i + 1]) {
			free(*dst[i]);
			*dst[i] = strdup(f[i + 1]);
		}
}

/* The repeating options of 'customer edit' in order, applied to c. */
static int edit_lists(kefu_cli *cli, kefu_customer *c, int *changed)
{
	for (int i = 1; i < cli->argc; i++) {
		static const char *const names[] = {"--branch", "--remove-branch", "--contact", "--remove-contact"};
		const char *a = cli->argv[i], *v = NULL;
		int which = -1, error = 0;
		char *f[6], *copy;

		if (!strcmp(a, "--"))
			break;
		for (int n = 0; n < 4 && which < 0; n++) {
			size_t len = strlen(names[n]);
			if (!strcmp(a, names[n]) && i + 1 < cli->argc) {
				which = n;
				v = cli->argv[++i];
			} else if (!strncmp(a, names[n], len) && a[len] == '=') {
				which = n;
				v = a + len + 1;
			}
		}
		if (which < 0) {
			if (!strcmp(a, "--name") || !strcmp(a, "--tier") || !strcmp(a, "--consultant"))
				i++;
			continue;
		}
		copy = strdup(v);
		split(copy, f, which == 2 ? 6 : which == 0 ? 2 : 1);
		if (!f[0]) {
			free(copy);
			return kefu_cli_usage("customer edit: empty %s", names[which]);
		}
		*changed = 1;
		if (which == 0) {
			if (kefu_customer_has_branch(c, f[0])) {
				for (size_t b = 0; b < c->nbranches; b++)
					if (!strcmp(c->branches[b].name, f[0]) && f[1]) {
						free(c->branches[b].region);
						c->branches[b].region = strdup(f[1]);
					}
			} else {
				kefu_customer_add_branch(c, f[0], f[1]);
			}
		} else if (which == 1) {
			error = kefu_customer_remove_branch(c, f[0]);
		} else if (which == 2) {
			kefu_contact *k = (kefu_contact *)kefu_customer_contact(c, f[0]);
			if (!k)
				k = kefu_customer_add_contact(c, f[0], NULL, NULL);
			set_contact(k, f);
		} else {
			error = kefu_customer_remove_contact(c, f[0]);
		}
		free(copy);
		if (error < 0)
			return kefu_cli_fail(error);
	}
	return 0;
}

/* Replace *field with v (a flag's value); "" clears it. */
static void set_field(char **field, const char *v, int *changed)
{
	if (!v)
		return;
	free(*field);
	*field = *v ? strdup(v) : NULL;
	*changed = 1;
}

static int customer_edit(kefu_cli *cli)
{
	const char *name = NULL, *tier = NULL, *consultant = NULL, *dummy = NULL;
	kefu_customer *c = NULL, *edited = NULL;
	kefu_desk *d = NULL;
	kefu_buf text = KEFU_BUF_INIT, out = KEFU_BUF_INIT;
	char slug[64], path[64];
	int editor = 0, changed = 0, unchanged = 0, code, error;
	kefu_opt opts[] = {{"name", 0, &name, NULL}, {"tier", 0, &tier, NULL},
	                   {"consultant", 0, &consultant, NULL}, {"branch", 'b', &dummy, NULL},
	                   {"remove-branch", 0, &dummy, NULL}, {"contact", 0, &dummy, NULL},
	                   {"remove-contact", 0, &dummy, NULL}, {"edit", 'e', NULL, &editor},
	                   {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (cli->npos != 2)
		return kefu_cli_usage("customer edit: want SLUG; see 'kefu help customer'");
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((error = kefu_index_customer_slug(kefu_desk_index(d), slug, cli->pos[1])) < 0 ||
	    (error = kefu_desk_load_customer(d, &c, slug)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	if (name && !*name) {
		code = kefu_cli_usage("customer edit: --name cannot be empty");
		goto done;
	}
	set_field(&c->name, name, &changed);
	set_field(&c->tier, tier, &changed);
	set_field(&c->consultant, consultant, &changed);
	if ((code = edit_lists(cli, c, &changed)) != 0)
		goto done;
	if (!changed || editor) {
		/* The whole record in $EDITOR; a file that does not parse is
		 * never written, and the edit is kept for another try. */
		kefu_customer_format(&text, c);
		if ((code = kefu_cli_edit(&out, text.ptr)) != 0)
			goto done;
		kefu_customer_path(path, slug);
		if ((error = kefu_customer_parse(&edited, out.ptr, out.size, path)) < 0) {
			kefu_buf keep = KEFU_BUF_INIT;
			FILE *fp;
			kefu_buf_printf(&keep, "%s/customer-edit-%s.json", kefu_store_kefudir(kefu_desk_store(d)), slug);
			if ((fp = fopen(keep.ptr, "wb"))) {
				fwrite(out.ptr, 1, out.size, fp);
				fclose(fp);
				char *why = strdup(kefu_error_last());
				kefu_error_set(error, "%s; nothing changed, your edit is in '%s'", why, keep.ptr);
				free(why);
			}
			kefu_buf_release(&keep);
			code = kefu_cli_fail(error);
			goto done;
		}
		if (strcmp(edited->slug, slug)) {
			code = kefu_cli_usage("customer edit: the slug cannot change ('%s' to '%s'); nothing changed",
			                      slug, edited->slug);
			goto done;
		}
		kefu_customer_free(c);
		c = edited;
		edited = NULL;
	}
	if ((error = kefu_desk_save_customer(d, c, &unchanged)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	printf(unchanged ? "customer %s: nothing changed\n" : "customer: edit %s\n", slug);
done:
	kefu_customer_free(c);
	kefu_customer_free(edited);
	kefu_buf_release(&text);
	kefu_buf_release(&out);
	kefu_desk_free(d);
	return code;
}

struct list_ctx {
	int json, n;
	kefu_buf out;
};

static void list_one(const char *slug, const char *name, void *payload)
{
	struct list_ctx *l = payload;
	if (l->json) {
		kefu_buf_puts(&l->out, l->n ? ",\n  {\"slug\": " : "\n  {\"slug\": ");
		kefu_buf_put_json_string(&l->out, slug);
		kefu_buf_puts(&l->out, ", \"name\": ");
		kefu_buf_put_json_string(&l->out, name);
		kefu_buf_putc(&l->out, '}');
	} else {
		kefu_utf8_fit(&l->out, slug, 16, 1);
		kefu_buf_puts(&l->out, "  ");
		kefu_utf8_fit(&l->out, name, 60, 0);
		kefu_buf_putc(&l->out, '\n');
	}
	l->n++;
}

static int customer_list(kefu_cli *cli)
{
	struct list_ctx l = {0, 0, KEFU_BUF_INIT};
	kefu_desk *d = NULL;
	int code;
	kefu_opt opts[] = {{"json", 0, NULL, &l.json}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if (l.json)
		kefu_buf_puts(&l.out, "[");
	kefu_index_customers(kefu_desk_index(d), list_one, &l);
	if (l.json)
		kefu_buf_puts(&l.out, l.n ? "\n]\n" : "]\n");
	fputs(l.out.ptr, stdout);
	kefu_buf_release(&l.out);
	kefu_desk_free(d);
	return 0;
}

static void line(const char *label, const char *v)
{
	if (!v || !*v)
		return;
	printf("%-12s", label);
	kefu_cli_put(stdout, v);
	putchar('\n');
}

static int customer_show(kefu_cli *cli)
{
	kefu_desk *d = NULL;
	kefu_customer *c = NULL;
	char slug[64];
	int code, error;

	if ((code = kefu_cli_args(cli, NULL, 0)) != 0)
		return code;
	if (cli->npos != 2)
		return kefu_cli_usage("customer show: which customer?");
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	error = kefu_index_customer_slug(kefu_desk_index(d), slug, cli->pos[1]);
	/* The index skips a file it cannot load: read it, to say why. */
	if (error == KEFU_ENOTFOUND && kefu_customer_slug_valid(cli->pos[1])) {
		snprintf(slug, sizeof(slug), "%s", cli->pos[1]);
		error = 0;
	}
	if (error < 0 || (error = kefu_desk_load_customer(d, &c, slug)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	line("Customer:", c->slug);
	line("Name:", c->name);
	line("Tier:", c->tier);
	line("Consultant:", c->consultant);
	for (size_t i = 0; i < c->nbranches; i++) {
		kefu_buf b = KEFU_BUF_INIT;
		kefu_buf_puts(&b, c->branches[i].name);
		if (c->branches[i].region)
			kefu_buf_printf(&b, " (%s)", c->branches[i].region);
		line(i ? "" : "Branches:", b.ptr);
		kefu_buf_release(&b);
	}
	for (size_t i = 0; i < c->ncontacts; i++) {
		const kefu_contact *k = &c->contacts[i];
		kefu_buf b = KEFU_BUF_INIT;
		kefu_buf_puts(&b, k->name);
		const char *parts[] = {k->role, k->branch, k->phone, k->email, k->wecom};
		for (size_t p = 0; p < 5; p++)
			if (parts[p] && *parts[p])
				kefu_buf_printf(&b, ", %s", parts[p]);
		line(i ? "" : "Contacts:", b.ptr);
		kefu_buf_release(&b);
	}
	{
		kefu_query q = {.customer = slug, .status = "open"};
		kefu_rows rows = {0};
		if (kefu_index_query(kefu_desk_index(d), &rows, &q) == 0) {
			printf("%-12s%zu\n", "Open:", rows.n);
			kefu_rows_free(&rows);
		}
	}
done:
	kefu_customer_free(c);
	kefu_desk_free(d);
	return code;
}

int kefu_cmd_customer(kefu_cli *cli)
{
	if (cli->argc < 2)
		return kefu_cli_usage("customer: add, edit, list or show; see 'kefu help customer'");
	const char *sub = cli->argv[1];
	if (!strcmp(sub, "add"))
		return customer_add(cli);
	if (!strcmp(sub, "edit"))
		return customer_edit(cli);
	if (!strcmp(sub, "list"))
		return customer_list(cli);
	if (!strcmp(sub, "show"))
		return customer_show(cli);
	return kefu_cli_usage("customer: no subcommand '%s' (add, edit, list, show)", sub);
}
