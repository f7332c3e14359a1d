/* hokuto wire — TCP header and options (RFC 9293 3.1, RFC 7323, RFC 2018),
 * with the Death flag of RFC 9401. */
#include <stdio.h>
#include <string.h>

#include "hokuto/wire/checksum.h"
#include "hokuto/wire/ipv4.h"
#include "hokuto/wire/tcp.h"
#include "wire/be.h"

/* Fixed option lengths (RFC 9293 3.2, RFC 7323 2.2/3.2, RFC 2018 2). */
#define LEN_MSS 4
#define LEN_WSCALE 3
#define LEN_SACK_PERM 2
#define LEN_TIMESTAMP 10

/* Parses the options area [p, p+n). Options may sit at any alignment
 * (RFC 9293 3.2: "an option may begin on any octet boundary"). An illegal
 * length stops parsing and marks the set malformed (RFC 9293 MUST-7). */
static void parse_opts(const uint8_t *p, size_t n, struct hk_tcp_opts *o)
{
	size_t i = 0;
	while (i < n) {
		uint8_t kind = p[i];
		if (kind == HK_TCP_OPT_EOL)
			return;
		if (kind == HK_TCP_OPT_NOP) {
			i++;
			continue;
		}
		/* every other kind carries a length octet that counts kind and
		 * length themselves, so it is at least 2 and stays in the header */
		if (i + 1 >= n || p[i + 1] < 2 || p[i + 1] > n - i) {
			o->malformed = true;
			return;
		}
		uint8_t olen = p[i + 1];
		const uint8_t *v = p + i + 2;
		switch (kind) {
		case HK_TCP_OPT_MSS:
			if (olen != LEN_MSS)
				goto bad;
			o->has_mss = true;
			o->mss = hk_be16(v);
			break;
		case HK_TCP_OPT_WSCALE:
			if (olen != LEN_WSCALE)
				goto bad;
			o->has_wscale = true;
			o->wscale = v[0]; /* clamped to 14 by the receiver (RFC 7323 2.3) */
			break;
		case HK_TCP_OPT_SACK_PERM:
			if (olen != LEN_SACK_PERM)
				goto bad;
			o->sack_permitted = true;
			break;
		case HK_TCP_OPT_TIMESTAMP:
			if (olen != LEN_TIMESTAMP)
				goto bad;
			o->has_ts = true;
			o->ts_val = hk_be32(v);
			o->ts_ecr = hk_be32(v + 4);
			break;
		case HK_TCP_OPT_SACK: {
			/* RFC 2018 3: 2 + 8n octets, n >= 1 */
			if (olen < 10 || (olen - 2) % 8 != 0)
				goto bad;
			unsigned nb = (unsigned)(olen - 2) / 8;
			o->n_sack = 0;
			for (unsigned b = 0; b < nb && b < HK_TCP_MAX_SACK_BLOCKS; b++) {
				o->sack[b].left = hk_be32(v + 8 * b);
				o->sack[b].right = hk_be32(v + 8 * b + 4);
				o->n_sack++;
			}
			break;
		}
		default:
			/* unknown: skip it by its length (RFC 9293 3.2, MUST-6) */
			if (o->n_unknown < UINT8_MAX)
				o->n_unknown++;
			break;
		}
		i += olen;
	}
	return;
bad:
	o->malformed = true;
}

int hk_tcp_parse(const uint8_t *buf, size_t len, hk_ip4_t src, hk_ip4_t dst,
		 bool verify_csum, struct hk_tcp_hdr *out)
{
	if (len < HK_TCP_HDR_LEN)
		return HK_TCP_ERR_TRUNCATED;
	/* byte 12: Data Offset (4 bits), DTH (RFC 9401), reserved (3 bits) */
	uint8_t b12 = buf[12];
	size_t doff = (size_t)(b12 >> 4) * 4;
	if (doff < HK_TCP_HDR_LEN)
		return HK_TCP_ERR_DATA_OFF;
	if (doff > len)
		return HK_TCP_ERR_TRUNCATED;
	if (verify_csum && len <= UINT16_MAX &&
	    hk_csum_finish(hk_csum_add(hk_csum_pseudo(src, dst, HK_IPPROTO_TCP, (uint16_t)len), buf, len)) != 0)
		return HK_TCP_ERR_CHECKSUM;
	if (verify_csum && len > UINT16_MAX)
		return HK_TCP_ERR_CHECKSUM;

	memset(out, 0, sizeof(*out));
	out->sport = hk_be16(buf);
	out->dport = hk_be16(buf + 2);
	out->seq = hk_be32(buf + 4);
	out->ack = hk_be32(buf + 8);
	out->data_off = (uint8_t)doff;
	out->dth = (b12 & HK_TCP_DTH_BYTE12) != 0;
	out->reserved = b12 & 0x07;
	out->flags = buf[13];
	out->window = hk_be16(buf + 14);
	out->checksum = hk_be16(buf + 16);
	out->urgent = hk_be16(buf + 18);
	parse_opts(buf + HK_TCP_HDR_LEN, doff - HK_TCP_HDR_LEN, &out->opts);
	out->payload = buf + doff;
	out->payload_len = len - doff;
	return HK_TCP_OK;
}

