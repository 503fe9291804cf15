/* postern-index.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The SQLite index over the Maildir store: one row per stored file plus an
 * FTS5 table over from, to, subject and body text. The index is a cache:
 * the Maildir is the truth, and PosternStore rebuilds the index from it
 * when it is missing, of another schema, or stale.
 */
#pragma once

#include <glib-object.h>

#include "postern-message-info.h"
#include "postern-types.h"

G_BEGIN_DECLS

typedef struct
{
  char *id;
  char *folder;
  char *file; /* relative to the folder: "new/NAME" or "cur/NAME:2,FLAGS" */
  char *message_id;
  char *sender;
  char *recipients;
  char *subject;
  gint64 date;
  PosternLock lock;
  gsize size;
} PosternMessageRow;

#define POSTERN_TYPE_MESSAGE_ROW (postern_message_row_get_type ())
GType postern_message_row_get_type (void);
PosternMessageRow *postern_message_row_copy (const PosternMessageRow *row);
void postern_message_row_free (PosternMessageRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternMessageRow, postern_message_row_free)

#define POSTERN_TYPE_INDEX (postern_index_get_type ())
G_DECLARE_FINAL_TYPE (PosternIndex, postern_index, POSTERN, INDEX, GObject)

PosternIndex *postern_index_open (const char *path, gboolean *out_created, GError **error);
gboolean postern_index_begin (PosternIndex *self, GError **error);
gboolean postern_index_commit (PosternIndex *self, GError **error);
void postern_index_rollback (PosternIndex *self);

gboolean postern_index_insert (PosternIndex *self, const char *folder, const char *file,
                               const PosternMessageInfo *info, PosternLock lock, GError **error);
gboolean postern_index_remove_file (PosternIndex *self, const char *folder, const char *file,
                                    GError **error);
gboolean postern_index_move_file (PosternIndex *self, const char *folder, const char *file,
                                  const char *to_folder, const char *to_file, GError **error);
gboolean postern_index_contains (PosternIndex *self, const char *folder, const char *id);
GHashTable *postern_index_files_in_folder (PosternIndex *self, const char *folder,
                                           GError **error);
PosternMessageRow *postern_index_lookup (PosternIndex *self, const char *id,
                                         const char *folder, GError **error);

GPtrArray *postern_index_list (PosternIndex *self, const char *folder, guint offset, guint limit,
                               GError **error);
guint postern_index_count (PosternIndex *self, const char *folder);
guint postern_index_count_unread (PosternIndex *self, const char *folder);
GPtrArray *postern_index_search (PosternIndex *self, const char *query, guint limit,
                                 GError **error);

gboolean postern_index_get_folder_stamp (PosternIndex *self, const char *folder,
                                         char **out_stamp);
gboolean postern_index_set_folder_stamp (PosternIndex *self, const char *folder,
                                         const char *stamp, GError **error);
gboolean postern_index_forget_folder (PosternIndex *self, const char *folder, GError **error);
char **postern_index_list_folders (PosternIndex *self);

char *postern_search_query_to_fts (const char *query, GError **error);

G_END_DECLS
