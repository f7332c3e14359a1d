/* hokuto tcp — timers: retransmission (RFC 6298, RFC 9293 3.8.1-3.8.3 with
 * R1/R2), zero-window probing (3.8.6.1), delayed ACK (3.8.6.3), keep-alive
 * (3.8.4) and TIME-WAIT (3.6.1). Four timers per connection, embedded. */
#include <errno.h>
#include <stddef.h>

#include "tcp/tcp_int.h"

#define CONN_OF(t, field) ((struct hk_tcp_conn *)(void *)((char *)(t) - offsetof(struct hk_tcp_conn, field)))

static void rexmt_fire(struct hk_stack *s, struct hk_timer *t);
static void delack_fire(struct hk_stack *s, struct hk_timer *t);
static void keep_fire(struct hk_stack *s, struct hk_timer *t);
static void state_fire(struct hk_stack *s, struct hk_timer *t);

void tcp_timers_init(struct hk_tcp_conn *c)
{
	hk_timer_init(&c->t_rexmt, rexmt_fire);
	hk_timer_init(&c->t_delack, delack_fire);
	hk_timer_init(&c->t_keep, keep_fire);
	hk_timer_init(&c->t_state, state_fire);
	tcp_dth_init(c);
}

void tcp_timers_cancel(struct hk_stack *s, struct hk_tcp_conn *c)
{
	hk_timer_cancel(s, &c->t_rexmt);
	hk_timer_cancel(s, &c->t_delack);
	hk_timer_cancel(s, &c->t_keep);
	hk_timer_cancel(s, &c->t_state);
	tcp_dth_cancel(s, c);
	c->flags &= ~TF_PERSIST;
}

/* RFC 8985 7.2: a tail loss probe goes out after PTO = 2*SRTT (plus the
 * worst-case delayed ACK when one segment is in flight), never later than
 * the RTO. Only with SACK, outside recovery, once per episode. */
static bool tlp_allowed(const struct hk_tcp_conn *c)
{
	if (!tcp_has(c, TF_SACK_OK) || tcp_has(c, TF_RECOVERY | TF_TLP_DONE | TF_NO_TLP | TF_PERSIST))
		return false;
	if (!c->rtt.have_sample || c->retries > 0)
		return false;
	return c->state == HK_TCP_ESTABLISHED || c->state == HK_TCP_CLOSE_WAIT ||
	       c->state == HK_TCP_FIN_WAIT_1 || c->state == HK_TCP_CLOSING || c->state == HK_TCP_LAST_ACK;
}

static void arm_rexmt(struct hk_stack *s, struct hk_tcp_conn *c)
{
	hk_time_t rto = hk_rtt_timeout(&c->rtt);
	c->flags &= ~TF_TLP_ARMED;
	if (tlp_allowed(c)) {
		hk_time_t pto = 2 * c->rtt.srtt;
		if (c->snd_max - c->snd_una <= c->eff_mss)
			pto += HK_MSEC(200); /* WCDelAckT */
		if (pto < HK_MSEC(10))
			pto = HK_MSEC(10);
		if (pto < rto) {
			c->flags |= TF_TLP_ARMED;
			rto = pto;
		}
	}
	hk_timer_arm(s, &c->t_rexmt, s->now + rto);
}

/* RFC 6298 5.1: start the timer if it is not running. */
void tcp_rexmt_arm(struct hk_stack *s, struct hk_tcp_conn *c)
{
	if (hk_timer_armed(&c->t_rexmt) || tcp_has(c, TF_PERSIST))
		return;
	arm_rexmt(s, c);
}

/* RFC 6298 5.3: new data acknowledged, restart with the current RTO. */
void tcp_rexmt_restart(struct hk_stack *s, struct hk_tcp_conn *c)
{
	c->flags &= ~TF_PERSIST;
	arm_rexmt(s, c);
}

void tcp_rexmt_stop(struct hk_stack *s, struct hk_tcp_conn *c)
{
	hk_timer_cancel(s, &c->t_rexmt);
	c->flags &= ~(TF_PERSIST | TF_TLP_ARMED);
}

/* RFC 8985 7.3: the probe is one segment of new data if the windows allow,
 * else the last segment sent again; then the RTO runs as usual. */
