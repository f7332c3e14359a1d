/* hokuto apps — a Wireshark-like decoder over the wire layer's parsers.
 * Output follows Wireshark's packet-details pane: one line per layer, then
 * indented fields. Every length is checked against what was captured. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "hokuto/wire/arp.h"
#include "hokuto/wire/checksum.h"
#include "hokuto/wire/ether.h"
#include "hokuto/wire/icmp.h"
#include "hokuto/wire/ipv4.h"
#include "hokuto/wire/tcp.h"
#include "hokuto/wire/udp.h"
#include "wire/be.h"

/* ---- text output ---------------------------------------------------- */

#define MARK "[...]\n"

struct text {
	char *buf;
	size_t cap;
	size_t len;
	int indent;
	bool full;
};

static void text_init(struct text *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	t->indent = 0;
	t->full = false;
	if (cap)
		buf[0] = '\0';
}

/* Appends s if it fits with room left for the "[...]" mark; else ends the
 * text with the mark (as much of it as fits) and ignores what follows. */
static void text_put(struct text *t, const char *s, size_t n)
{
	if (t->full || t->cap == 0)
		return;
	if (t->len + n + sizeof(MARK) <= t->cap) {
		memcpy(t->buf + t->len, s, n);
		t->len += n;
		t->buf[t->len] = '\0';
		return;
	}
	t->full = true;
	size_t m = sizeof(MARK) - 1;
	if (t->len + m + 1 > t->cap)
		m = t->cap - 1 - t->len;
	memcpy(t->buf + t->len, MARK, m);
	t->len += m;
	t->buf[t->len] = '\0';
}

__attribute__((format(printf, 2, 3))) static void line(struct text *t, const char *fmt, ...)
{
	char tmp[640];
	int ind = t->indent * 4;
	if (ind > 64)
		ind = 64;
	memset(tmp, ' ', (size_t)ind);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp + ind, sizeof(tmp) - (size_t)ind - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t total = (size_t)ind + (size_t)n;
	if (total > sizeof(tmp) - 2)
		total = sizeof(tmp) - 2;
	tmp[total++] = '\n';
	text_put(t, tmp, total);
}

/* ---- small helpers -------------------------------------------------- */

static const char *mac_str(const uint8_t mac[6], char *buf)
{
	return hk_mac_str(mac, buf);
}

static const char *onoff(bool set)
{
	return set ? "Set" : "Not set";
}

/* "0x1234 [correct]" or "0x1234 [incorrect, should be 0xabcd]" */
static void csum_line(struct text *t, const char *label, uint16_t found, uint16_t should)
{
	if (found == should)
		line(t, "%s: 0x%04x [correct]", label, found);
	else
		line(t, "%s: 0x%04x [incorrect, should be 0x%04x]", label, found, should);
}

/* Checksum a field at offset off of [b, b+n) should hold, over the
 * partial sum `initial` (pseudo-header) and the data with the field as zero. */
static uint16_t csum_should(uint32_t initial, const uint8_t *b, size_t n, size_t off)
{
	uint32_t s = hk_csum_add(initial, b, off); /* off is even */
	s = hk_csum_add(s, b + off + 2, n - off - 2);
	return hk_csum_finish(s);
}

/* Copies printable text, escaping the rest like Wireshark ("\r\n"). */
static void escape(char *out, size_t cap, const uint8_t *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		uint8_t c = s[i];
		if (c == '\r') {
			out[o++] = '\\';
			out[o++] = 'r';
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		}
	}
	out[o] = '\0';
}

/* ---- ARP (RFC 826) ---------------------------------------------------- */

static void dissect_arp(struct text *t, const uint8_t *b, size_t len)
{
	struct hk_arp_pkt a;
	char m1[18], m2[18], i1[16], i2[16];
	if (len < 8) {
		line(t, "Address Resolution Protocol [Malformed: %zu bytes]", len);
		return;
	}
	uint16_t op = hk_be16(b + 6);
	const char *opn = op == HK_ARP_OP_REQUEST ? "request" : op == HK_ARP_OP_REPLY ? "reply" : "unknown";
	if (hk_arp_parse(b, len, &a) < 0) {
		line(t, "Address Resolution Protocol (%s) [not Ethernet/IPv4 or truncated: %zu bytes]", opn, len);
		t->indent++;
		line(t, "Hardware type: %u", hk_be16(b));
		line(t, "Protocol type: 0x%04x", hk_be16(b + 2));
		line(t, "Hardware size: %u", b[4]);
		line(t, "Protocol size: %u", b[5]);
		line(t, "Opcode: %s (%u)", opn, op);
		t->indent--;
		return;
	}
	line(t, "Address Resolution Protocol (%s)", opn);
	t->indent++;
	line(t, "Hardware type: Ethernet (1)");
	line(t, "Protocol type: IPv4 (0x0800)");
	line(t, "Hardware size: 6");
	line(t, "Protocol size: 4");
	line(t, "Opcode: %s (%u)", opn, op);
	line(t, "Sender MAC address: %s", mac_str(a.sha, m1));
	line(t, "Sender IP address: %s", hk_ip4_str(a.spa, i1));
	line(t, "Target MAC address: %s", mac_str(a.tha, m2));
	line(t, "Target IP address: %s", hk_ip4_str(a.tpa, i2));
	t->indent--;
}

