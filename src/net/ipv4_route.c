/* hokuto net — IPv4 routing, address classes and the path MTU table
 * (RFC 1122 3.3.1, RFC 1191). */
#include <errno.h>
#include <string.h>

#include "net/ipv4_priv.h"

bool hk_ipv4_is_martian_src(hk_ip4_t a)
{
	/* RFC 1122 3.2.1.3: a source that is not a single host. */
	return a == 0 || a == 0xffffffffu || (a >> 28) >= 0xe || (a >> 24) == 127;
}

bool hk_ipv4_is_bcast(const struct hk_iface *ifc, hk_ip4_t dst)
{
	if (dst == 0xffffffffu)
		return true;
	if (ifc->prefix >= 31) /* RFC 3021: /31 and /32 have no broadcast */
		return false;
	if ((dst & ifc->mask) != (ifc->addr & ifc->mask))
		return false;
	/* RFC 1122 3.3.6: {Subnet,-1}, and the old all-zeros form {Subnet,0}. */
	hk_ip4_t host = dst & ~ifc->mask;
	return host == ~ifc->mask || host == 0;
}

bool hk_ipv4_iface_shared(const struct hk_iface *ifc)
{
	return ifc->dev && ifc->dev->link == HK_LINK_IPV4 && strncmp(ifc->dev->name, "rawip:", 6) == 0;
}

bool hk_ipv4_is_local(const struct hk_stack *s, hk_ip4_t addr)
{
	for (int i = 0; i < s->n_ifaces; i++)
		if (s->ifaces[i].addr == addr && addr != 0)
			return true;
	return false;
}

int hk_ipv4_route(const struct hk_stack *s, hk_ip4_t dst, struct hk_route *rt)
{
	const struct hk_iface *best = NULL;
	rt->local = false;
	for (int i = 0; i < s->n_ifaces; i++) {
		const struct hk_iface *ifc = &s->ifaces[i];
		if (ifc->addr == dst && dst != 0) {
			rt->ifc = (struct hk_iface *)ifc;
			rt->nexthop = dst;
			rt->local = !hk_ipv4_iface_shared(ifc); /* shared: the host's stack answers */
			return 0;
		}
		if ((dst & ifc->mask) == (ifc->addr & ifc->mask) && (!best || ifc->prefix > best->prefix))
			best = ifc;
	}
	if (((dst >> 24) == 127 && !(best && hk_ipv4_iface_shared(best))) || dst == 0)
		return -EHOSTUNREACH; /* loopback only through a rawip device on it */
	if (best) {
		rt->ifc = (struct hk_iface *)best;
		rt->nexthop = dst;
		return 0;
	}
	if (dst == 0xffffffffu && s->n_ifaces) {
		rt->ifc = (struct hk_iface *)&s->ifaces[0];
		rt->nexthop = dst;
		return 0;
	}
	if (s->gateway) {
		for (int i = 0; i < s->n_ifaces; i++) {
			const struct hk_iface *ifc = &s->ifaces[i];
			if ((s->gateway & ifc->mask) == (ifc->addr & ifc->mask)) {
				rt->ifc = (struct hk_iface *)ifc;
				rt->nexthop = s->gateway;
				return 0;
			}
		}
	}
	/* A point-to-point link (tun, rawip) needs no next hop: it is the
	 * default route when nothing else matched. */
	for (int i = 0; i < s->n_ifaces; i++) {
		if (s->ifaces[i].dev->link == HK_LINK_IPV4) {
			rt->ifc = (struct hk_iface *)&s->ifaces[i];
			rt->nexthop = dst;
			return 0;
		}
	}
	return -EHOSTUNREACH;
}

hk_ip4_t hk_ipv4_source_for(const struct hk_stack *s, hk_ip4_t dst)
{
	struct hk_route rt;
	if (hk_ipv4_route(s, dst, &rt) < 0)
		return 0;
	return rt.ifc->addr;
}

static const struct hk_pmtu_entry *pmtu_find(const struct hk_stack *s, hk_ip4_t dst)
{
	if (!s->ipv4)
		return NULL;
	for (int i = 0; i < HK_PMTU_ENTRIES; i++) {
		const struct hk_pmtu_entry *e = &s->ipv4->pmtu[i];
		if (e->expires > s->now && e->dst == dst)
			return e;
	}
	return NULL;
}

uint32_t hk_ipv4_route_mtu(const struct hk_stack *s, const struct hk_route *rt, hk_ip4_t dst)
{
	uint32_t mtu = rt->ifc->mtu;
	if (mtu > HK_IP_MAX_LEN)
		mtu = HK_IP_MAX_LEN;
	const struct hk_pmtu_entry *e = pmtu_find(s, dst);
	if (e && e->mtu < mtu)
		mtu = e->mtu;
	return mtu < HK_IP_MIN_MTU ? HK_IP_MIN_MTU : mtu;
}

uint32_t hk_ipv4_mtu_for(const struct hk_stack *s, hk_ip4_t dst)
{
	struct hk_route rt;
	if (hk_ipv4_route(s, dst, &rt) < 0)
		return 0;
	return hk_ipv4_route_mtu(s, &rt, dst);
}

void hk_ipv4_pmtu_update(struct hk_stack *s, hk_ip4_t dst, uint32_t mtu)
{
	/* RFC 1191 3: never below 68; an increase is only learnt by aging. */
	if (mtu < HK_IP_MIN_MTU)
		mtu = HK_IP_MIN_MTU;
	if (!s->ipv4 || mtu >= hk_ipv4_mtu_for(s, dst))
		return;
	struct hk_pmtu_entry *e = (struct hk_pmtu_entry *)pmtu_find(s, dst);
	if (!e) {
		/* A free or expired slot, else the one closest to expiry. */
		e = &s->ipv4->pmtu[0];
		for (int i = 0; i < HK_PMTU_ENTRIES; i++) {
			struct hk_pmtu_entry *c = &s->ipv4->pmtu[i];
			if (c->expires <= s->now) {
				e = c;
				break;
			}
			if (c->expires < e->expires)
				e = c;
		}
	}
	e->dst = dst;
	e->mtu = mtu;
	e->expires = s->now + HK_PMTU_AGE;
	hk_debug(s, "ipv4: path MTU towards %08x now %u", (unsigned)dst, (unsigned)mtu);
}