/* Layout, always 4-byte aligned so no padding is needed: MSS; SACK-permitted
 * and timestamps (packed together as Linux does, else NOP-padded); window
 * scale; SACK blocks, as many as still fit in 40 bytes. */
size_t hk_tcp_opts_emit(const struct hk_tcp_opts *o, uint8_t *buf)
{
	size_t n = 0;
	if (o->has_mss) {
		buf[n++] = HK_TCP_OPT_MSS;
		buf[n++] = LEN_MSS;
		hk_put_be16(buf + n, o->mss);
		n += 2;
	}
	if (o->has_ts) {
		if (o->sack_permitted) {
			buf[n++] = HK_TCP_OPT_SACK_PERM;
			buf[n++] = LEN_SACK_PERM;
		} else {
			buf[n++] = HK_TCP_OPT_NOP;
			buf[n++] = HK_TCP_OPT_NOP;
		}
		buf[n++] = HK_TCP_OPT_TIMESTAMP;
		buf[n++] = LEN_TIMESTAMP;
		hk_put_be32(buf + n, o->ts_val);
		hk_put_be32(buf + n + 4, o->ts_ecr);
		n += 8;
	} else if (o->sack_permitted) {
		buf[n++] = HK_TCP_OPT_NOP;
		buf[n++] = HK_TCP_OPT_NOP;
		buf[n++] = HK_TCP_OPT_SACK_PERM;
		buf[n++] = LEN_SACK_PERM;
	}
	if (o->has_wscale) {
		buf[n++] = HK_TCP_OPT_NOP;
		buf[n++] = HK_TCP_OPT_WSCALE;
		buf[n++] = LEN_WSCALE;
		buf[n++] = o->wscale;
	}
	if (o->n_sack) {
		size_t room = HK_TCP_MAX_HDR_LEN - HK_TCP_HDR_LEN - n;
		size_t nb = o->n_sack > HK_TCP_MAX_SACK_BLOCKS ? HK_TCP_MAX_SACK_BLOCKS : o->n_sack;
		if (room >= 12) {
			if (nb > (room - 4) / 8)
				nb = (room - 4) / 8;
			buf[n++] = HK_TCP_OPT_NOP;
			buf[n++] = HK_TCP_OPT_NOP;
			buf[n++] = HK_TCP_OPT_SACK;
			buf[n++] = (uint8_t)(2 + 8 * nb);
			for (size_t b = 0; b < nb; b++) {
				hk_put_be32(buf + n, o->sack[b].left);
				hk_put_be32(buf + n + 4, o->sack[b].right);
				n += 8;
			}
		}
	}
	return n;
}

size_t hk_tcp_hdr_len(const struct hk_tcp_hdr *h)
{
	uint8_t tmp[HK_TCP_MAX_HDR_LEN - HK_TCP_HDR_LEN];
	return HK_TCP_HDR_LEN + hk_tcp_opts_emit(&h->opts, tmp);
}

size_t hk_tcp_emit(const struct hk_tcp_hdr *h, uint8_t *buf, size_t payload_len, hk_ip4_t src, hk_ip4_t dst)
{
	size_t hlen = HK_TCP_HDR_LEN + hk_tcp_opts_emit(&h->opts, buf + HK_TCP_HDR_LEN);
	hk_put_be16(buf, h->sport);
	hk_put_be16(buf + 2, h->dport);
	hk_put_be32(buf + 4, h->seq);
	hk_put_be32(buf + 8, h->ack);
	buf[12] = (uint8_t)(((hlen / 4) << 4) | (h->dth ? HK_TCP_DTH_BYTE12 : 0) | (h->reserved & 0x07));
	buf[13] = h->flags;
	hk_put_be16(buf + 14, h->window);
	hk_put_be16(buf + 16, 0);
	hk_put_be16(buf + 18, h->urgent);
	size_t seglen = hlen + payload_len;
	/* RFC 9293 3.1: checksum over pseudo-header, header and data */
	uint32_t sum = hk_csum_pseudo(src, dst, HK_IPPROTO_TCP, (uint16_t)seglen);
	hk_put_be16(buf + 16, hk_csum_finish(hk_csum_add(sum, buf, seglen)));
	return hlen;
}

const char *hk_tcp_flags_str(uint8_t flags, bool dth, char *buf, size_t len)
{
	static const char *const names[8] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
	size_t n = 0;
	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (int i = 0; i < 9; i++) {
		const char *name;
		if (i < 8) {
			if (!(flags & (1u << i)))
				continue;
			name = names[i];
		} else {
			if (!dth)
				continue;
			name = "DTH";
		}
		int w = snprintf(buf + n, len - n, "%s%s", n ? "," : "", name);
		if (w < 0 || (size_t)w >= len - n) {
			buf[len - 1] = '\0';
			break;
		}
		n += (size_t)w;
	}
	return buf;
}
