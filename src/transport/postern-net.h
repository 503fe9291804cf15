/* postern-net.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Connections for the network transports: TCP, implicit TLS and STARTTLS
 * upgrades on GIO streams, with certificates always verified. An extra CA
 * (the profile's tls.ca-file, for self-hosted servers) is trusted besides
 * the system's, never instead of verification.
 *
 * These calls block; transports make them from GTask worker threads.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GIOStream *postern_net_connect (const char *host, guint16 port, gboolean implicit_tls,
                                const char *extra_ca_file, guint timeout_seconds,
                                GCancellable *cancellable, GError **error);
GIOStream *postern_net_start_tls (GIOStream *plain, const char *host, guint16 port,
                                  const char *extra_ca_file, GCancellable *cancellable,
                                  GError **error);
gboolean postern_net_extra_ca_vouches (GTlsDatabase *extra, GTlsCertificate *peer,
                                       GTlsCertificateFlags errors, GSocketConnectable *identity);
char *postern_net_describe_certificate_errors (GTlsCertificateFlags flags);
gboolean postern_net_parse_url (const char *url, const char *const *schemes, char **out_scheme,
                                char **out_host, guint16 *out_port, GError **error);

G_END_DECLS
