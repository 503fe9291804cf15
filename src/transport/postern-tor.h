/* postern-tor.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tor a profile uses (DESIGN §6): either one Postern starts itself
 * (tor.mode managed: a private DataDirectory PROFILE/tor/, the control
 * port on the unix socket PROFILE/tor/control.sock with cookie
 * authentication, a SOCKS port on the unix socket PROFILE/tor/socks.sock
 * (read back from tor, as any SOCKS port of an attached tor), the profile's
 * tor.extra-config lines appended to its torrc), or one the user already
 * runs (tor.mode attach, tor.control PATH|PORT). Starting it means waiting
 * until tor has bootstrapped, reporting the progress on the way; then it
 * gives its SOCKS address and publishes onion services (ADD_ONION).
 *
 * A managed tor never outlives Postern: tor is told who owns it
 * (__OwningControllerProcess, then TAKEOWNERSHIP, so it exits when the
 * control connection closes, however Postern ends), and
 * postern_tor_stop() or the last reference ends it at once.
 *
 * Signals are emitted on the thread-default main context of the thread
 * that made the object; the blocking calls run in any thread.
 */
#pragma once

#include <gio/gio.h>

#include "postern-profile.h"

G_BEGIN_DECLS

/* How long a start may take: tor on a fresh DataDirectory downloads the
 * consensus first. */
#define POSTERN_TOR_BOOTSTRAP_TIMEOUT 300
/* How long ADD_ONION waits for the first descriptor upload. */
#define POSTERN_TOR_PUBLISH_TIMEOUT 120

#define POSTERN_TYPE_TOR (postern_tor_get_type ())
G_DECLARE_FINAL_TYPE (PosternTor, postern_tor, POSTERN, TOR, GObject)

PosternTor *postern_tor_new (const char *profile_path, const char *mode, const char *control,
                             const char *extra_config, GError **error);
PosternTor *postern_tor_new_for_profile (PosternProfile *profile, GError **error);
PosternTor *postern_tor_get_shared (PosternProfile *profile, GError **error);
void postern_tor_forget_shared (void);

gboolean postern_tor_start_sync (PosternTor *self, GCancellable *cancellable, GError **error);
void postern_tor_start_async (PosternTor *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean postern_tor_start_finish (PosternTor *self, GAsyncResult *result, GError **error);

gboolean postern_tor_is_ready (PosternTor *self);
gboolean postern_tor_is_managed (PosternTor *self);
guint postern_tor_get_progress (PosternTor *self, char **out_summary);
GSocketAddress *postern_tor_get_socks_address (PosternTor *self);

char *postern_tor_add_onion (PosternTor *self, const char *key, guint16 virtual_port,
                             guint16 local_port, char **out_new_key, GCancellable *cancellable,
                             GError **error);

void postern_tor_stop (PosternTor *self);

G_END_DECLS
