/* postern-test-proxy.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A TCP proxy on 127.0.0.1 between a client under test and a real server,
 * which cuts the connection after a given number of bytes from the client.
 * Faults come from here, never from a fake server.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _PosternTestProxy PosternTestProxy;

PosternTestProxy *postern_test_proxy_new (guint16 upstream_port, gsize cut_after_client_bytes);
guint16 postern_test_proxy_get_port (PosternTestProxy *proxy);
gsize postern_test_proxy_get_client_bytes (PosternTestProxy *proxy);
gboolean postern_test_proxy_was_cut (PosternTestProxy *proxy);
void postern_test_proxy_free (PosternTestProxy *proxy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternTestProxy, postern_test_proxy_free)

G_END_DECLS
