/* hokuto HTTP commands — the hook for RFC 9401 (the TCP Death flag).
 *
 * http-server, http-get and http-post accept
 *   --dth                 mark every data segment this command sends
 *   --dth-auto            mark segments whose data announces a death flag
 *   --dth-phrases FILE    the phrases --dth-auto looks for (one a line)
 * and hand them to http_dth_configure() for every socket they open
 * (the listener, each accepted connection, the client socket). Marking is
 * the DTH layer's job, through a socket option: this hook is where it gets
 * wired. Until then it reports -ENOTSUP when anything is asked. */
#ifndef HOKUTO_APPS_HTTP_DTH_H
#define HOKUTO_APPS_HTTP_DTH_H

#include <stdbool.h>

struct hk_stack;

struct http_dth_opts {
	bool mark_all;          /* --dth */
	bool auto_mode;         /* --dth-auto */
	const char *phrases;    /* --dth-phrases FILE, or NULL for the built-in list */
};

/* getopt_long values of the three options, shared by the commands. */
enum { HTTP_OPT_DTH = 0x100, HTTP_OPT_DTH_AUTO, HTTP_OPT_DTH_PHRASES };
#define HTTP_DTH_LONG_OPTIONS                                              \
	{"dth", no_argument, NULL, HTTP_OPT_DTH},                          \
	{"dth-auto", no_argument, NULL, HTTP_OPT_DTH_AUTO},                \
	{"dth-phrases", required_argument, NULL, HTTP_OPT_DTH_PHRASES}

/* Takes one of the options above; returns true when c was one of them. */
bool http_dth_option(struct http_dth_opts *o, int c, const char *arg);
bool http_dth_wanted(const struct http_dth_opts *o);
/* Configures socket fd of stack s as o asks. 0 when nothing is asked or
 * it is done; -ENOTSUP while the stack has no DTH socket option. */
int http_dth_configure(struct hk_stack *s, int fd, const struct http_dth_opts *o);

#endif
