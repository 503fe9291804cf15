/* postern-imap-state.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What an IMAP account's sync remembers between runs, per server mailbox:
 * UIDVALIDITY, the UIDNEXT and HIGHESTMODSEQ seen at the last complete
 * sync, and which UID holds which stored message (by its content id) with
 * the flags both sides agreed on then. It lives in PROFILE/sync/ACCOUNT.sqlite,
 * apart from index.sqlite: the index is a cache that may be rebuilt at any
 * time, while losing this would make the next sync download everything
 * again and mistake every flag for a change.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct
{
  guint32 uidvalidity;
  guint32 uidnext;      /* every UID below it has been dealt with */
  guint64 highestmodseq; /* 0 when the server has no CONDSTORE */
} PosternImapFolderState;

/* One UID of a mailbox as the last sync left it. */
typedef struct
{
  guint32 uid;
  char *id;    /* the stored message's content id */
  char *flags; /* Maildir flags both sides had, such as "FS" */
} PosternImapMessageState;

void postern_imap_message_state_free (PosternImapMessageState *state);

#define POSTERN_TYPE_IMAP_STATE (postern_imap_state_get_type ())
G_DECLARE_FINAL_TYPE (PosternImapState, postern_imap_state, POSTERN, IMAP_STATE, GObject)

PosternImapState *postern_imap_state_open (const char *path, GError **error);
char *postern_imap_state_path (const char *profile_path, const char *account);

gboolean postern_imap_state_begin (PosternImapState *self, GError **error);
gboolean postern_imap_state_commit (PosternImapState *self, GError **error);
void postern_imap_state_rollback (PosternImapState *self);

gboolean postern_imap_state_get_folder (PosternImapState *self, const char *mailbox,
                                        PosternImapFolderState *out_state);
gboolean postern_imap_state_set_folder (PosternImapState *self, const char *mailbox,
                                        const PosternImapFolderState *state, GError **error);
gboolean postern_imap_state_reset_folder (PosternImapState *self, const char *mailbox,
                                          guint32 uidvalidity, GError **error);
gboolean postern_imap_state_forget_other_folders (PosternImapState *self,
                                                  const char *const *keep, GError **error);

GPtrArray *postern_imap_state_list_messages (PosternImapState *self, const char *mailbox,
                                             GError **error);
gboolean postern_imap_state_put_message (PosternImapState *self, const char *mailbox,
                                         guint32 uid, const char *id, const char *flags,
                                         GError **error);
gboolean postern_imap_state_remove_message (PosternImapState *self, const char *mailbox,
                                            guint32 uid, GError **error);
GHashTable *postern_imap_state_list_ids (PosternImapState *self, GError **error);

G_END_DECLS
