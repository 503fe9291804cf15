/* postern-transport-local.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Delivers into the INBOX of another Postern profile on this machine, as a
 * local mail delivery agent would. Accounts select it with an SMTP URL of
 * local:/path/to/profile; the demo profile and same-host users send this way.
 */
#pragma once

#include "postern-transport.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_TRANSPORT_LOCAL (postern_transport_local_get_type ())
G_DECLARE_FINAL_TYPE (PosternTransportLocal, postern_transport_local, POSTERN,
                      TRANSPORT_LOCAL, GObject)

PosternTransportLocal *postern_transport_local_new (const char *profile_path);

G_END_DECLS
