/* postern-store.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The local store: one Maildir per folder under a root, plus the SQLite
 * index. The Maildir is the truth; opening the store brings the index up to
 * date with it. Every change that adds or moves mail is durable (fsynced)
 * before the call returns, and writers serialize on a lock file so two
 * processes on one profile cannot interleave.
 */
#pragma once

#include <glib-object.h>

#include "postern-index.h"
#include "postern-types.h"

G_BEGIN_DECLS

#define POSTERN_STORE_INBOX "INBOX"
#define POSTERN_STORE_SENT "Sent"
#define POSTERN_STORE_OUTBOX "Outbox"
#define POSTERN_STORE_DRAFTS "Drafts"

/* One message handed to postern_store_deliver(). */
typedef struct
{
  GBytes *bytes;     /* in */
  const char *flags; /* in: Maildir flags such as "S", or NULL for new mail */
  PosternLock lock;  /* in: how the message travelled */
  char *id;          /* out */
  gboolean stored;   /* out: FALSE when the folder already held it */
} PosternDelivery;

void postern_delivery_clear (PosternDelivery *delivery);

#define POSTERN_TYPE_STORE (postern_store_get_type ())
G_DECLARE_FINAL_TYPE (PosternStore, postern_store, POSTERN, STORE, GObject)

PosternStore *postern_store_open (const char *root, const char *index_path, GError **error);
gboolean postern_store_folder_name_is_valid (const char *folder);
gboolean postern_store_ensure_folder (PosternStore *self, const char *folder, GError **error);
char **postern_store_list_folders (PosternStore *self);
gboolean postern_store_refresh (PosternStore *self, GError **error);

gboolean postern_store_deliver (PosternStore *self, const char *folder,
                                PosternDelivery *deliveries, guint n_deliveries, GError **error);
gboolean postern_store_add (PosternStore *self, const char *folder, GBytes *bytes,
                            const char *flags, PosternLock lock, char **out_id, GError **error);
gboolean postern_store_move (PosternStore *self, const char *id, const char *from_folder,
                             const char *to_folder, const char *flags, GError **error);
gboolean postern_store_remove (PosternStore *self, const char *id, const char *folder,
                               GError **error);
gboolean postern_store_set_flags (PosternStore *self, const char *id, const char *folder,
                                  const char *flags, GError **error);

GBytes *postern_store_load (PosternStore *self, const char *id, const char *folder,
                            PosternMessageRow **out_row, GError **error);
GPtrArray *postern_store_list (PosternStore *self, const char *folder, guint offset,
                               guint limit, GError **error);
guint postern_store_count (PosternStore *self, const char *folder);
guint postern_store_count_unread (PosternStore *self, const char *folder);
GPtrArray *postern_store_search (PosternStore *self, const char *query, guint limit,
                                 GError **error);
PosternIndex *postern_store_get_index (PosternStore *self);

G_END_DECLS
