/* hokuto — drop and event counters. Every drop has a reason and a counter.
 * Each layer owns one list below; add a line to your layer's list to add a counter. */
#ifndef HOKUTO_STATS_H
#define HOKUTO_STATS_H

#include <stdint.h>
#include <stdio.h>

#define HK_STATS_CORE(X)                                                     \
	X(pbuf_exhausted, "packet buffers: pool empty, frame dropped")      \
	X(dev_rx_frames, "device: frames received")                         \
	X(dev_tx_frames, "device: frames sent")                             \
	X(dev_rx_errors, "device: receive errors")                          \
	X(dev_tx_errors, "device: transmit errors (frame dropped)")         \
	X(dev_rx_oversize, "device: frame larger than a packet buffer")

#define HK_STATS_ETHER(X)                                                    \
	X(eth_rx_short, "ethernet: frame shorter than the header")          \
	X(eth_rx_not_for_us, "ethernet: destination MAC not ours")          \
	X(eth_rx_multicast, "ethernet: multicast destination (no group joined)") \
	X(eth_rx_from_self, "ethernet: our own frame came back")            \
	X(eth_tx_no_headroom, "ethernet: no room for the header, frame dropped") \
	X(eth_rx_unknown_type, "ethernet: unknown EtherType")

#define HK_STATS_ARP(X)                                                      \
	X(arp_rx_requests, "arp: requests received")                        \
	X(arp_rx_replies, "arp: replies received")                          \
	X(arp_tx_requests, "arp: requests sent")                            \
	X(arp_tx_replies, "arp: replies sent")                              \
	X(arp_rx_malformed, "arp: malformed packet")                        \
	X(arp_rx_not_for_us, "arp: target address not ours")                \
	X(arp_pending_overflow, "arp: queue waiting for resolution full")   \
	X(arp_tx_gratuitous, "arp: gratuitous announcements sent")          \
	X(arp_rx_conflict, "arp: another host claims our address")          \
	X(arp_cache_evicted, "arp: cache full, an entry was evicted")       \
	X(arp_rx_sha_mismatch, "arp: sender MAC differs from the frame's source") \
	X(arp_resolve_failed, "arp: no reply after retries, packet dropped")

#define HK_STATS_IPV4(X)                                                     \
	X(ip_rx_packets, "ipv4: packets received")                          \
	X(ip_tx_packets, "ipv4: packets sent")                              \
	X(ip_rx_truncated, "ipv4: shorter than header or total length")     \
	X(ip_rx_bad_version, "ipv4: version is not 4")                      \
	X(ip_rx_bad_ihl, "ipv4: header length below 20 bytes")              \
	X(ip_rx_bad_total_length, "ipv4: total length inconsistent")        \
	X(ip_rx_bad_checksum, "ipv4: header checksum wrong")                \
	X(ip_rx_bad_source, "ipv4: source address not acceptable")          \
	X(ip_rx_not_for_us, "ipv4: destination not ours")                   \
	X(ip_rx_unknown_protocol, "ipv4: no handler for protocol")          \
	X(ip_tx_no_route, "ipv4: no route to destination")                  \
	X(ip_tx_too_big_df, "ipv4: larger than MTU with DF set")            \
	X(ip_frag_created, "ipv4: fragments created")                       \
	X(ip_reasm_ok, "ipv4: datagrams reassembled")                       \
	X(ip_reasm_timeout, "ipv4: reassembly timed out")                   \
	X(ip_reasm_overlap, "ipv4: overlapping fragment, datagram dropped")  \
	X(ip_reasm_bad_fragment, "ipv4: malformed fragment")                \
	X(ip_rx_fragments, "ipv4: fragments received")                      \
	X(ip_reasm_duplicate, "ipv4: duplicate fragment dropped")           \
	X(ip_reasm_tiny, "ipv4: tiny fragment dropped (RFC 1858)")          \
	X(ip_reasm_too_big, "ipv4: reassembled datagram would exceed a packet buffer") \
	X(ip_tx_loopback, "ipv4: packets to our own address looped back")   \
	X(ip_tx_loop_overflow, "ipv4: loopback queue full, packet dropped") \
	X(ip_tx_no_buffer, "ipv4: no buffer or headroom for output, packet dropped") \
	X(ip_reasm_no_memory, "ipv4: reassembly memory bound reached")