/* ---- TCP (RFC 9293 3.1) ----------------------------------------------- */

static const char *tcp_opt_name(uint8_t kind)
{
	switch (kind) {
	case HK_TCP_OPT_EOL:
		return "End of Option List (EOL)";
	case HK_TCP_OPT_NOP:
		return "No-Operation (NOP)";
	case HK_TCP_OPT_MSS:
		return "Maximum segment size";
	case HK_TCP_OPT_WSCALE:
		return "Window scale";
	case HK_TCP_OPT_SACK_PERM:
		return "SACK permitted";
	case HK_TCP_OPT_SACK:
		return "SACK";
	case HK_TCP_OPT_TIMESTAMP:
		return "Timestamps";
	default:
		return "Unknown";
	}
}

/* Lists every option in order, with the same length rules as the wire
 * parser (RFC 9293 3.2, MUST-7): it stops at an illegal length. */
static void tcp_options(struct text *t, const uint8_t *p, size_t n)
{
	char names[256];
	size_t nl = 0;
	names[0] = '\0';
	for (size_t i = 0; i < n;) {
		uint8_t kind = p[i];
		size_t olen = 1;
		if (kind > HK_TCP_OPT_NOP) {
			if (i + 1 >= n || p[i + 1] < 2 || p[i + 1] > n - i)
				break;
			olen = p[i + 1];
		}
		int w = snprintf(names + nl, sizeof(names) - nl, ", %s", tcp_opt_name(kind));
		if (w > 0 && (size_t)w < sizeof(names) - nl)
			nl += (size_t)w;
		if (kind == HK_TCP_OPT_EOL)
			break;
		i += olen;
	}
	line(t, "Options: (%zu bytes)%s", n, names);
	t->indent++;
	for (size_t i = 0; i < n;) {
		uint8_t kind = p[i];
		if (kind == HK_TCP_OPT_EOL) {
			line(t, "TCP Option - End of Option List (EOL)");
			size_t rest = n - i - 1;
			bool zero = true;
			for (size_t k = i + 1; k < n; k++)
				zero = zero && p[k] == 0;
			if (rest)
				line(t, "Padding: %zu byte%s%s", rest, rest == 1 ? "" : "s", zero ? "" : " [not zero]");
			break;
		}
		if (kind == HK_TCP_OPT_NOP) {
			line(t, "TCP Option - No-Operation (NOP)");
			i++;
			continue;
		}
		if (i + 1 >= n) {
			line(t, "TCP Option - %s (kind %u) [Malformed: no length octet before the header ends]",
			     tcp_opt_name(kind), kind);
			break;
		}
		uint8_t olen = p[i + 1];
		if (olen < 2 || olen > n - i) {
			line(t, "TCP Option - %s (kind %u) [Malformed: length %u %s]", tcp_opt_name(kind), kind,
			     olen, olen < 2 ? "is below 2" : "runs past the header");
			break;
		}
		const uint8_t *v = p + i + 2;
		bool bad = false;
		switch (kind) {
		case HK_TCP_OPT_MSS:
			if ((bad = olen != 4))
				break;
			line(t, "TCP Option - Maximum segment size: %u bytes", hk_be16(v));
			break;
		case HK_TCP_OPT_WSCALE:
			if ((bad = olen != 3))
				break;
			if (v[0] <= 14)
				line(t, "TCP Option - Window scale: %u (multiply by %u)", v[0], 1u << v[0]);
			else
				line(t, "TCP Option - Window scale: %u (above 14, used as 14: RFC 7323 2.3)", v[0]);
			break;
		case HK_TCP_OPT_SACK_PERM:
			if ((bad = olen != 2))
				break;
			line(t, "TCP Option - SACK permitted");
			break;
		case HK_TCP_OPT_TIMESTAMP:
			if ((bad = olen != 10))
				break;
			line(t, "TCP Option - Timestamps: TSval %u, TSecr %u", hk_be32(v), hk_be32(v + 4));
			break;
		case HK_TCP_OPT_SACK: {
			if ((bad = olen < 10 || (olen - 2) % 8 != 0))
				break;
			char blocks[200];
			size_t bl = 0;
			blocks[0] = '\0';
			for (size_t k = 0; k + 8 <= (size_t)olen - 2; k += 8) {
				int w = snprintf(blocks + bl, sizeof(blocks) - bl, " %u-%u", hk_be32(v + k),
						 hk_be32(v + k + 4));
				if (w > 0 && (size_t)w < sizeof(blocks) - bl)
					bl += (size_t)w;
			}
			line(t, "TCP Option - SACK%s", blocks);
			break;
		}
		default:
			line(t, "TCP Option - Unknown (kind %u, %u bytes)", kind, olen);
			break;
		}
		if (bad) {
			line(t, "TCP Option - %s [Malformed: length %u is wrong for kind %u]", tcp_opt_name(kind),
			     olen, kind);
			break;
		}
		i += olen;
	}
	t->indent--;
}