static void tlp_fire(struct hk_stack *s, struct hk_tcp_conn *c)
{
	c->flags &= ~TF_TLP_ARMED;
	c->flags |= TF_TLP_DONE;
	HK_STAT_INC(s, tcp_tlp_probes);
	uint32_t data_end = tcp_data_end(c);
	int32_t usable = (int32_t)(c->snd_una + c->snd_wnd - c->snd_nxt);
	uint32_t used = 0;
	if (c->snd_nxt == c->snd_max && hk_seq_lt(c->snd_nxt, data_end) && usable > 0) {
		used = tcp_send_seq(s, c, c->snd_nxt, tcp_min((uint32_t)usable, c->eff_mss), true);
		c->snd_nxt += used;
	}
	if (!used) {
		uint32_t end = hk_seq_lt(data_end, c->snd_max) ? data_end : c->snd_max;
		uint32_t seq = end - c->snd_una > c->eff_mss ? end - c->eff_mss : c->snd_una;
		if (end == c->snd_una && tcp_has(c, TF_FIN_SENT))
			seq = c->snd_una; /* only the FIN is outstanding */
		tcp_send_seq(s, c, seq, c->eff_mss, false);
	}
	hk_timer_arm(s, &c->t_rexmt, s->now + hk_rtt_timeout(&c->rtt));
}

/* RFC 9293 3.8.6.1: first probe after one RTO (SHLD-29), then backing off
 * exponentially (SHLD-30). */
void tcp_persist_arm(struct hk_stack *s, struct hk_tcp_conn *c)
{
	if (tcp_has(c, TF_PERSIST) && hk_timer_armed(&c->t_rexmt))
		return;
	c->flags |= TF_PERSIST;
	hk_timer_arm(s, &c->t_rexmt, s->now + hk_rtt_timeout(&c->rtt));
}

uint32_t tcp_data_r2(const struct hk_stack *s, const struct hk_tcp_conn *c)
{
	if (c->max_retries)
		return c->max_retries;
	return s->cfg.tcp.data_retries ? s->cfg.tcp.data_retries : 15;
}

/* MUST-23: a SYN keeps being retransmitted for at least 3 minutes. The
 * 3 minutes scale with the configured initial RTO so that tests which
 * shorten the RTO also shorten this. */
static bool syn_give_up(const struct hk_stack *s, const struct hk_tcp_conn *c)
{
	uint32_t r2 = c->max_syn_retries ? c->max_syn_retries
					 : (s->cfg.tcp.syn_retries ? s->cfg.tcp.syn_retries : 6);
	if (c->retries < r2)
		return false;
	if (c->max_syn_retries)
		return true; /* MUST-21: the application set R2 itself */
	hk_time_t rto0 = s->cfg.tcp.rto_initial ? s->cfg.tcp.rto_initial : HK_SEC(1);
	hk_time_t min_time = rto0 * 180;
	return s->now - c->open_time >= min_time || c->retries >= 2 * r2 + 8;
}

static void fail(struct hk_stack *s, struct hk_tcp_conn *c)
{
	HK_STAT_INC(s, tcp_timeout_drops);
	/* report a soft error seen on the way if there was one (RFC 1122 4.2.3.9) */
	int err = c->soft_err && c->soft_err != ETIMEDOUT ? c->soft_err : ETIMEDOUT;
	if (c->state == HK_TCP_SYN_RECEIVED && tcp_has(c, TF_PASSIVE))
		err = 0; /* a half-open child nobody knows about yet */
	tcp_conn_closed(s, c, err);
}

static void persist_fire(struct hk_stack *s, struct hk_tcp_conn *c)
{
	/* MUST-37: the window may stay closed forever while the peer answers;
	 * retries is reset by every ACK, so only silence ends the connection. */
	if (c->retries >= tcp_data_r2(s, c)) {
		fail(s, c);
		return;
	}
	c->retries++;
	HK_STAT_INC(s, tcp_persist_probes);
	hk_rtt_backoff(&c->rtt);
	c->flags |= TF_FORCE;
	tcp_output(s, c);
	if (tcp_has(c, TF_PERSIST) && c->state != HK_TCP_CLOSED)
		hk_timer_arm(s, &c->t_rexmt, s->now + hk_rtt_timeout(&c->rtt));
}

