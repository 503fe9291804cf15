/* postern-transport-smtorp.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The SMTorP client (docs/protocols/smtorp.md): one ESMTP session per onion
 * service over implicit TLS, the server's key pinned to the fingerprint in
 * the address (or on first use, PROFILE/smtorp/pins.ini) instead of any CA,
 * and one proof-of-work stamp minted per recipient.
 *
 * Onion services are reached through the profile's tor (postern-tor.h,
 * shared by the process and started on first use): SOCKS5 with the name
 * resolved by tor. Tests of the client and server without a Tor network
 * set POSTERN_SMTORP_DEV_ROUTES instead (test-only): a comma-separated list
 * of ONION=HOST:PORT where HOST is a loopback address; while it is set, tor
 * is not used at all.
 */
#pragma once

#include "postern-profile.h"
#include "postern-transport.h"

G_BEGIN_DECLS

#define POSTERN_SMTORP_DEV_ROUTES_ENV "POSTERN_SMTORP_DEV_ROUTES"

#define POSTERN_TYPE_TRANSPORT_SMTORP (postern_transport_smtorp_get_type ())
G_DECLARE_FINAL_TYPE (PosternTransportSmtorp, postern_transport_smtorp, POSTERN, TRANSPORT_SMTORP,
                      GObject)

PosternTransportSmtorp *postern_transport_smtorp_new (PosternProfile *profile);
char *postern_transport_smtorp_get_pin (const char *profile_path, const char *onion,
                                        GError **error);

G_END_DECLS