static void tcp_flag_bits(struct text *t, uint16_t f12)
{
	static const struct {
		uint16_t mask;
		const char *name;
	} bits[] = {
		{0x800, "Death (DTH, RFC 9401)"}, {0x100, "Accurate ECN"},
		{0x080, "Congestion Window Reduced"}, {0x040, "ECN-Echo"}, {0x020, "Urgent"},
		{0x010, "Acknowledgment"}, {0x008, "Push"}, {0x004, "Reset"}, {0x002, "Syn"},
		{0x001, "Fin"},
	};
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		char pic[16];
		int k = 0;
		for (int bit = 11; bit >= 0; bit--) {
			uint16_t m = (uint16_t)(1u << bit);
			pic[k++] = (m & bits[i].mask) ? ((f12 & m) ? '1' : '0') : '.';
			if (bit % 4 == 0 && bit)
				pic[k++] = ' ';
		}
		pic[k] = '\0';
		line(t, "%s = %s: %s", pic, bits[i].name, onoff(f12 & bits[i].mask));
		if (bits[i].mask == 0x800)
			line(t, ".%u%u. .... .... = Reserved: %s", (f12 >> 10) & 1u, (f12 >> 9) & 1u,
			     onoff(f12 & 0x600));
	}
	static const char sym[] = "D??ACEUAPRSF";
	char pic[13];
	for (int bit = 11; bit >= 0; bit--)
		pic[11 - bit] = (f12 & (1u << bit)) ? sym[11 - bit] : '.';
	pic[12] = '\0';
	line(t, "[TCP Flags: %s]", pic);
}

static bool http_first_line(const uint8_t *p, size_t n)
{
	static const char *const starts[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
					     "PATCH ", "CONNECT ", "TRACE ", "HTTP/1.", "HTTP/2 "};
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		size_t l = strlen(starts[i]);
		if (n >= l && memcmp(p, starts[i], l) == 0)
			return true;
	}
	return false;
}

static void dissect_http(struct text *t, const uint8_t *p, size_t n)
{
	size_t e = 0;
	while (e < n && e < 200 && p[e] != '\n')
		e++;
	if (e < n && p[e] == '\n')
		e++;
	char esc[1024];
	escape(esc, sizeof(esc), p, e);
	t->indent--;
	line(t, "Hypertext Transfer Protocol");
	t->indent++;
	line(t, "%s%s", esc, (e < n && e == 200) ? " [...]" : "");
}

