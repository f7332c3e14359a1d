/* hokuto net — echo requests for `hokuto ping` and the queue of their
 * replies (RFC 792 "Echo or Echo Reply Message"). */
#include <errno.h>
#include <string.h>

#include "hokuto/wire/checksum.h"
#include "hokuto/wire/ipv4.h"
#include "net/icmp_priv.h"
#include "net/ipv4_priv.h"

/* FNV-1a: enough to tell whether the echoed data came back unchanged. */
static uint64_t data_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

int hk_ping_send(struct hk_stack *s, hk_ip4_t dst, uint16_t id, uint16_t seq, const void *data, size_t len)
{
	if (len > HK_PING_MAX_DATA)
		return -EMSGSIZE;
	if (len && !data)
		return -EINVAL;
	uint8_t hdr[HK_ICMP_HDR_LEN] = {HK_ICMP_ECHO_REQUEST, 0, 0, 0};
	hk_wr16(hdr + 4, id);
	hk_wr16(hdr + 6, seq);
	uint32_t sum = hk_csum_add(0, hdr, sizeof(hdr));
	if (len)
		sum = hk_csum_add(sum, data, len);
	hk_wr16(hdr + 2, hk_csum_finish(sum));

	struct hk_ping_state *ps = &s->icmp->ping;
	struct hk_ping_sent *e = &ps->sent[ps->sent_next];
	ps->sent_next = (ps->sent_next + 1) % HK_PING_SENT;
	*e = (struct hk_ping_sent){
		.used = true,
		.id = id,
		.seq = seq,
		.dst = dst,
		.len = (uint32_t)len,
		.hash = data_hash(data, len),
		.tx_time = s->now,
	};
	struct hk_ip_tx tx = {.dst = dst, .proto = HK_IPPROTO_ICMP};
	int rc = hk_ipv4_output_gather(s, &tx, hdr, sizeof(hdr), data, len);
	if (rc < 0) {
		e->used = false;
		return rc;
	}
	HK_STAT_INC(s, icmp_tx_echo_requests);
	return 0;
}

/* The newest request with this id and seq (a ping may wrap its seq). */
static const struct hk_ping_sent *find_sent(const struct hk_ping_state *ps, uint16_t id, uint16_t seq)
{
	for (uint32_t k = 1; k <= HK_PING_SENT; k++) {
		const struct hk_ping_sent *e = &ps->sent[(ps->sent_next + HK_PING_SENT - k) % HK_PING_SENT];
		if (e->used && e->id == id && e->seq == seq)
			return e;
	}
	return NULL;
}

static void enqueue(struct hk_stack *s, const struct hk_echo_reply *r)
{
	struct hk_ping_state *ps = &s->icmp->ping;
	if (ps->q_len == HK_PING_QUEUE) {
		/* Bounded: the oldest reply nobody collected gives way. */
		HK_STAT_INC(s, icmp_ping_queue_full);
		ps->q_head = (ps->q_head + 1) % HK_PING_QUEUE;
		ps->q_len--;
	}
	ps->q[(ps->q_head + ps->q_len) % HK_PING_QUEUE] = *r;
	ps->q_len++;
}

void hk_ping_on_reply(struct hk_stack *s, const struct hk_ip_rx *ip, const struct hk_icmp_hdr *h)
{
	const struct hk_ping_sent *e = find_sent(&s->icmp->ping, h->id, h->seq);
	if (!e) {
		HK_STAT_INC(s, icmp_rx_echo_unmatched);
		return;
	}
	struct hk_echo_reply r = {
		.from = ip->src,
		.id = h->id,
		.seq = h->seq,
		.ttl = ip->ttl,
		.len = h->payload_len,
		.rx_time = s->now,
		.data_ok = h->payload_len == e->len && data_hash(h->payload, h->payload_len) == e->hash,
		.icmp_type = HK_ICMP_ECHO_REPLY,
		.tx_time = e->tx_time,
	};
	enqueue(s, &r);
}

void hk_ping_on_error(struct hk_stack *s, hk_ip4_t from, uint8_t ttl, const struct hk_icmp_err *e)
{
	uint16_t id = hk_rd16(e->l4 + 4), seq = hk_rd16(e->l4 + 6);
	const struct hk_ping_sent *sent = find_sent(&s->icmp->ping, id, seq);
	if (!sent)
		return;
	struct hk_echo_reply r = {
		.from = from,
		.id = id,
		.seq = seq,
		.ttl = ttl,
		.rx_time = s->now,
		.icmp_type = e->type,
		.icmp_code = e->code,
		.tx_time = sent->tx_time,
	};
	enqueue(s, &r);
}

int hk_ping_recv(struct hk_stack *s, uint16_t id, struct hk_echo_reply *out)
{
	struct hk_ping_state *ps = &s->icmp->ping;
	for (uint32_t i = 0; i < ps->q_len; i++) {
		uint32_t at = (ps->q_head + i) % HK_PING_QUEUE;
		if (ps->q[at].id != id)
			continue;
		*out = ps->q[at];
		/* Close the gap: later entries move one place towards the head. */
		for (uint32_t j = i; j + 1 < ps->q_len; j++)
			ps->q[(ps->q_head + j) % HK_PING_QUEUE] = ps->q[(ps->q_head + j + 1) % HK_PING_QUEUE];
		ps->q_len--;
		return 0;
	}
	return -EAGAIN;
}
