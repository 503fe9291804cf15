/* postern-smtorp-server.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The SMTorP server built into Postern (docs/protocols/smtorp.md §4): ESMTP
 * over implicit TLS 1.2 or later on 127.0.0.1, for the profile's own
 * address only. At the end of DATA every recipient needs a valid, unspent
 * proof-of-work stamp; the message is then fsynced into the INBOX with the
 * ONION lock before the server says 250.
 *
 * The server runs on the thread-default main context of the thread that
 * calls postern_smtorp_server_listen() and never blocks it: sessions use
 * GIO's asynchronous calls, and checking stamps and storing mail (Argon2,
 * SQLite, fsync) run in GTask worker threads.
 */
#pragma once

#include <gio/gio.h>

#include "postern-pow.h"
#include "postern-profile.h"

G_BEGIN_DECLS

/* Most recipients one message may have; one more ends the session. */
#define POSTERN_SMTORP_MAX_RECIPIENTS 100
/* Most commands in one session (enough for a message to 100 recipients);
 * more end the session. */
#define POSTERN_SMTORP_MAX_COMMANDS 200
/* Most refused commands (syntax, order) before the session ends. */
#define POSTERN_SMTORP_MAX_ERRORS 10
/* Most sessions at once; further connections are closed at once. */
#define POSTERN_SMTORP_MAX_SESSIONS 16
#define POSTERN_SMTORP_DEFAULT_MAX_SIZE (25 * 1024 * 1024)
/* Seconds a client may take for the handshake or for each line. */
#define POSTERN_SMTORP_DEFAULT_TIMEOUT 300

/**
 * PosternSmtorpServerStats:
 * @sessions: TLS sessions that reached the greeting
 * @transactions: MAIL commands accepted
 * @delivered: messages stored
 * @refused: messages refused at the end of DATA
 *
 * What the server has done since it was made, for monitoring and tests.
 */
typedef struct
{
  guint sessions;
  guint transactions;
  guint delivered;
  guint refused;
} PosternSmtorpServerStats;

#define POSTERN_TYPE_SMTORP_SERVER (postern_smtorp_server_get_type ())
G_DECLARE_FINAL_TYPE (PosternSmtorpServer, postern_smtorp_server, POSTERN, SMTORP_SERVER, GObject)

PosternSmtorpServer *postern_smtorp_server_new (const char *profile_path, GError **error);
void postern_smtorp_server_set_policy (PosternSmtorpServer *self, const PosternPowPolicy *policy);
void postern_smtorp_server_set_timeout (PosternSmtorpServer *self, guint seconds);
void postern_smtorp_server_set_max_size (PosternSmtorpServer *self, guint64 max_size);
gboolean postern_smtorp_server_listen (PosternSmtorpServer *self, guint16 port, GError **error);
guint16 postern_smtorp_server_get_port (PosternSmtorpServer *self);
const char *postern_smtorp_server_get_user (PosternSmtorpServer *self);
const char *postern_smtorp_server_get_onion (PosternSmtorpServer *self);
const char *postern_smtorp_server_get_fingerprint (PosternSmtorpServer *self);
void postern_smtorp_server_stop (PosternSmtorpServer *self);
void postern_smtorp_server_get_stats (PosternSmtorpServer *self, PosternSmtorpServerStats *out);

G_END_DECLS
