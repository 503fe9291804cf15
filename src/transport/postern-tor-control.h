/* postern-tor-control.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One connection to tor's control port (torspec control-spec): connect
 * over a unix socket or loopback TCP, authenticate (SAFECOOKIE, COOKIE or
 * none, as PROTOCOLINFO offers), send commands and read their replies,
 * and wait for asynchronous events (code 650), which are queued while a
 * command waits for its reply.
 *
 * Every call blocks; callers run them in GTask worker threads. One thread
 * at a time (the calls lock the connection).
 */
#pragma once

#include <gio/gio.h>

#include "postern-tor-reply.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_TOR_CONTROL (postern_tor_control_get_type ())
G_DECLARE_FINAL_TYPE (PosternTorControl, postern_tor_control, POSTERN, TOR_CONTROL, GObject)

GSocketAddress *postern_tor_control_parse_address (const char *text, GError **error);
PosternTorControl *postern_tor_control_connect (GSocketAddress *address, GCancellable *cancellable,
                                                GError **error);
gboolean postern_tor_control_authenticate (PosternTorControl *self, GCancellable *cancellable,
                                           GError **error);
PosternTorReply *postern_tor_control_command (PosternTorControl *self, const char *command,
                                              const char *what, GCancellable *cancellable,
                                              GError **error);
PosternTorReply *postern_tor_control_next_event (PosternTorControl *self, gint64 deadline,
                                                 GCancellable *cancellable, GError **error);
void postern_tor_control_close (PosternTorControl *self);

G_END_DECLS