/* verify: the whole segment was captured and is not a fragment. */
static void dissect_tcp(struct text *t, const uint8_t *b, size_t len, hk_ip4_t src, hk_ip4_t dst,
			bool verify, bool quoted)
{
	struct hk_tcp_hdr th;
	char fl[64];
	if (quoted) {
		/* an ICMP error quotes at least the first 8 bytes (RFC 792) */
		if (len < 8) {
			line(t, "Transmission Control Protocol [%zu bytes quoted]", len);
			return;
		}
		line(t, "Transmission Control Protocol, Src Port: %u, Dst Port: %u, Seq: %u", hk_be16(b),
		     hk_be16(b + 2), hk_be32(b + 4));
		return;
	}
	int r = hk_tcp_parse(b, len, src, dst, false, &th);
	if (r == HK_TCP_ERR_TRUNCATED || r == HK_TCP_ERR_DATA_OFF) {
		if (len < HK_TCP_HDR_LEN) {
			line(t, "Transmission Control Protocol [Malformed: %zu bytes, shorter than the 20-byte header]", len);
		} else {
			line(t, "Transmission Control Protocol, Src Port: %u, Dst Port: %u [Malformed: data offset %u bytes, %zu present]",
			     hk_be16(b), hk_be16(b + 2), (b[12] >> 4) * 4u, len);
		}
		return;
	}
	char ack[24] = "";
	if (th.flags & HK_TCP_ACK)
		snprintf(ack, sizeof(ack), ", Ack: %u", th.ack);
	line(t, "Transmission Control Protocol, Src Port: %u, Dst Port: %u, Seq: %u%s, Len: %zu", th.sport,
	     th.dport, th.seq, ack, th.payload_len);
	t->indent++;
	line(t, "Source Port: %u", th.sport);
	line(t, "Destination Port: %u", th.dport);
	line(t, "[TCP Segment Len: %zu]", th.payload_len);
	line(t, "Sequence Number (raw): %u", th.seq);
	line(t, "Acknowledgment Number (raw): %u", th.ack);
	line(t, "%u%u%u%u .... = Header Length: %u bytes (%u)", (b[12] >> 7) & 1, (b[12] >> 6) & 1,
	     (b[12] >> 5) & 1, (b[12] >> 4) & 1, th.data_off, th.data_off / 4u);
	uint16_t f12 = (uint16_t)(((b[12] & 0x0f) << 8) | b[13]);
	uint16_t f9 = f12 & 0x1ff;
	/* the classic flags in the parentheses, the RFC 9401 Death flag after */
	hk_tcp_flags_str(th.flags, false, fl, sizeof(fl));
	char named[80];
	size_t k = 0;
	for (size_t i = 0; fl[i] && k + 2 < sizeof(named); i++) {
		if (fl[i] == ',') {
			named[k++] = ',';
			named[k++] = ' ';
		} else {
			named[k++] = fl[i];
		}
	}
	named[k] = '\0';
	if (th.reserved & 0x01) {
		snprintf(named + k, sizeof(named) - k, "%sAE", k ? ", " : "");
		k = strlen(named);
	}
	line(t, "Flags: 0x%03x (%s)%s", f9, k ? named : "<None>", th.dth ? " DTH" : "");
	t->indent++;
	tcp_flag_bits(t, f12);
	t->indent--;
	line(t, "Window: %u", th.window);
	if (verify)
		csum_line(t, "Checksum",  th.checksum,
			  csum_should(hk_csum_pseudo(src, dst, HK_IPPROTO_TCP, (uint16_t)len), b, len, 16));
	else
		line(t, "Checksum: 0x%04x [unverified: segment not complete in the capture]", th.checksum);
	line(t, "Urgent Pointer: %u", th.urgent);
	if (th.data_off > HK_TCP_HDR_LEN)
		tcp_options(t, b + HK_TCP_HDR_LEN, th.data_off - HK_TCP_HDR_LEN);
	if (th.opts.malformed)
		line(t, "[Malformed options: an illegal option length (RFC 9293 MUST-7)]");
	if (th.dth)
		line(t, "[Death flag set: this connection will likely be terminated soon (RFC 9401)]");
	if (th.payload_len) {
		line(t, "TCP payload (%zu bytes)", th.payload_len);
		if (http_first_line(th.payload, th.payload_len))
			dissect_http(t, th.payload, th.payload_len);
	}
	t->indent--;
}

/* ---- UDP (RFC 768) ---------------------------------------------------- */

static void dissect_udp(struct text *t, const uint8_t *b, size_t len, hk_ip4_t src, hk_ip4_t dst,
			bool verify, bool quoted)
{
	if (len < HK_UDP_HDR_LEN) {
		line(t, "User Datagram Protocol [%s: %zu bytes]", quoted ? "quoted" : "Malformed, shorter than the 8-byte header", len);
		return;
	}
	uint16_t sport = hk_be16(b), dport = hk_be16(b + 2), ulen = hk_be16(b + 4), csum = hk_be16(b + 6);
	line(t, "User Datagram Protocol, Src Port: %u, Dst Port: %u", sport, dport);
	if (quoted)
		return;
	t->indent++;
	line(t, "Source Port: %u", sport);
	line(t, "Destination Port: %u", dport);
	bool len_ok = ulen >= HK_UDP_HDR_LEN && ulen <= len;
	if (len_ok)
		line(t, "Length: %u", ulen);
	else
		line(t, "Length: %u [Malformed: %s]", ulen, ulen < HK_UDP_HDR_LEN ? "below 8" : "beyond the IP payload");
	if (csum == 0) {
		line(t, "Checksum: 0x0000 [none]");
	} else if (verify && len_ok) {
		uint16_t should = csum_should(hk_csum_pseudo(src, dst, HK_IPPROTO_UDP, ulen), b, ulen, 6);
		if (should == 0)
			should = 0xffff; /* RFC 768: a computed zero is sent as all ones */
		struct hk_udp_hdr uh;
		if (hk_udp_parse(b, len, src, dst, &uh) == 0)
			line(t, "Checksum: 0x%04x [correct]", csum);
		else
			line(t, "Checksum: 0x%04x [incorrect, should be 0x%04x]", csum, should);
	} else {
		line(t, "Checksum: 0x%04x [unverified]", csum);
	}
	size_t plen = (len_ok ? (size_t)ulen : len) - HK_UDP_HDR_LEN;
	if (plen)
		line(t, "UDP payload (%zu bytes)", plen);
	t->indent--;
}

/* ---- ICMP (RFC 792) --------------------------------------------------- */

static const char *icmp_type_name(uint8_t type)
{
	switch (type) {
	case 0:
		return "Echo (ping) reply";
	case 3:
		return "Destination unreachable";
	case 4:
		return "Source quench";
	case 5:
		return "Redirect";
	case 8:
		return "Echo (ping) request";
	case 11:
		return "Time-to-live exceeded";
	case 12:
		return "Parameter problem";
	case 13:
		return "Timestamp request";
	case 14:
		return "Timestamp reply";
	default:
		return "Unknown";
	}
}