#define HK_STATS_ICMP(X)                                                     \
	X(icmp_rx, "icmp: messages received")                               \
	X(icmp_rx_malformed, "icmp: too short or bad checksum")             \
	X(icmp_tx_echo_replies, "icmp: echo replies sent")                  \
	X(icmp_tx_unreachable, "icmp: destination unreachable sent")        \
	X(icmp_rx_echo_replies, "icmp: echo replies received")              \
	X(icmp_rx_unreachable, "icmp: destination unreachable received")    \
	X(icmp_rx_time_exceeded, "icmp: time exceeded received")            \
	X(icmp_rx_other, "icmp: other types received and ignored")          \
	X(icmp_rx_echo_broadcast, "icmp: echo request to broadcast ignored") \
	X(icmp_rx_error_not_ours, "icmp: error quoting a packet we did not send") \
	X(icmp_rx_echo_unmatched, "icmp: echo reply for no ping of ours")   \
	X(icmp_ping_queue_full, "icmp: ping reply queue full, oldest dropped") \
	X(icmp_tx_echo_requests, "icmp: echo requests sent")                \
	X(icmp_tx_time_exceeded, "icmp: time exceeded sent (reassembly)")   \
	X(icmp_error_ratelimited, "icmp: error not sent (rate limit)")      \
	X(icmp_error_suppressed, "icmp: error not sent (about an error, broadcast, fragment)")

#define HK_STATS_UDP(X)                                                      \
	X(udp_rx, "udp: datagrams received")                                \
	X(udp_tx, "udp: datagrams sent")                                    \
	X(udp_rx_malformed, "udp: truncated or bad length")                 \
	X(udp_rx_bad_checksum, "udp: checksum wrong")                       \
	X(udp_rx_no_port, "udp: no socket on port")                         \
	X(udp_rx_icmp_errors, "udp: ICMP errors about our datagrams")       \
	X(udp_rx_queue_full, "udp: socket receive queue full")

#define HK_STATS_TCP(X)                                                      \
	X(tcp_rx_segments, "tcp: segments received")                        \
	X(tcp_tx_segments, "tcp: segments sent")                            \
	X(tcp_rx_malformed, "tcp: truncated or bad data offset")            \
	X(tcp_rx_bad_checksum, "tcp: checksum wrong")                      \
	X(tcp_rx_bad_options, "tcp: illegal option length, dropped (MUST-7)") \
	X(tcp_rx_bad_addr, "tcp: to broadcast/multicast or from a bad source") \
	X(tcp_rx_no_conn, "tcp: segment for a closed port")               \
	X(tcp_rx_not_acceptable, "tcp: outside the receive window, ACK sent") \
	X(tcp_rx_rst_out_of_window, "tcp: RST outside the receive window, dropped") \
	X(tcp_rx_data_ignored, "tcp: data after the peer's FIN, ignored")     \
	X(tcp_rx_paws, "tcp: old timestamp (PAWS), dropped")                 \
	X(tcp_rx_rst_challenge, "tcp: RST in window but not exact, challenge ACK") \
	X(tcp_rx_syn_challenge, "tcp: SYN on a synchronized connection, challenge ACK") \
	X(tcp_rx_ack_challenge, "tcp: ACK too old (RFC 5961 5), challenge ACK") \
	X(tcp_challenge_limited, "tcp: challenge ACK suppressed by the rate limit") \
	X(tcp_rx_ack_future, "tcp: ACK for data not yet sent, dropped")       \
	X(tcp_rx_no_ack, "tcp: segment without ACK, dropped")                 \
	X(tcp_rx_bad_synack, "tcp: unacceptable ACK in SYN-SENT, RST sent")   \
	X(tcp_rx_unexpected, "tcp: segment not expected in this state, dropped") \
	X(tcp_rx_ooo, "tcp: out-of-order segments held")                      \
	X(tcp_rx_ooo_full, "tcp: out-of-order range limit reached, dropped")  \
	X(tcp_rx_beyond_buffer, "tcp: data beyond the receive buffer, trimmed") \
	X(tcp_rx_dup_data, "tcp: duplicate data (already received), ACK sent") \
	X(tcp_rx_data_after_close, "tcp: data after the application closed, RST sent") \
	X(tcp_rx_rst, "tcp: connections reset by the peer")                   \
	X(tcp_listen_overflow, "tcp: accept queue full, SYN dropped")         \
	X(tcp_syncookies_sent, "tcp: SYN cookies sent (half-open queue full)") \
	X(tcp_syncookies_ok, "tcp: connections made from a valid SYN cookie") \
	X(tcp_syncookies_failed, "tcp: ACK to a listener with a bad cookie, RST sent") \
	X(tcp_mem_limit, "tcp: buffer memory limit reached")                 \
	X(tcp_tx_rst, "tcp: resets sent")                                     \
	X(tcp_tx_failed, "tcp: segment could not be sent (no buffer/route)")  \
	X(tcp_retransmits, "tcp: segments retransmitted")                     \
	X(tcp_rto, "tcp: retransmission timeouts")                            \
	X(tcp_tlp_probes, "tcp: tail loss probes sent (RFC 8985)")           \
	X(tcp_ecn_ce, "tcp: segments received with Congestion Experienced")  \
	X(tcp_ecn_reductions, "tcp: windows reduced on ECN-Echo")             \
	X(tcp_fast_retransmits, "tcp: fast retransmits (loss recovery entered)") \
	X(tcp_timeout_drops, "tcp: connections dropped after R2 retransmissions") \
	X(tcp_keepalive_probes, "tcp: keep-alive probes sent")                \
	X(tcp_keepalive_drops, "tcp: connections dropped by keep-alive")     \
	X(tcp_persist_probes, "tcp: zero-window probes sent")                 \
	X(tcp_delayed_acks, "tcp: delayed ACKs sent by the timer")            \
	X(tcp_conn_active, "tcp: active opens")                               \
	X(tcp_conn_passive, "tcp: passive opens")                             \
	X(tcp_conn_established, "tcp: connections established")              \
	X(tcp_timewait_reuse, "tcp: TIME-WAIT connection reused by a new SYN") \
	X(tcp_icmp_ignored, "tcp: ICMP error for no connection or out of window") \
	X(tcp_icmp_soft, "tcp: soft ICMP errors recorded")                   \
	X(tcp_icmp_hard, "tcp: ICMP errors that aborted a connection")       \
	X(tcp_pmtu_updates, "tcp: MSS lowered by fragmentation needed")

