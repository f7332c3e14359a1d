/* hokuto CLI — RFC 9401 options shared by the TCP commands (dth_opts.h). */
#include "dth_opts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *value_of(int argc, char **argv, int *i, const char *name, const char *prog)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (a[n] == '=')
		return a + n + 1;
	if (*i + 1 >= argc || !argv[*i + 1]) {
		fprintf(stderr, "%s: %s needs a value (a phrase file, one death-flag line a line)\n", prog, name);
		return NULL;
	}
	return argv[++*i];
}

int hk_dth_cli_parse(int argc, char **argv, struct hk_dth_cli *o, const char *prog)
{
	memset(o, 0, sizeof(*o));
	if (!prog)
		prog = "hokuto";
	int out = argc > 0 ? 1 : 0;
	bool rest = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (rest || !a || a[0] != '-' || a[1] != '-') {
			argv[out++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			rest = true;
			argv[out++] = argv[i];
		} else if (strcmp(a, "--dth") == 0) {
			o->mark_all = true;
		} else if (strcmp(a, "--dth-auto") == 0) {
			o->auto_mode = true;
		} else if (strcmp(a, "--hokuto-shinken") == 0) {
			o->shinken = true;
		} else if (strncmp(a, "--dth-phrases", 13) == 0 && (a[13] == '\0' || a[13] == '=')) {
			const char *path = value_of(argc, argv, &i, "--dth-phrases", prog);
			if (!path)
				goto fail;
			char err[512] = "";
			struct hk_dth_matcher *m = hk_dth_matcher_new_empty();
			int rc = m ? hk_dth_matcher_load(m, path, err, sizeof(err)) : -ENOMEM;
			if (rc < 0) {
				hk_dth_matcher_free(m);
				fprintf(stderr, "%s: --dth-phrases %s\n", prog,
					err[0] ? err : strerror(-rc));
				goto fail;
			}
			if (hk_dth_matcher_count(m) == 0) {
				hk_dth_matcher_free(m);
				fprintf(stderr, "%s: --dth-phrases %s: no phrase in the file\n", prog, path);
				goto fail;
			}
			hk_dth_matcher_free(o->matcher);
			o->matcher = m;
			o->phrases = path;
			o->auto_mode = true;
		} else {
			argv[out++] = argv[i];
		}
	}
	if (out < argc)
		argv[out] = NULL;
	return out;
fail:
	hk_dth_cli_free(o);
	return -1;
}

bool hk_dth_cli_wanted(const struct hk_dth_cli *o)
{
	return o->mark_all || o->auto_mode || o->shinken;
}

int hk_dth_cli_apply(struct hk_stack *s, int fd, struct hk_dth_cli *o)
{
	const struct {
		bool on;
		int opt;
	} set[] = {
		{o->mark_all, HK_TCP_DTH},
		{o->auto_mode, HK_TCP_DTH_AUTO},
		{o->shinken, HK_TCP_HOKUTO_SHINKEN},
	};
	if (o->matcher) {
		hk_dth_set_matcher(s, o->matcher); /* the stack owns it now */
		o->matcher = NULL;
	}
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		if (!set[i].on)
			continue;
		int one = 1;
		int rc = hk_setsockopt(s, fd, set[i].opt, &one, sizeof(one));
		if (rc < 0) {
			fprintf(stderr, "hokuto: cannot set the Death-flag options: %s\n", strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int hk_dth_cli_report(struct hk_stack *s, int fd)
{
	struct hk_dth_event ev;
	int n = 0;
	while (hk_dth_event_next(s, fd, &ev) == 1) {
		char line[400];
		fprintf(stderr, "%s\n", hk_dth_event_str(&ev, line, sizeof(line)));
		n++;
	}
	if (n)
		fflush(stderr);
	return n;
}

void hk_dth_cli_free(struct hk_dth_cli *o)
{
	hk_dth_matcher_free(o->matcher);
	o->matcher = NULL;
}