static void rexmt_fire(struct hk_stack *s, struct hk_timer *t)
{
	struct hk_tcp_conn *c = CONN_OF(t, t_rexmt);
	if (tcp_has(c, TF_PERSIST)) {
		persist_fire(s, c);
		return;
	}
	if (tcp_has(c, TF_TLP_ARMED)) {
		if (c->snd_una != c->snd_max && tcp_synchronized(c->state))
			tlp_fire(s, c);
		else
			c->flags &= ~TF_TLP_ARMED;
		return;
	}
	switch (c->state) {
	case HK_TCP_SYN_SENT:
	case HK_TCP_SYN_RECEIVED:
		/* MUST-22: SYNs follow the same R1/R2 procedure */
		if (syn_give_up(s, c)) {
			fail(s, c);
			return;
		}
		c->retries++;
		HK_STAT_INC(s, tcp_rto);
		HK_STAT_INC(s, tcp_retransmits);
		c->total_retrans++;
		c->flags &= ~TF_RTT_TIMING; /* Karn */
		hk_rtt_backoff(&c->rtt);
		tcp_send_syn(s, c);
		return;
	case HK_TCP_ESTABLISHED:
	case HK_TCP_FIN_WAIT_1:
	case HK_TCP_CLOSE_WAIT:
	case HK_TCP_CLOSING:
	case HK_TCP_LAST_ACK:
		break;
	default:
		return;
	}
	if (c->snd_una == c->snd_max)
		return;
	if (c->snd_wnd == 0 && hk_seq_leq(c->snd_una + 1, tcp_data_end(c))) {
		/* the peer closed its window on data in flight: probe it instead
		 * of counting timeouts (MUST-35/37) */
		c->snd_nxt = c->snd_una;
		c->retries = 0;
		tcp_persist_arm(s, c);
		return;
	}
	/* MUST-20: R2 closes the connection */
	if (c->retries >= tcp_data_r2(s, c)) {
		fail(s, c);
		return;
	}
	c->retries++;
	if (c->retries == HK_TCP_R1) {
		/* R1: "negative advice" — tell the application there is a
		 * delivery problem (SHLD-9) without aborting */
		hk_debug(s, "tcp %u->%u: R1 reached", c->lport, c->rport);
		if (!c->soft_err)
			c->soft_err = ETIMEDOUT;
	}
	HK_STAT_INC(s, tcp_rto);
	hk_debug(s, "tcp %u->%u: RTO #%u una=%u nxt=%u max=%u cwnd=%u wnd=%u sacked=%u recovery=%d", c->lport,
		 c->rport, c->retries, c->snd_una - c->iss, c->snd_nxt - c->iss, c->snd_max - c->iss, c->cc.cwnd,
		 c->snd_wnd, c->sack.n, tcp_has(c, TF_RECOVERY));
	tcp_enter_rto(s, c);
	hk_rtt_backoff(&c->rtt); /* RFC 6298 5.5 */
	/* 5.4: retransmit the earliest unacknowledged segment, whatever the window */
	uint32_t used = tcp_send_seq(s, c, c->snd_una, c->eff_mss, false);
	if (hk_seq_gt(c->snd_una + used, c->snd_nxt))
		c->snd_nxt = c->snd_una + used;
	tcp_rexmt_arm(s, c); /* 5.6 with the backed-off value */
}

static void delack_fire(struct hk_stack *s, struct hk_timer *t)
{
	struct hk_tcp_conn *c = CONN_OF(t, t_delack);
	if (c->state == HK_TCP_CLOSED)
		return;
	HK_STAT_INC(s, tcp_delayed_acks);
	c->flags |= TF_ACK_NOW;
	tcp_output(s, c);
}

/* MUST-40: the delay stays below 0.5 s (the configured value is capped). */
void tcp_delack_schedule(struct hk_stack *s, struct hk_tcp_conn *c)
{
	if (hk_timer_armed(&c->t_delack))
		return;
	hk_time_t d = s->cfg.tcp.delack ? s->cfg.tcp.delack : HK_MSEC(40);
	if (d > HK_MSEC(200))
		d = HK_MSEC(200);
	hk_timer_arm(s, &c->t_delack, s->now + d);
}

