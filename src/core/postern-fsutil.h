/* postern-fsutil.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Durable file primitives. Every write the store makes goes through these so
 * that "stored" always means "on disk": the file is fsynced, then the folder
 * that names it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean postern_fs_write_all (int fd, const void *data, gsize len, const char *what,
                               GError **error);
gboolean postern_fs_fsync_path (const char *path, gboolean is_dir, GError **error);
gboolean postern_fs_sync_filesystem (const char *path, GError **error);
gboolean postern_fs_mkdir_durable (const char *path, GError **error);
gboolean postern_fs_write_file_durable (const char *path, const void *data, gsize len,
                                        GError **error);
gboolean postern_fs_read_file (const char *path, GBytes **out_bytes, GError **error);

G_END_DECLS
