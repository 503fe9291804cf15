/* postern-resolved-address.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A host name whose addresses are already known: Postern looks hosts up
 * with its own resolver (DNSSEC, the profile's dns.upstream), and GIO or
 * libsoup must then connect to those addresses and nowhere else. It is a
 * GNetworkAddress, so TLS still sends the host name (SNI) and checks the
 * certificate against it; only where it connects to is fixed.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define POSTERN_TYPE_RESOLVED_ADDRESS (postern_resolved_address_get_type ())
G_DECLARE_FINAL_TYPE (PosternResolvedAddress, postern_resolved_address, POSTERN, RESOLVED_ADDRESS,
                      GNetworkAddress)

GSocketConnectable *postern_resolved_address_new (const char *hostname, guint16 port,
                                                  GList *addresses);

G_END_DECLS
