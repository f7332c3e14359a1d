/* hokuto CLI — what every command shares: the global options, opening the
 * stack on the chosen device, and the loop that drives it.
 *
 *   hokuto [--dev SPEC] [--ip ADDR/PREFIX] [--gw ADDR] [--mac MAC] [--mtu N]
 *          [--pcap FILE] [--stats] [-v] [--impair SPEC] [--cc ALGO] COMMAND ...
 */
#ifndef HOKUTO_APPS_CLI_H
#define HOKUTO_APPS_CLI_H

#include <poll.h>
#include <signal.h>

#include "hokuto/stack.h"

struct hk_cli {
	/* global options, as parsed */
	const char *dev_spec;   /* NULL: the embedded default tap:hk0 */
	hk_ip4_t ip;            /* 0: default for the device */
	uint8_t prefix;
	hk_ip4_t gw;            /* 0: none */
	bool has_mac;
	uint8_t mac[6];
	uint32_t mtu;           /* 0: device default */
	const char *pcap;
	bool stats;             /* print counters on exit (to stderr) */
	int verbose;            /* -v: info, -vv: debug */
	const char *impair;     /* impairment spec for hokuto's own device */
	const char *cc;         /* congestion control for new sockets */
	uint64_t seed;          /* --seed (default: from getrandom) */
	bool has_seed;          /* --seed was given (0 is a valid seed) */
	const char *prog;       /* argv[0] for messages */

	struct hk_stack *stack; /* set by hk_cli_open_stack */
};

/* Set by SIGINT/SIGTERM once hk_cli_open_stack installed the handlers. */
extern volatile sig_atomic_t hk_cli_stop;

/* Opens the device (with the impairment layer when asked), creates the
 * stack, attaches the interface, sets gateway and pcap, installs signal
 * handlers. On failure prints a clear message to stderr and returns an exit
 * status (> 0); 0 on success. */
int hk_cli_open_stack(struct hk_cli *cli);
/* Prints counters when --stats, closes the pcap and the device, frees the
 * stack. */
void hk_cli_close_stack(struct hk_cli *cli);

/* Drives the stack on the real clock until done(ctx) returns true, a
 * signal arrives, or the deadline (monotonic µs, HK_TIME_NEVER for none)
 * passes. Returns 0 when done, -EINTR on a signal, -ETIMEDOUT. */
int hk_cli_run(struct hk_cli *cli, bool (*done)(void *ctx), void *ctx, hk_time_t deadline);
/* One turn: waits until a device is readable, the stack's next deadline,
 * or `until`, whichever is first, then polls. */
void hk_cli_step(struct hk_cli *cli, hk_time_t until);
/* The same, also waiting on the caller's extra fds (e.g. stdin for nc):
 * their revents are filled in on return (0 when not ready). */
#define HK_CLI_MAX_WAIT_FDS 16
void hk_cli_step_fds(struct hk_cli *cli, hk_time_t until, struct pollfd *extra, int n_extra);

/* A command: run(cli, argc, argv) with argv[0] the command name; returns
 * the process exit status. Commands parse their own options and print
 * their own --help. */
struct hk_cmd {
	const char *name;
	const char *summary;
	int (*run)(struct hk_cli *cli, int argc, char **argv);
};

/* apps/commands.c: the table, terminated by a zeroed entry. Add one line
 * per command there. */
extern const struct hk_cmd hk_commands[];

#endif
