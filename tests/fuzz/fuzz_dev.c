/* libFuzzer target: the device layer's own parsers on hostile input —
 * impairment specs, and the offload repair that rawip and packet devices
 * run on what the kernel hands them (partial checksums, TCP splitting).
 *
 * Input: byte 0 selects the part; the rest is its input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hokuto/dev.h"
#include "link/dev_kinds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_spec(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	struct hk_impair_spec sp;
	char err[128];
	if (hk_impair_parse(text, &sp, err, sizeof(err)) == 0) {
		/* whatever parses must also wrap and run */
		struct hk_dev *a, *b;
		if (sp.queue_limit > 64)
			sp.queue_limit = 64;
		if (hk_sim_wire_new(&a, &b, 1500) == 0) {
			struct hk_dev *w = hk_impair_wrap(a, &sp);
			if (w) {
				uint8_t f[64] = {0}, got[64];
				for (int i = 0; i < 8; i++)
					w->ops->tx(w, f, sizeof(f), (hk_time_t)i * 1000);
				hk_time_t d = w->ops->next_deadline(w);
				w->ops->rx(w, got, sizeof(got), d == HK_TIME_NEVER ? 0 : d);
				while (b->ops->rx(b, got, sizeof(got), HK_TIME_NEVER - 1) > 0) {
				}
				hk_dev_close(w);
			} else {
				hk_dev_close(a);
			}
			hk_dev_close(b);
		}
	}
	free(text);
}

static void fuzz_offload(const uint8_t *data, size_t size, size_t l2)
{
	uint8_t *buf = malloc(size ? size : 1), out[1600];
	if (!buf)
		return;
	memcpy(buf, data, size);
	hk_dev_csum_fix_partial(buf, size, l2);
	if (size >= 4)
		hk_dev_csum_complete(buf, size, data[0], data[1]);
	struct hk_dev_tcp_splitter sp;
	size_t mss = size ? data[size - 1] * 8u : 0;
	if (hk_dev_tcp_split_begin(&sp, buf, size, l2, mss, 576 + (size & 1023)) == 0) {
		ssize_t n;
		int guard = 0;
		while ((n = hk_dev_tcp_split_next(&sp, out, sizeof(out))) != 0 && guard++ < 70000) {
		}
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_spec(data + 1, size - 1);
		break;
	case 1:
		fuzz_offload(data + 1, size - 1, 0);
		break;
	default:
		fuzz_offload(data + 1, size - 1, 14);
		break;
	}
	return 0;
}