#define HK_STATS_DTH(X)                                                      \
	X(dth_rx, "dth: segments received with the Death flag")             \
	X(dth_tx, "dth: segments sent with the Death flag")                 \
	X(dth_rx_on_fin_ignored, "dth: Death flag on a FIN, ignored (RFC 9401 3.3)") \
	X(dth_rx_already_dead, "dth: Death flag on a FIN, Hokuto-Shinken: peer already dead") \
	X(dth_zombies, "dth: half-zombie periods started (Hokuto-Shinken)")  \
	X(dth_rx_handshake, "dth: Death flag on a received SYN (NOT RECOMMENDED)") \
	X(dth_rx_dup, "dth: retransmitted DTH data, not reported again")    \
	X(dth_rx_events_dropped, "dth: socket event queue full, oldest event dropped") \
	X(dth_rx_ranges_merged, "dth: received-range set full, two ranges joined") \
	X(evil_rx, "rfc3514: TCP segments received with the evil bit")      \
	X(dth_rx_with_evil, "dth: segments with both the Death flag and the evil bit") \
	X(dth_tx_refused, "dth: sends refused by an RFC 9401 3.3 rule (EPROTO)") \
	X(dth_tx_fin_split, "dth: FIN not piggybacked on a DTH segment (RFC 9401 3.3)") \
	X(dth_tx_bare_acks, "dth: pure ACKs sent with the Death flag")      \
	X(dth_tx_bare_deferred, "dth: pure DTH ACK deferred (no duplicate-ACK runs)") \
	X(dth_tx_auto_lines, "dth: death-flag lines found in sent data (auto)") \
	X(dth_tx_trouble, "dth: data marked because of memory trouble (RFC 9401 3.2)") \
	X(dth_tx_ranges_merged, "dth: marked-range set full, two ranges joined") \
	X(dth_tx_handshake, "dth: SYN sent with the Death flag (tease)")    \
	X(dth_tx_on_fin, "dth: FIN sent with the Death flag (tease)")       \
	X(dth_tx_with_urg, "dth: URG segment sent with the Death flag (tease)")

#define HK_STATS_ALL(X)                                                      \
	HK_STATS_CORE(X)                                                    \
	HK_STATS_ETHER(X)                                                   \
	HK_STATS_ARP(X)                                                     \
	HK_STATS_IPV4(X)                                                    \
	HK_STATS_ICMP(X)                                                    \
	HK_STATS_UDP(X)                                                     \
	HK_STATS_TCP(X)                                                     \
	HK_STATS_DTH(X)

enum hk_stat {
#define HK_STAT_ENUM_(name, desc) HK_STAT_##name,
	HK_STATS_ALL(HK_STAT_ENUM_)
#undef HK_STAT_ENUM_
	HK_STAT__COUNT
};

struct hk_stats {
	uint64_t v[HK_STAT__COUNT];
};

const char *hk_stat_name(enum hk_stat s);
const char *hk_stat_desc(enum hk_stat s);
/* Looks a counter up by name; returns -1 when unknown. */
int hk_stat_find(const char *name);
/* Prints every non-zero counter ("name value  # description"), one per line. */
void hk_stats_print(const struct hk_stats *st, FILE *out);

#endif
