/* postern-maildir.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One Maildir folder on disk: tmp/, new/ and cur/. Files are written into
 * tmp/, made durable, then renamed into new/ (or cur/ with flags), and the
 * folder is fsynced: a message is only "stored" once that has happened.
 * Postern names its files ID.LOCK.postern, where ID is the content hash, so
 * delivering the same message twice can never make two files.
 */
#pragma once

#include <glib-object.h>

#include "postern-types.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_MAILDIR (postern_maildir_get_type ())
G_DECLARE_FINAL_TYPE (PosternMaildir, postern_maildir, POSTERN, MAILDIR, GObject)

PosternMaildir *postern_maildir_new (const char *path);
const char *postern_maildir_get_path (PosternMaildir *self);
gboolean postern_maildir_ensure (PosternMaildir *self, GError **error);
gboolean postern_maildir_exists (PosternMaildir *self);
char *postern_maildir_write_tmp (PosternMaildir *self, const char *id, GBytes *bytes,
                                 gboolean sync, GError **error);
char *postern_maildir_file_name (const char *id, PosternLock lock, const char *flags);
char *postern_maildir_publish (PosternMaildir *self, const char *tmp_name, const char *id,
                               PosternLock lock, const char *flags, GError **error);
gboolean postern_maildir_sync (PosternMaildir *self, GError **error);
GPtrArray *postern_maildir_scan (PosternMaildir *self, GError **error);
char *postern_maildir_get_stamp (PosternMaildir *self);
char *postern_maildir_file_path (PosternMaildir *self, const char *file);
void postern_maildir_clean_tmp (PosternMaildir *self);

char *postern_maildir_file_flags (const char *file);
PosternLock postern_maildir_file_lock (const char *file);

G_END_DECLS
