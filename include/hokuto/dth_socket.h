/* hokuto — RFC 9401, the Death (DTH) flag, on hokuto's TCP sockets.
 *
 * Sending (RFC 9401 3.1, 3.2):
 *   hk_send(s, fd, buf, n, HK_MSG_DTH)   every segment carrying these bytes
 *                                        has DTH, retransmissions included
 *   hk_send(s, fd, NULL, 0, HK_MSG_DTH)  one pure ACK with DTH (or, when new
 *                                        data goes out at once, that segment)
 *   HK_TCP_DTH            every data segment of the connection has DTH
 *   HK_TCP_DTH_AUTO       only the bytes of death-flag lines (the stack's
 *                         matcher, see hk_dth_set_matcher) are marked
 *   HK_TCP_DTH_ON_TROUBLE the stack marks what it sends while it is short of
 *                         memory (RFC 9401 3.2 "resource trouble")
 *
 * The RFC's SHOULD NOTs (3.3) are enforced; a call that asks for one fails
 * with -EPROTO ("protocol rule"), unless HK_TCP_DTH_TEASE is set:
 *   - HK_MSG_DTH during the handshake (SYN-SENT, SYN-RECEIVED);
 *   - HK_MSG_DTH together with HK_MSG_OOB, HK_MSG_OOB on a socket with
 *     HK_TCP_DTH, and HK_MSG_OOB while marked bytes are unacknowledged
 *     (their segments would carry URG);
 *   - hk_dth_fin(): a FIN with DTH.
 * DTH is never piggybacked on a FIN: when marked data and the FIN could
 * share a segment the FIN goes alone in the next one (with TEASE it rides
 * along). Pure DTH ACKs never come in a row: a second one with the same
 * acknowledgment number (a duplicate ACK to the peer) is deferred onto the
 * next data segment or the next ACK that acknowledges something new.
 *
 * Receiving (3.1, 3.3): every acceptable segment with DTH raises an event
 * on its socket (a bounded queue, oldest dropped when full), hk_poll reports
 * HK_POLLDTH while events are queued, and hk_recv_ex sets HK_MSG_DTH_SEEN
 * on reads that return bytes of a DTH segment. The connection is not closed:
 * it ends with FIN or RST as usual. DTH on a FIN is ignored (counted in
 * dth_rx_on_fin_ignored), except with HK_TCP_HOKUTO_SHINKEN: then the
 * application gets HK_DTH_EV_ALREADY_DEAD and, once the FIN is in order,
 * the connection is "half-zombie" for HK_TCP_HOKUTO_ZOMBIE_MS: it still
 * ACKs, the application may still read and send, but our FIN is held back
 * even if the application closes; when the period ends the stack sends its
 * FIN (shutting the sending side down itself if the application has not),
 * raises HK_DTH_EV_ZOMBIE_END and the connection closes normally.
 *
 * The IPv4 evil bit (RFC 3514) is counted apart (evil_rx) and reported in
 * the event of a DTH segment that also had it; it changes nothing else
 * (3.4: the two "MUST be interpreted independently").
 */
#ifndef HOKUTO_DTH_SOCKET_H
#define HOKUTO_DTH_SOCKET_H

#include "hokuto/dth.h"
#include "hokuto/socket.h"

/* Socket options (hk_setsockopt / hk_getsockopt), int 0/1 unless noted.
 * Numbers far from enum hk_sockopt so both lists grow independently. A
 * listener's values are inherited by the connections it accepts. */
#define HK_TCP_DTH 0x0900               /* mark every data segment */
#define HK_TCP_DTH_TEASE 0x0901         /* allow DTH on FIN, URG and handshake segments */
#define HK_TCP_DTH_AUTO 0x0902          /* mark the bytes of death-flag lines */
#define HK_TCP_DTH_ON_TROUBLE 0x0903    /* mark data sent while short of memory */
#define HK_TCP_HOKUTO_SHINKEN 0x0904    /* DTH on the peer's FIN: "already dead" + half-zombie */
#define HK_TCP_HOKUTO_ZOMBIE_MS 0x0905  /* int, 0..600000: half-zombie period (default 3000) */
#define HK_TCP_DTH_INFO 0x0906          /* get only: struct hk_dth_info */

#define HK_TCP_HOKUTO_ZOMBIE_MS_DEFAULT 3000
#define HK_TCP_HOKUTO_ZOMBIE_MS_MAX 600000

