/* hokuto link — Ethernet II input demux and output. */
#ifndef HOKUTO_LINK_ETHER_H
#define HOKUTO_LINK_ETHER_H

#include "core/stack_internal.h"

/* pb->data at the Ethernet header; consumes pb. */
void hk_ether_input(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb);
/* Prepends the header (src = the interface MAC) and transmits; consumes pb. */
int hk_ether_output(struct hk_stack *s, struct hk_iface *ifc, const uint8_t dst[6],
		    uint16_t ethertype, struct hk_pbuf *pb);

#endif
