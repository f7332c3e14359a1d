/* hokuto CLI — the RFC 9401 (Death flag) options every TCP command shares:
 *
 *   --dth                 mark every data segment this command sends
 *   --dth-auto            mark only segments whose data holds a death-flag
 *                         line (the built-in list)
 *   --dth-phrases FILE    the lines --dth-auto looks for, one a line, instead
 *                         of the built-in list (implies --dth-auto)
 *   --hokuto-shinken      receive in Hokuto-Shinken mode: DTH on the peer's
 *                         FIN means "already dead"; our side closes after
 *                         a half-zombie period of 3 s
 *
 * A command makes three calls:
 *
 *   struct hk_dth_cli dth;
 *   argc = hk_dth_cli_parse(argc, argv, &dth, cli->prog);   // before its getopt
 *   if (argc < 0) return 2;
 *   ...
 *   hk_dth_cli_apply(stack, fd, &dth);    // each socket it opens (a listener's
 *                                         // accepted sockets inherit it)
 *   ...
 *   hk_dth_cli_report(stack, fd);         // in its loop: prints one line per DTH
 *                                         // received, to stderr
 *
 * and prints HK_DTH_CLI_USAGE in its --help. Received DTH is reported
 * whatever the options; the line starts with "DTH from ADDR:PORT". */
#ifndef HOKUTO_APPS_DTH_OPTS_H
#define HOKUTO_APPS_DTH_OPTS_H

#include <stdbool.h>

#include "hokuto/dth_socket.h"

struct hk_dth_cli {
	bool mark_all;                  /* --dth */
	bool auto_mode;                 /* --dth-auto / --dth-phrases */
	bool shinken;                   /* --hokuto-shinken */
	const char *phrases;            /* --dth-phrases FILE */
	struct hk_dth_matcher *matcher; /* FILE's phrases until the first apply */
};

#define HK_DTH_CLI_USAGE                                                                            \
	"      --dth                 RFC 9401: set the Death flag on every data segment sent\n"    \
	"      --dth-auto            ... only on segments holding a death-flag line\n"             \
	"      --dth-phrases FILE    the lines --dth-auto looks for (one a line; implies it)\n"    \
	"      --hokuto-shinken      DTH on the peer's FIN: it is already dead (half-zombie 3 s)\n"

/* Takes the options above out of argv (anywhere before a "--"; also
 * "--dth-phrases=FILE"), shifting the rest down and keeping argv[argc] ==
 * NULL. Returns the new argc, or -1 after printing "PROG: reason" (a
 * missing FILE, a phrase file that does not load). */
int hk_dth_cli_parse(int argc, char **argv, struct hk_dth_cli *o, const char *prog);
/* Anything asked for sending or receiving? */
bool hk_dth_cli_wanted(const struct hk_dth_cli *o);
/* Sets the socket options on fd (and, the first time, the stack's phrase
 * list). 0, or -errno after printing why. */
int hk_dth_cli_apply(struct hk_stack *s, int fd, struct hk_dth_cli *o);
/* Prints the DTH events of fd to stderr, one line each; returns how many. */
int hk_dth_cli_report(struct hk_stack *s, int fd);
/* Frees a phrase list that was never applied. */
void hk_dth_cli_free(struct hk_dth_cli *o);

#endif