static const char *icmp_unreach_name(uint8_t code)
{
	static const char *const n[] = {"Network unreachable", "Host unreachable", "Protocol unreachable",
					"Port unreachable", "Fragmentation needed", "Source route failed",
					"Destination network unknown", "Destination host unknown",
					"Source host isolated", "Network administratively prohibited",
					"Host administratively prohibited", "Network unreachable for ToS",
					"Host unreachable for ToS", "Communication administratively filtered",
					"Host precedence violation", "Precedence cutoff in effect"};
	return code < sizeof(n) / sizeof(n[0]) ? n[code] : "Unknown";
}

static size_t dissect_ipv4(struct text *t, const uint8_t *b, size_t len, int depth);

static void dissect_icmp(struct text *t, const uint8_t *b, size_t len, bool verify, int depth)
{
	if (len < HK_ICMP_HDR_LEN) {
		line(t, "Internet Control Message Protocol [Malformed: %zu bytes, shorter than 8]", len);
		return;
	}
	uint8_t type = b[0], code = b[1];
	uint16_t csum = hk_be16(b + 2);
	line(t, "Internet Control Message Protocol");
	if (depth > 0) {
		t->indent++;
		line(t, "Type: %u (%s)", type, icmp_type_name(type));
		line(t, "Code: %u", code);
		t->indent--;
		return;
	}
	t->indent++;
	line(t, "Type: %u (%s)", type, icmp_type_name(type));
	if (type == HK_ICMP_DEST_UNREACH)
		line(t, "Code: %u (%s)", code, icmp_unreach_name(code));
	else if (type == HK_ICMP_TIME_EXCEEDED)
		line(t, "Code: %u (%s)", code, code == 0 ? "Time to live exceeded in transit" :
					       code == 1 ? "Fragment reassembly time exceeded" : "Unknown");
	else
		line(t, "Code: %u", code);
	struct hk_icmp_hdr ih;
	if (verify) {
		if (hk_icmp_parse(b, len, &ih) == 0)
			line(t, "Checksum: 0x%04x [correct]", csum);
		else
			csum_line(t, "Checksum", csum, csum_should(0, b, len, 2));
	} else {
		line(t, "Checksum: 0x%04x [unverified: message not complete in the capture]", csum);
	}
	char ip[16];
	switch (type) {
	case HK_ICMP_ECHO_REQUEST:
	case HK_ICMP_ECHO_REPLY:
	case 13:
	case 14:
		line(t, "Identifier (BE): %u (0x%04x)", hk_be16(b + 4), hk_be16(b + 4));
		line(t, "Sequence Number (BE): %u (0x%04x)", hk_be16(b + 6), hk_be16(b + 6));
		if (len > HK_ICMP_HDR_LEN)
			line(t, "Data (%zu bytes)", len - HK_ICMP_HDR_LEN);
		break;
	case HK_ICMP_DEST_UNREACH:
	case HK_ICMP_TIME_EXCEEDED:
	case HK_ICMP_PARAM_PROBLEM:
	case 4:
	case 5:
		if (type == HK_ICMP_DEST_UNREACH && code == HK_ICMP_UNREACH_FRAG_NEEDED)
			line(t, "MTU of next hop: %u", hk_be16(b + 6));
		else if (type == HK_ICMP_PARAM_PROBLEM)
			line(t, "Pointer: %u", b[4]);
		else if (type == 5)
			line(t, "Gateway Address: %s", hk_ip4_str(hk_be32(b + 4), ip));
		else
			line(t, "Unused: 0x%08x", hk_be32(b + 4));
		/* the quoted datagram: its IP header and first 8 bytes (RFC 792) */
		if (len > HK_ICMP_HDR_LEN)
			dissect_ipv4(t, b + HK_ICMP_HDR_LEN, len - HK_ICMP_HDR_LEN, depth + 1);
		break;
	default:
		line(t, "Rest of header: 0x%08x", hk_be32(b + 4));
		if (len > HK_ICMP_HDR_LEN)
			line(t, "Data (%zu bytes)", len - HK_ICMP_HDR_LEN);
		break;
	}
	t->indent--;
}

/* ---- IPv4 (RFC 791) --------------------------------------------------- */

static const char *ip_proto_name(uint8_t p)
{
	switch (p) {
	case HK_IPPROTO_ICMP:
		return "ICMP";
	case HK_IPPROTO_TCP:
		return "TCP";
	case HK_IPPROTO_UDP:
		return "UDP";
	case 2:
		return "IGMP";
	case 41:
		return "IPv6";
	case 47:
		return "GRE";
	case 50:
		return "ESP";
	case 89:
		return "OSPF";
	case 132:
		return "SCTP";
	default:
		return "Unknown";
	}
}

