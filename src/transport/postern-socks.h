/* postern-socks.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SOCKS5 client (RFC 1928) for tor's SOCKS port: no authentication, the
 * CONNECT command with a host name (ATYP 3), so that tor, not this
 * machine, resolves it; an onion name never reaches a DNS resolver. Tor's
 * extended error codes (0xF0 to 0xF7, proposal 304) say why an onion
 * service could not be reached. Blocking; call it from a worker thread.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GIOStream *postern_socks_connect (GSocketAddress *proxy, const char *host, guint16 port,
                                  guint timeout_seconds, GCancellable *cancellable, GError **error);
gssize postern_socks_parse_reply (const guint8 *data, gsize len, GError **error);
const char *postern_socks_describe (guint8 reply);

G_END_DECLS