/* hk_poll: DTH events are waiting (hk_dth_event_next). */
#define HK_POLLDTH 0x1000

enum hk_dth_event_kind {
	HK_DTH_EV_DATA = 1,      /* a segment with data and DTH */
	HK_DTH_EV_ACK,           /* a segment without data with DTH (a pure ACK) */
	HK_DTH_EV_HANDSHAKE,     /* DTH on the peer's SYN,ACK (NOT RECOMMENDED, 3.3) */
	HK_DTH_EV_ALREADY_DEAD,  /* Hokuto-Shinken: DTH on the peer's FIN */
	HK_DTH_EV_ZOMBIE_END,    /* Hokuto-Shinken: the half-zombie period is over, our FIN goes */
};

struct hk_dth_event {
	int kind;                /* enum hk_dth_event_kind */
	struct hk_sockaddr peer; /* who sent it */
	uint32_t seq;            /* SEG.SEQ of the segment */
	uint64_t offset;         /* stream offset of its first data byte (0: the first
				  * byte after the SYN); for a FIN, of the FIN */
	uint32_t len;            /* data bytes in the segment */
	uint8_t tcp_flags;       /* HK_TCP_* control bits of the segment */
	bool evil;               /* the IPv4 evil bit (RFC 3514) was set on it too */
	hk_time_t at;            /* stack time of arrival */
	uint32_t zombie_ms;      /* ALREADY_DEAD: the half-zombie period to come */
};

/* Per-connection numbers (HK_TCP_DTH_INFO). */
struct hk_dth_info {
	uint64_t tx_segments;        /* segments sent with DTH, retransmissions included */
	uint64_t tx_marked_bytes;    /* bytes marked (flag, option, auto, trouble) */
	uint64_t tx_auto_lines;      /* death-flag lines found by HK_TCP_DTH_AUTO */
	uint64_t tx_trouble_marks;   /* sends marked because of memory trouble */
	uint64_t tx_bare_acks;       /* pure ACKs sent with DTH */
	uint64_t tx_bare_deferred;   /* pure DTH ACKs deferred (no runs) */
	uint64_t rx_segments;        /* acceptable segments received with DTH (as
				      * HK_TCP_DTH_RECV), not those ignored on a FIN */
	uint64_t rx_ignored_on_fin;  /* DTH on a FIN, ignored (no Hokuto-Shinken) */
	uint64_t rx_evil;            /* segments received with the evil bit */
	uint64_t rx_dth_and_evil;    /* with both */
	uint64_t events_dropped;     /* events lost because the queue was full */
	int zombie;                  /* 0 no, 1 half-zombie now, 2 the period is over */
	bool peer_dead;              /* Hokuto-Shinken: the peer's FIN had DTH */
};

/* Takes the oldest queued event of fd into *out: 1 when there was one, 0
 * when none, -EBADF. */
int hk_dth_event_next(struct hk_stack *s, int fd, struct hk_dth_event *out);

/* Sends our FIN with DTH (shutdown of the sending side). RFC 9401 3.3 says
 * SHOULD NOT: -EPROTO unless HK_TCP_DTH_TEASE; -ENOTCONN before the
 * connection is established; -EPIPE when the FIN is already queued. */
int hk_dth_fin(struct hk_stack *s, int fd);

/* The stack-wide matcher HK_TCP_DTH_AUTO uses; the stack owns m from here
 * on (NULL: back to the built-in list). Sockets pick it up at their next
 * send. */
void hk_dth_set_matcher(struct hk_stack *s, struct hk_dth_matcher *m);
/* The matcher in use (the built-in list when none was set; NULL only when
 * out of memory). */
const struct hk_dth_matcher *hk_dth_get_matcher(struct hk_stack *s);
/* Loads a phrase file as the stack's matcher: its phrases replace the
 * built-in list (or are added to it when keep_builtin). 0, or -errno with a
 * message "path:line: reason" in err (the old matcher stays). */
int hk_dth_load_phrases(struct hk_stack *s, const char *path, bool keep_builtin, char *err, size_t errlen);

/* Text for an event, e.g. "DTH from 192.0.2.1:40312 seq=1234 offset=0
 * len=57 (the peer expects this connection to end soon)"; returns buf. */
const char *hk_dth_event_str(const struct hk_dth_event *ev, char *buf, size_t len);

#endif
