/* hokuto link — tun devices: bare IPv4 packets on /dev/net/tun (no
 * Ethernet, no ARP). Opening, creating, addressing and cleanup are the
 * tap device's (dev_tap.c); only the flags and the link type differ.
 * The kernel may also route IPv6 into an attached tun; those packets reach
 * the stack, which counts them (ip_rx_bad_version). On a tun hokuto
 * creates, IPv6 is switched off. */
#include <linux/if_tun.h>

#include "link/dev_kinds.h"

int hk_dev_open_tun(const char *name, const struct hk_dev_open_opts *opts, struct hk_dev **out, char *err,
		    size_t errlen)
{
	return hk_tuntap_open("tun", name, IFF_TUN, opts, out, err, errlen);
}
