/* postern-transport-imap.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * IMAP (RFC 3501) for an account: a two-way sync of the server's mailboxes
 * with the local store. New mail is fetched by UID past what the last sync
 * saw (UIDVALIDITY/UIDNEXT); flags go both ways, using CONDSTORE's
 * CHANGEDSINCE when the server has it; mail expunged on the server is
 * removed here and mail deleted here is expunged there (UID EXPUNGE with
 * UIDPLUS); sent mail is copied to the server's \Sent mailbox, and mail
 * moved here between two of the account's folders is moved there. The account
 * URL is imap:// (STARTTLS, required unless the account allows plaintext)
 * or imaps://; the password comes from the Secret Service.
 *
 * Mail is in the store, fsynced, before the sync state records it, so a
 * sync cut off at any point resumes without fetching again what it stored.
 */
#pragma once

#include "postern-account.h"
#include "postern-transport.h"

G_BEGIN_DECLS

/**
 * PosternImapSyncStats:
 * @folders: mailboxes synced
 * @fetched: new messages stored here
 * @fetched_bytes: the bytes of the messages fetched
 * @removed: messages removed here because the server expunged them
 * @flags_pulled: messages whose flags changed here to follow the server
 * @flags_pushed: messages whose flag changes made here went to the server
 * @deleted: messages deleted here and so expunged on the server
 * @uploaded: messages copied to the server: mail sent from this account,
 *   to the \Sent mailbox, and mail moved or copied here from one of the
 *   account's mailboxes into another
 * @skipped: (array zero-terminated=1): mailboxes not synced, each as
 *   "NAME: why"
 *
 * What one sync did.
 */
typedef struct
{
  guint folders;
  guint fetched;
  guint64 fetched_bytes;
  guint removed;
  guint flags_pulled;
  guint flags_pushed;
  guint deleted;
  guint uploaded;
  char **skipped;
} PosternImapSyncStats;

void postern_imap_sync_stats_free (PosternImapSyncStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternImapSyncStats, postern_imap_sync_stats_free)

#define POSTERN_TYPE_TRANSPORT_IMAP (postern_transport_imap_get_type ())
G_DECLARE_FINAL_TYPE (PosternTransportImap, postern_transport_imap, POSTERN, TRANSPORT_IMAP,
                      GObject)

PosternTransportImap *postern_transport_imap_new (PosternAccount *account,
                                                  const char *profile_path,
                                                  const char *extra_ca_file);

void postern_transport_imap_sync_async (PosternTransportImap *self, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
PosternImapSyncStats *postern_transport_imap_sync_finish (PosternTransportImap *self,
                                                          GAsyncResult *result, GError **error);
PosternImapSyncStats *postern_transport_imap_sync (PosternTransportImap *self,
                                                   GCancellable *cancellable, GError **error);

void postern_transport_imap_wait_async (PosternTransportImap *self, guint max_seconds,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean postern_transport_imap_wait_finish (PosternTransportImap *self, GAsyncResult *result,
                                             GError **error);

G_END_DECLS
