/* postern-transport-smtp.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SMTP submission (RFC 6409) for an account: STARTTLS (smtp://) or implicit
 * TLS (smtps://), AUTH PLAIN or LOGIN, PIPELINING, 8BITMIME and SIZE.
 */
#pragma once

#include "postern-account.h"
#include "postern-transport.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_TRANSPORT_SMTP (postern_transport_smtp_get_type ())
G_DECLARE_FINAL_TYPE (PosternTransportSmtp, postern_transport_smtp, POSTERN, TRANSPORT_SMTP,
                      GObject)

PosternTransportSmtp *postern_transport_smtp_new (PosternAccount *account,
                                                  const char *profile_path,
                                                  const char *extra_ca_file);

G_END_DECLS