static void dscp_name(uint8_t dscp, char *buf, size_t n)
{
	if ((dscp & 7) == 0)
		snprintf(buf, n, "CS%u", dscp >> 3);
	else if (dscp == 46)
		snprintf(buf, n, "EF");
	else if ((dscp & 1) == 0 && (dscp >> 3) >= 1 && (dscp >> 3) <= 4 && ((dscp >> 1) & 3) >= 1)
		snprintf(buf, n, "AF%u%u", dscp >> 3, (dscp >> 1) & 3);
	else
		snprintf(buf, n, "%u", dscp);
}

static void ip_options(struct text *t, const uint8_t *p, size_t n)
{
	line(t, "Options: (%zu bytes)", n);
	t->indent++;
	for (size_t i = 0; i < n;) {
		uint8_t kind = p[i];
		if (kind == 0) {
			line(t, "IP Option - End of Options List (EOL)");
			break;
		}
		if (kind == 1) {
			line(t, "IP Option - No-Operation (NOP)");
			i++;
			continue;
		}
		if (i + 1 >= n || p[i + 1] < 2 || p[i + 1] > n - i) {
			line(t, "IP Option - kind %u [Malformed: bad length]", kind);
			break;
		}
		uint8_t olen = p[i + 1];
		const char *name;
		switch (kind) {
		case 7:
			name = "Record Route";
			break;
		case 68:
			name = "Time Stamp";
			break;
		case 130:
			name = "Security";
			break;
		case 131:
			name = "Loose Source Route";
			break;
		case 137:
			name = "Strict Source Route";
			break;
		case 148:
			name = "Router Alert";
			break;
		default:
			name = "Unknown";
			break;
		}
		line(t, "IP Option - %s (kind %u, %u bytes)", name, kind, olen);
		i += olen;
	}
	t->indent--;
}

/* Returns the bytes the packet occupies (total length, or what there is). */
static size_t dissect_ipv4(struct text *t, const uint8_t *b, size_t len, int depth)
{
	struct hk_ipv4_hdr ih;
	char s1[16], s2[16];
	bool cut = false; /* the capture (or an ICMP quote) ends before total length */
	int r = hk_ipv4_parse(b, len, false, &ih);
	if (r == HK_IPV4_ERR_TOTAL_LEN && hk_be16(b + 2) > len && hk_be16(b + 2) >= (b[0] & 0x0f) * 4u) {
		/* decode the header that is there: parse a copy whose total
		 * length is what was captured */
		uint8_t tmp[60];
		size_t hl = (size_t)(b[0] & 0x0f) * 4;
		memcpy(tmp, b, hl);
		hk_put_be16(tmp + 2, (uint16_t)hl);
		r = hk_ipv4_parse(tmp, hl, false, &ih);
		ih.total_len = hk_be16(b + 2);
		ih.options = ih.options_len ? b + HK_IPV4_HDR_LEN : NULL;
		cut = true;
	}
	if (r != HK_IPV4_OK) {
		line(t, "Internet Protocol Version 4 [Malformed: %s; %zu bytes]", hk_ipv4_err_str(r), len);
		if (len >= 1) {
			t->indent++;
			line(t, "Version: %u", b[0] >> 4);
			line(t, "Header Length: %u bytes (%u)", (b[0] & 0x0f) * 4u, b[0] & 0x0f);
			if (len >= 4)
				line(t, "Total Length: %u", hk_be16(b + 2));
			t->indent--;
		}
		return len;
	}
	size_t hlen = (size_t)ih.ihl * 4;
	line(t, "Internet Protocol Version 4, Src: %s, Dst: %s", hk_ip4_str(ih.src, s1), hk_ip4_str(ih.dst, s2));
	t->indent++;
	line(t, "0100 .... = Version: 4");
	line(t, ".... %u%u%u%u = Header Length: %zu bytes (%u)", (ih.ihl >> 3) & 1, (ih.ihl >> 2) & 1,
	     (ih.ihl >> 1) & 1, ih.ihl & 1, hlen, ih.ihl);
	static const char *const ecn[] = {"Not-ECT", "ECT(1)", "ECT(0)", "CE"};
	char dscp[8];
	dscp_name(ih.tos >> 2, dscp, sizeof(dscp));
	line(t, "Differentiated Services Field: 0x%02x (DSCP: %s, ECN: %s)", ih.tos, dscp, ecn[ih.tos & 3]);
	if (cut && depth == 0)
		line(t, "Total Length: %u [only %zu bytes captured]", ih.total_len, len);
	else
		line(t, "Total Length: %u", ih.total_len);
	line(t, "Identification: 0x%04x (%u)", ih.id, ih.id);
	char fn[80] = "";
	size_t fl = 0;
	if (ih.flags & HK_IPV4_FLAG_EVIL)
		fl += (size_t)snprintf(fn + fl, sizeof(fn) - fl, ", Evil bit");
	if (ih.flags & HK_IPV4_FLAG_DF)
		fl += (size_t)snprintf(fn + fl, sizeof(fn) - fl, ", Don't fragment");
	if (ih.flags & HK_IPV4_FLAG_MF)
		snprintf(fn + fl, sizeof(fn) - fl, ", More fragments");
	line(t, "%u%u%u. .... = Flags: 0x%x%s", (ih.flags >> 2) & 1, (ih.flags >> 1) & 1, ih.flags & 1,
	     ih.flags, fn);
	t->indent++;
	line(t, "%u... .... = Reserved bit: %s%s", (ih.flags >> 2) & 1, onoff(ih.flags & HK_IPV4_FLAG_EVIL),
	     (ih.flags & HK_IPV4_FLAG_EVIL) ? " (evil, RFC 3514)" : "");
	line(t, ".%u.. .... = Don't fragment: %s", (ih.flags >> 1) & 1, onoff(ih.flags & HK_IPV4_FLAG_DF));
	line(t, "..%u. .... = More fragments: %s", ih.flags & 1, onoff(ih.flags & HK_IPV4_FLAG_MF));
	t->indent--;
	line(t, "Fragment Offset: %u", ih.frag_off * 8u);
	line(t, "Time to Live: %u", ih.ttl);
	line(t, "Protocol: %s (%u)", ip_proto_name(ih.proto), ih.proto);
	if (depth == 0)
		csum_line(t, "Header Checksum", ih.checksum, csum_should(0, b, hlen, 10));
	else
		line(t, "Header Checksum: 0x%04x", ih.checksum);
	line(t, "Source Address: %s", s1);
	line(t, "Destination Address: %s", s2);
	if (ih.options_len)
		ip_options(t, ih.options, ih.options_len);
	t->indent--;

	size_t end = cut ? len : ih.total_len;
	const uint8_t *pl = b + hlen;
	size_t plen = end - hlen;
	if (ih.frag_off != 0) {
		line(t, "Data: fragment at offset %u (%zu bytes)", ih.frag_off * 8u, plen);
		return end;
	}
	bool verify = !cut && !(ih.flags & HK_IPV4_FLAG_MF);
	bool quoted = depth > 0;
	switch (ih.proto) {
	case HK_IPPROTO_TCP:
		dissect_tcp(t, pl, plen, ih.src, ih.dst, verify, quoted);
		break;
	case HK_IPPROTO_UDP:
		dissect_udp(t, pl, plen, ih.src, ih.dst, verify, quoted);
		break;
	case HK_IPPROTO_ICMP:
		dissect_icmp(t, pl, plen, verify, depth);
		break;
	default:
		if (plen)
			line(t, "Data (%zu bytes)", plen);
		break;
	}
	return end;
}

