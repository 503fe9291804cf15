/* postern-demo.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The demo profile: a folder of its own, filled on first use with the
 * sample mail bundled in the resources (data/demo), and one account that
 * sends with local: delivery into that same profile, so a first-time user
 * can read, write and send without any server.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char *postern_demo_get_default_path (void);
void postern_demo_ensure_async (const char *path, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
char *postern_demo_ensure_finish (GAsyncResult *result, GError **error);

G_END_DECLS
