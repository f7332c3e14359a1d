/* hokuto link — Ethernet II input demux and output (IEEE 802.3 / RFC 894). */
#include "link/ether.h"

#include <errno.h>
#include <string.h>

#include "hokuto/wire/ether.h"
#include "link/arp.h"
#include "net/ipv4.h"

void hk_ether_input(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb)
{
	struct hk_ether_hdr h;
	if (hk_ether_parse(pb->data, pb->len, &h) < 0) {
		HK_STAT_INC(s, eth_rx_short);
		goto drop;
	}
	/* Accept our unicast MAC and broadcast; we join no multicast group,
	 * so group-addressed frames are dropped too. */
	bool bcast = false;
	if (memcmp(h.dst, ifc->mac, 6) != 0) {
		if (hk_mac_is_broadcast(h.dst)) {
			bcast = true;
		} else if (hk_mac_is_multicast(h.dst)) {
			HK_STAT_INC(s, eth_rx_multicast);
			goto drop;
		} else {
			HK_STAT_INC(s, eth_rx_not_for_us);
			goto drop;
		}
	}
	/* Our own frames reflected back (e.g. a looped bridge) carry nothing new. */
	if (memcmp(h.src, ifc->mac, 6) == 0) {
		HK_STAT_INC(s, eth_rx_from_self);
		goto drop;
	}
	hk_pbuf_pull(pb, HK_ETHER_HDR_LEN);
	switch (h.type) {
	case HK_ETHERTYPE_ARP:
		hk_arp_input(s, ifc, pb);
		return;
	case HK_ETHERTYPE_IPV4:
		hk_ipv4_input_l2(s, ifc, pb, bcast);
		return;
	default:
		HK_STAT_INC(s, eth_rx_unknown_type);
		goto drop;
	}
drop:
	hk_pbuf_free(pb);
}

int hk_ether_output(struct hk_stack *s, struct hk_iface *ifc, const uint8_t dst[6],
		    uint16_t ethertype, struct hk_pbuf *pb)
{
	uint8_t *p = hk_pbuf_push(pb, HK_ETHER_HDR_LEN);
	if (!p) {
		HK_STAT_INC(s, eth_tx_no_headroom);
		hk_pbuf_free(pb);
		return -ENOBUFS;
	}
	struct hk_ether_hdr h;
	memcpy(h.dst, dst, 6);
	memcpy(h.src, ifc->mac, 6);
	h.type = ethertype;
	hk_ether_emit(&h, p);
	return hk_stack_xmit(s, ifc, pb);
}