/* ---- Ethernet --------------------------------------------------------- */

static void dissect_ether(struct text *t, const uint8_t *b, size_t len)
{
	struct hk_ether_hdr eh;
	char m1[18], m2[18];
	if (hk_ether_parse(b, len, &eh) < 0) {
		line(t, "Ethernet II [Malformed: %zu bytes, shorter than the 14-byte header]", len);
		return;
	}
	line(t, "Ethernet II, Src: %s, Dst: %s", mac_str(eh.src, m1), mac_str(eh.dst, m2));
	t->indent++;
	line(t, "Destination: %s%s", m2, hk_mac_is_broadcast(eh.dst) ? " (broadcast)" :
					  hk_mac_is_multicast(eh.dst) ? " (multicast)" : "");
	line(t, "Source: %s", m1);
	const char *tn = eh.type == HK_ETHERTYPE_IPV4 ? "IPv4" : eh.type == HK_ETHERTYPE_ARP ? "ARP" :
			 eh.type == 0x86dd ? "IPv6" : eh.type == 0x8100 ? "802.1Q" :
			 eh.type < 0x0600 ? "802.3 length" : "Unknown";
	line(t, "Type: %s (0x%04x)", tn, eh.type);
	t->indent--;
	const uint8_t *p = b + HK_ETHER_HDR_LEN;
	size_t n = len - HK_ETHER_HDR_LEN, used = n;
	if (eh.type == HK_ETHERTYPE_IPV4) {
		used = dissect_ipv4(t, p, n, 0);
	} else if (eh.type == HK_ETHERTYPE_ARP) {
		dissect_arp(t, p, n);
		used = n < HK_ARP_LEN ? n : HK_ARP_LEN;
	} else if (n) {
		line(t, "Data (%zu bytes)", n);
	}
	if (used < n)
		line(t, "Padding: %zu byte%s", n - used, n - used == 1 ? "" : "s");
}

size_t hk_dissect(enum hk_link link, const uint8_t *frame, size_t len, char *out, size_t cap)
{
	struct text t;
	text_init(&t, out, cap);
	if (link == HK_LINK_ETHERNET) {
		dissect_ether(&t, frame, len);
	} else {
		size_t used = dissect_ipv4(&t, frame, len, 0);
		if (used < len)
			line(&t, "Trailer: %zu bytes after the IPv4 total length", len - used);
	}
	return t.len;
}

/* ---- one-line summary ------------------------------------------------- */

