/* postern-fsutil.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "postern-error.h"
#include "postern-fsutil.h"

static gboolean
set_errno_error (GError **error, int saved_errno, const char *what, const char *path)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "%s %s: %s", what, path,
               g_strerror (saved_errno));
  return FALSE;
}

gboolean
postern_fs_write_all (int fd, const void *data, gsize len, const char *what, GError **error)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return set_errno_error (error, errno, "cannot write", what);
        }
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

gboolean
postern_fs_fsync_path (const char *path, gboolean is_dir, GError **error)
{
  int fd = open (path, (is_dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0)
    return set_errno_error (error, errno, "cannot open", path);
  if (fsync (fd) != 0)
    {
      int saved = errno;
      close (fd);
      return set_errno_error (error, saved, "cannot fsync", path);
    }
  close (fd);
  return TRUE;
}

/* One syncfs() makes a whole batch of freshly written files durable for the
 * cost of a single journal commit, where per-file fsync() would pay one each. */
gboolean
postern_fs_sync_filesystem (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return set_errno_error (error, errno, "cannot open", path);
  if (syncfs (fd) != 0)
    {
      int saved = errno;
      close (fd);
      return set_errno_error (error, saved, "cannot sync the file system of", path);
    }
  close (fd);
  return TRUE;
}

gboolean
postern_fs_mkdir_durable (const char *path, GError **error)
{
  g_autofree char *parent = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return TRUE;

  parent = g_path_get_dirname (path);
  if (g_strcmp0 (parent, path) != 0 && !postern_fs_mkdir_durable (parent, error))
    return FALSE;

  if (g_mkdir (path, 0700) != 0 && errno != EEXIST)
    return set_errno_error (error, errno, "cannot create folder", path);

  return postern_fs_fsync_path (parent, TRUE, error);
}

gboolean
postern_fs_write_file_durable (const char *path, const void *data, gsize len, GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.tmp.%d", path, (int) getpid ());
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_errno_error (error, errno, "cannot create", tmp);
  if (!postern_fs_write_all (fd, data, len, tmp, error))
    goto fail;
  if (fsync (fd) != 0)
    {
      set_errno_error (error, errno, "cannot fsync", tmp);
      goto fail;
    }
  close (fd);
  fd = -1;
  if (rename (tmp, path) != 0)
    {
      set_errno_error (error, errno, "cannot rename into", path);
      goto fail;
    }
  return postern_fs_fsync_path (dir, TRUE, error);

fail:
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  return FALSE;
}

gboolean
postern_fs_read_file (const char *path, GBytes **out_bytes, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GMappedFile) mapped = g_mapped_file_new (path, FALSE, &local_error);

  if (mapped == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  *out_bytes = g_mapped_file_get_bytes (mapped);
  return TRUE;
}
