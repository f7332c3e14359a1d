/* hokuto — the rawip device, seed 000's setup: hokuto speaks IPv4 through
 * raw sockets on an address the host already owns (127.0.0.1, or an
 * address inside a network namespace). Open it with hk_dev_open and the
 * spec "rawip:ADDR"; the link is HK_LINK_IPV4 (no Ethernet, no ARP).
 *
 * The kernel owns ADDR too, so it sees every segment sent to hokuto and,
 * having no socket for it, answers with a RST. Two things keep the two
 * stacks apart, both per port hokuto uses:
 *
 *  - hk_rawip_claim_port(dev, port) inserts
 *      iptables -w -I OUTPUT -s ADDR -p tcp --sport PORT --tcp-flags RST RST
 *               -m mark ! --mark 0x484b -m comment --comment hokuto-<pid> -j DROP
 *    which drops the kernel's RSTs "from" hokuto's port. hokuto's own
 *    packets carry SO_MARK 0x484b and pass, so its RSTs still go out. The
 *    kernel's RSTs *to* hokuto's port (a closed peer port: connection
 *    refused) are legitimate and are not dropped.
 *  - The device only receives TCP and UDP packets whose destination port is
 *    claimed (ICMP to ADDR always passes). Without this, hokuto on
 *    127.0.0.1 would see, and RST, every other program's loopback traffic.
 *
 * So: claim a listening port before listening. Ports hokuto sends from
 * are claimed by the device itself: a SYN from an unclaimed port (an
 * active open) claims it with a rule before it goes out; a UDP datagram
 * opens the filter for its source port (UDP needs no rule). Closing the
 * device deletes every rule it inserted.
 * The CLI closes its device on SIGINT/SIGTERM (the handler only sets a
 * flag; the main loop then closes the stack); for paths that cannot return
 * to the main loop (a second signal, a fatal error), call
 * hk_rawip_cleanup_all(), which is async-signal-safe. Rules left behind by
 * a killed hokuto (their pid is gone) are deleted by the next rawip open.
 *
 * The rule table behind hk_rawip_cleanup_all is the library's one piece of
 * process-wide state: a signal handler has no stack object to reach.
 *
 * Requires root (raw sockets, SO_MARK, iptables). When the device sits
 * under the impairment layer, pass the inner device (the one hk_dev_open
 * returned) to hk_rawip_claim_port. */
#ifndef HOKUTO_DEV_RAWIP_H
#define HOKUTO_DEV_RAWIP_H

#include "hokuto/dev.h"

#define HK_RAWIP_MARK 0x484b /* "HK" */
#define HK_RAWIP_MAX_RULES 256 /* claimed TCP ports (rules) per process */

/* Claims a TCP/UDP port for hokuto on this rawip device: inserts the
 * iptables rule above and lets packets to the port through the receive
 * filter. Claiming a port twice is a no-op. Returns 0, -EINVAL (not a
 * rawip device, port 0), -ENOSPC (rule table full), or -EIO (iptables
 * failed). */
int hk_rawip_claim_port(struct hk_dev *dev, uint16_t port);

/* True when dev is a rawip device and port is claimed on it. */
bool hk_rawip_port_claimed(const struct hk_dev *dev, uint16_t port);

/* Deletes every iptables rule this process inserted (all rawip devices).
 * Async-signal-safe (fork/execve/waitpid only). The devices stay open,
 * but their ports are no longer protected. */
void hk_rawip_cleanup_all(void);

#endif
