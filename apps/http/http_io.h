/* hokuto HTTP — the byte stream a server or client connection runs on.
 * The commands glue it to hokuto sockets; the unit tests to scripted
 * buffers. */
#ifndef HOKUTO_APPS_HTTP_IO_H
#define HOKUTO_APPS_HTTP_IO_H

#include <stddef.h>

/* recv returns bytes (> 0), 0 at the end of the stream, -EAGAIN when
 * nothing is there now, or -errno; send returns bytes taken (> 0),
 * -EAGAIN, or -errno; shutdown ends the sending direction (FIN). */
struct http_io {
	long (*recv)(void *ctx, void *buf, size_t len);
	long (*send)(void *ctx, const void *buf, size_t len);
	void (*shutdown)(void *ctx);
};

#endif
