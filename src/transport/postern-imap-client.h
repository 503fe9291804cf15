/* postern-imap-client.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One IMAP4rev1 session (RFC 3501) on a GIO stream: the greeting,
 * CAPABILITY, STARTTLS, login by AUTHENTICATE PLAIN or LOGIN, commands with
 * their untagged responses, APPEND and IDLE. It knows the protocol, not
 * mail folders: PosternTransportImap drives it.
 *
 * Every call blocks; the transport makes them from a GTask worker thread,
 * and each one takes a GCancellable that interrupts any read or write.
 */
#pragma once

#include <gio/gio.h>

#include "postern-imap-parser.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_IMAP_CLIENT (postern_imap_client_get_type ())
G_DECLARE_FINAL_TYPE (PosternImapClient, postern_imap_client, POSTERN, IMAP_CLIENT, GObject)

/**
 * PosternImapUntaggedFunc:
 * @response: an untagged response that arrived while a command ran
 * @user_data: the data given with the command
 * @error: return location for a #GError
 *
 * Sees each untagged response of a command. Returning %FALSE stops reading
 * and fails the command with @error; the session cannot be used after that.
 */
typedef gboolean (*PosternImapUntaggedFunc) (PosternImapResponse *response, gpointer user_data,
                                             GError **error);

PosternImapClient *postern_imap_client_connect (const char *host, guint16 port,
                                                gboolean implicit_tls, gboolean allow_plaintext,
                                                const char *extra_ca_file,
                                                guint timeout_seconds, GCancellable *cancellable,
                                                GError **error);
gboolean postern_imap_client_login (PosternImapClient *self, const char *user,
                                    const char *password, GCancellable *cancellable,
                                    GError **error);
gboolean postern_imap_client_is_tls (PosternImapClient *self);
gboolean postern_imap_client_has_capability (PosternImapClient *self, const char *capability);
const char *postern_imap_client_get_host (PosternImapClient *self);
guint16 postern_imap_client_get_port (PosternImapClient *self);

PosternImapResponse *postern_imap_client_command (PosternImapClient *self,
                                                  PosternImapUntaggedFunc func,
                                                  gpointer user_data, GCancellable *cancellable,
                                                  GError **error, const char *format, ...)
  G_GNUC_PRINTF (6, 7);
gboolean postern_imap_client_append (PosternImapClient *self, const char *mailbox,
                                     const char *flags, GBytes *message,
                                     guint32 *out_uidvalidity, guint32 *out_uid,
                                     GCancellable *cancellable, GError **error);
gboolean postern_imap_client_idle (PosternImapClient *self, guint max_seconds,
                                   gboolean *out_changed, GCancellable *cancellable,
                                   GError **error);
void postern_imap_client_logout (PosternImapClient *self);

char *postern_imap_quote (const char *text);
char *postern_imap_uid_set (const guint32 *uids, guint n_uids);

G_END_DECLS