static size_t summary_ipv4(struct text *t, const uint8_t *b, size_t len)
{
	struct hk_ipv4_hdr ih;
	char s1[16], s2[16], fl[64];
	char o[400];
	if (hk_ipv4_parse(b, len, false, &ih) != HK_IPV4_OK) {
		snprintf(o, sizeof(o), "IPv4 (malformed, %zu bytes)", len);
		text_put(t, o, strlen(o));
		return t->len;
	}
	hk_ip4_str(ih.src, s1);
	hk_ip4_str(ih.dst, s2);
	const uint8_t *p = b + ih.ihl * 4u;
	size_t n = ih.total_len - ih.ihl * 4u;
	struct hk_tcp_hdr th;
	if (ih.frag_off) {
		snprintf(o, sizeof(o), "%s -> %s IPv4 fragment offset %u", s1, s2, ih.frag_off * 8u);
	} else if (ih.proto == HK_IPPROTO_TCP && hk_tcp_parse(p, n, ih.src, ih.dst, false, &th) == HK_TCP_OK) {
		hk_tcp_flags_str(th.flags, th.dth, fl, sizeof(fl));
		snprintf(o, sizeof(o), "%s:%u -> %s:%u TCP [%s] seq=%u ack=%u win=%u len=%zu", s1, th.sport, s2,
			 th.dport, fl, th.seq, th.ack, th.window, th.payload_len);
	} else if (ih.proto == HK_IPPROTO_UDP && n >= HK_UDP_HDR_LEN) {
		snprintf(o, sizeof(o), "%s:%u -> %s:%u UDP len=%zu", s1, hk_be16(p), s2, hk_be16(p + 2),
			 n - HK_UDP_HDR_LEN);
	} else if (ih.proto == HK_IPPROTO_ICMP && n >= HK_ICMP_HDR_LEN) {
		snprintf(o, sizeof(o), "%s -> %s ICMP %s (type %u, code %u)", s1, s2, icmp_type_name(p[0]), p[0], p[1]);
	} else {
		snprintf(o, sizeof(o), "%s -> %s IPv4 protocol %u, %zu bytes", s1, s2, ih.proto, n);
	}
	text_put(t, o, strlen(o));
	return t->len;
}

size_t hk_dissect_summary(enum hk_link link, const uint8_t *frame, size_t len, char *out, size_t cap)
{
	struct text t;
	text_init(&t, out, cap);
	if (link == HK_LINK_IPV4)
		return summary_ipv4(&t, frame, len);
	struct hk_ether_hdr eh;
	char o[200], m[18], a1[16], a2[16];
	if (hk_ether_parse(frame, len, &eh) < 0) {
		snprintf(o, sizeof(o), "Ethernet (malformed, %zu bytes)", len);
	} else if (eh.type == HK_ETHERTYPE_IPV4) {
		return summary_ipv4(&t, frame + HK_ETHER_HDR_LEN, len - HK_ETHER_HDR_LEN);
	} else if (eh.type == HK_ETHERTYPE_ARP) {
		struct hk_arp_pkt a;
		if (hk_arp_parse(frame + HK_ETHER_HDR_LEN, len - HK_ETHER_HDR_LEN, &a) < 0)
			snprintf(o, sizeof(o), "ARP (malformed)");
		else if (a.op == HK_ARP_OP_REQUEST)
			snprintf(o, sizeof(o), "ARP request who has %s? tell %s", hk_ip4_str(a.tpa, a1),
				 hk_ip4_str(a.spa, a2));
		else if (a.op == HK_ARP_OP_REPLY)
			snprintf(o, sizeof(o), "ARP reply %s is at %s", hk_ip4_str(a.spa, a1), hk_mac_str(a.sha, m));
		else
			snprintf(o, sizeof(o), "ARP opcode %u", a.op);
	} else {
		snprintf(o, sizeof(o), "Ethernet type 0x%04x, %zu bytes", eh.type, len);
	}
	text_put(&t, o, strlen(o));
	return t.len;
}

/* ---- hex dump ----------------------------------------------------------- */

size_t hk_hexdump(const uint8_t *data, size_t len, char *out, size_t cap)
{
	struct text t;
	text_init(&t, out, cap);
	for (size_t off = 0; off < len; off += 16) {
		char l[100];
		size_t k = (size_t)snprintf(l, sizeof(l), "%04zx ", off);
		for (size_t i = 0; i < 16; i++) {
			if (off + i < len)
				k += (size_t)snprintf(l + k, sizeof(l) - k, " %02x", data[off + i]);
			else
				k += (size_t)snprintf(l + k, sizeof(l) - k, "   ");
		}
		l[k++] = ' ';
		l[k++] = ' ';
		l[k++] = ' ';
		for (size_t i = 0; i < 16 && off + i < len; i++) {
			uint8_t c = data[off + i];
			l[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
		}
		l[k++] = '\n';
		text_put(&t, l, k);
	}
	return t.len;
}