void tcp_keepalive_reset(struct hk_stack *s, struct hk_tcp_conn *c)
{
	c->last_rx = s->now;
	c->keep_probes = 0;
	if (tcp_has(c, TF_KEEPALIVE) && !hk_timer_armed(&c->t_keep) && tcp_synchronized(c->state))
		hk_timer_arm(s, &c->t_keep, s->now + c->keep_idle);
}

static void send_keepalive(struct hk_stack *s, struct hk_tcp_conn *c)
{
	/* SHLD-12: no data; SEG.SEQ = SND.NXT-1 so the peer must answer */
	struct hk_tcp_opts o = { 0 };
	if (tcp_has(c, TF_TS_OK)) {
		o.has_ts = true;
		o.ts_val = tcp_ts_now(c);
		o.ts_ecr = c->ts_recent;
	}
	uint8_t ws = tcp_has(c, TF_WS_OK) ? c->rcv_wscale : 0;
	uint32_t wnd = hk_seq_gt(c->rcv_adv, c->rcv_nxt) ? (c->rcv_adv - c->rcv_nxt) >> ws : 0;
	tcp_send_ctl(s, c->laddr, c->raddr, c->lport, c->rport, c->snd_una - 1, c->rcv_nxt, HK_TCP_ACK,
		     (uint16_t)tcp_min(wnd, 65535), &o, c->ttl, c->tos);
}

static void keep_fire(struct hk_stack *s, struct hk_timer *t)
{
	struct hk_tcp_conn *c = CONN_OF(t, t_keep);
	if (!tcp_has(c, TF_KEEPALIVE) || !tcp_synchronized(c->state) || c->state == HK_TCP_TIME_WAIT)
		return;
	hk_time_t idle = s->now - c->last_rx;
	if (c->keep_probes == 0 && idle < c->keep_idle) {
		hk_timer_arm(s, &c->t_keep, c->last_rx + c->keep_idle);
		return;
	}
	/* MUST-26: only when nothing is outstanding or waiting to be sent */
	if (c->snd_una != c->snd_max || hk_seq_lt(c->snd_nxt, tcp_data_end(c))) {
		hk_timer_arm(s, &c->t_keep, s->now + c->keep_idle);
		return;
	}
	/* MUST-29: one unanswered probe is not death; keep_cnt of them are */
	if (c->keep_probes >= c->keep_cnt) {
		HK_STAT_INC(s, tcp_keepalive_drops);
		tcp_send_rst_conn(s, c);
		tcp_conn_closed(s, c, ETIMEDOUT);
		return;
	}
	c->keep_probes++;
	HK_STAT_INC(s, tcp_keepalive_probes);
	send_keepalive(s, c);
	hk_timer_arm(s, &c->t_keep, s->now + c->keep_intvl);
}

/* MUST-13: TIME-WAIT lasts 2*MSL. */
void tcp_timewait_start(struct hk_stack *s, struct hk_tcp_conn *c)
{
	tcp_set_state(s, c, HK_TCP_TIME_WAIT);
	tcp_rexmt_stop(s, c);
	hk_timer_cancel(s, &c->t_keep);
	tcp_ring_free(s, &c->sndbuf);
	if (c->fd < 0 && !tcp_has(c, TF_IN_ACCEPTQ))
		tcp_ring_free(s, &c->rcvbuf);
	hk_time_t msl = s->cfg.tcp.msl ? s->cfg.tcp.msl : HK_SEC(30);
	hk_timer_arm(s, &c->t_state, s->now + 2 * msl);
}

/* An orphan (the application closed) waiting in FIN-WAIT-2 for a FIN
 * that may never come is dropped after 2*MSL. */
void tcp_finwait2_timer(struct hk_stack *s, struct hk_tcp_conn *c)
{
	if (c->state != HK_TCP_FIN_WAIT_2 || !tcp_has(c, TF_USER_CLOSED) || hk_timer_armed(&c->t_state))
		return;
	hk_time_t msl = s->cfg.tcp.msl ? s->cfg.tcp.msl : HK_SEC(30);
	hk_timer_arm(s, &c->t_state, s->now + 2 * msl);
}

static void state_fire(struct hk_stack *s, struct hk_timer *t)
{
	struct hk_tcp_conn *c = CONN_OF(t, t_state);
	if (c->state == HK_TCP_TIME_WAIT || c->state == HK_TCP_FIN_WAIT_2)
		tcp_conn_closed(s, c, 0);
}
