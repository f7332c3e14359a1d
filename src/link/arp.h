/* hokuto link — ARP resolution and cache (RFC 826, RFC 1122 2.3.2). */
#ifndef HOKUTO_LINK_ARP_H
#define HOKUTO_LINK_ARP_H

#include "core/stack_internal.h"

int hk_arp_init(struct hk_stack *s);
void hk_arp_fini(struct hk_stack *s);
/* Sets up the per-interface cache and sends a gratuitous ARP. */
int hk_arp_iface_up(struct hk_stack *s, struct hk_iface *ifc);
/* pb->data at the ARP packet, the Ethernet header right in front of it;
 * consumes pb. */
void hk_arp_input(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb);
/* Sends an IPv4 packet (pb->data at the IP header) to nexthop on ifc,
 * resolving its MAC first; the packet waits in a bounded queue while a
 * request is out. Consumes pb. */
int hk_arp_output(struct hk_stack *s, struct hk_iface *ifc, hk_ip4_t nexthop, struct hk_pbuf *pb);

#endif
