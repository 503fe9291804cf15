/* postern-smtorp-onion.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The profile's SMTorP server as an onion service (docs/protocols/smtorp.md
 * §2): virtual port 25 of the profile's own onion name leads to the
 * server's port on 127.0.0.1. The service's key is made by tor on first
 * use and kept in PROFILE/smtorp/onion-key (mode 0600), so the name, and
 * with it the user's address, stays the same from one start to the next;
 * the name goes to PROFILE/smtorp/hostname, where the address is read.
 */
#pragma once

#include "postern-tor.h"

G_BEGIN_DECLS

#define POSTERN_SMTORP_ONION_PORT 25

char *postern_smtorp_onion_publish (PosternTor *tor, const char *profile_path, guint16 local_port,
                                    GCancellable *cancellable, GError **error);
void postern_smtorp_onion_start_async (PosternTor *tor, const char *profile_path,
                                       guint16 local_port, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
char *postern_smtorp_onion_start_finish (GAsyncResult *result, GError **error);

G_END_DECLS
