/* postern-maildir.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-maildir.h"

#define TMP_PREFIX "postern."

struct _PosternMaildir
{
  GObject parent_instance;
  char *path;
  char *tmp_dir;
  char *new_dir;
  char *cur_dir;
  gboolean touched_new;
  gboolean touched_cur;
};

G_DEFINE_FINAL_TYPE (PosternMaildir, postern_maildir, G_TYPE_OBJECT)

static void
postern_maildir_finalize (GObject *object)
{
  PosternMaildir *self = POSTERN_MAILDIR (object);

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->tmp_dir, g_free);
  g_clear_pointer (&self->new_dir, g_free);
  g_clear_pointer (&self->cur_dir, g_free);
  G_OBJECT_CLASS (postern_maildir_parent_class)->finalize (object);
}

static void
postern_maildir_class_init (PosternMaildirClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_maildir_finalize;
}

static void
postern_maildir_init (PosternMaildir *self)
{
}

PosternMaildir *
postern_maildir_new (const char *path)
{
  PosternMaildir *self = g_object_new (POSTERN_TYPE_MAILDIR, NULL);

  self->path = g_strdup (path);
  self->tmp_dir = g_build_filename (path, "tmp", NULL);
  self->new_dir = g_build_filename (path, "new", NULL);
  self->cur_dir = g_build_filename (path, "cur", NULL);
  return self;
}

const char *
postern_maildir_get_path (PosternMaildir *self)
{
  return self->path;
}

gboolean
postern_maildir_exists (PosternMaildir *self)
{
  return g_file_test (self->cur_dir, G_FILE_TEST_IS_DIR)
         && g_file_test (self->new_dir, G_FILE_TEST_IS_DIR);
}

gboolean
postern_maildir_ensure (PosternMaildir *self, GError **error)
{
  return postern_fs_mkdir_durable (self->tmp_dir, error)
         && postern_fs_mkdir_durable (self->new_dir, error)
         && postern_fs_mkdir_durable (self->cur_dir, error);
}

/* Writes @bytes to tmp/. With @sync the file is fsynced now; a batch passes
 * FALSE and makes all its files durable with one file-system sync. */
char *
postern_maildir_write_tmp (PosternMaildir *self, const char *id, GBytes *bytes, gboolean sync,
                           GError **error)
{
  g_autofree char *name = g_strdup_printf (TMP_PREFIX "%d.%s", (int) getpid (), id);
  g_autofree char *path = g_build_filename (self->tmp_dir, name, NULL);
  gsize len;
  const void *data = g_bytes_get_data (bytes, &len);
  int fd;

  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot create %s: %s", path,
                   g_strerror (errno));
      return NULL;
    }
  if (!postern_fs_write_all (fd, data, len, path, error))
    goto fail;
  if (sync && fsync (fd) != 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot fsync %s: %s", path,
                   g_strerror (errno));
      goto fail;
    }
  if (close (fd) != 0)
    {
      fd = -1;
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot write %s: %s", path,
                   g_strerror (errno));
      goto fail;
    }
  return g_steal_pointer (&name);

fail:
  if (fd >= 0)
    close (fd);
  g_unlink (path);
  return NULL;
}

/* The name, relative to the folder, of a message with this content id,
 * lock and flags: new/ID.LOCK.postern, or cur/ID.LOCK.postern:2,FLAGS once
 * it has flags. */
char *
postern_maildir_file_name (const char *id, PosternLock lock, const char *flags)
{
  g_autofree char *lock_name = g_ascii_strdown (postern_lock_to_string (lock), -1);

  if (flags != NULL && *flags != '\0')
    return g_strdup_printf ("cur/%s.%s.postern:2,%s", id, lock_name, flags);
  return g_strdup_printf ("new/%s.%s.postern", id, lock_name);
}

/* Moves a durable tmp/ file into new/ (no flags) or cur/ (with flags) and
 * returns its name relative to the folder, the one
 * postern_maildir_file_name() gives. */
char *
postern_maildir_publish (PosternMaildir *self, const char *tmp_name, const char *id,
                         PosternLock lock, const char *flags, GError **error)
{
  g_autofree char *from = g_build_filename (self->tmp_dir, tmp_name, NULL);
  g_autofree char *rel = postern_maildir_file_name (id, lock, flags);
  g_autofree char *to = g_build_filename (self->path, rel, NULL);

  if (rename (from, to) != 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot move %s to %s: %s", from, to,
                   g_strerror (errno));
      return NULL;
    }
  if (g_str_has_prefix (rel, "cur/"))
    self->touched_cur = TRUE;
  else
    self->touched_new = TRUE;
  return g_steal_pointer (&rel);
}

/* Makes the renames since the last call durable. */
gboolean
postern_maildir_sync (PosternMaildir *self, GError **error)
{
  if (self->touched_new && !postern_fs_fsync_path (self->new_dir, TRUE, error))
    return FALSE;
  if (self->touched_cur && !postern_fs_fsync_path (self->cur_dir, TRUE, error))
    return FALSE;
  self->touched_new = self->touched_cur = FALSE;
  return TRUE;
}

static gboolean
scan_dir (const char *dir, const char *sub, GPtrArray *out, GError **error)
{
  DIR *d = opendir (dir);
  struct dirent *entry;

  if (d == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot read folder %s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  while ((entry = readdir (d)) != NULL)
    {
      if (entry->d_name[0] == '.')
        continue;
      if (entry->d_type != DT_REG && entry->d_type != DT_UNKNOWN)
        continue;
      g_ptr_array_add (out, g_strconcat (sub, "/", entry->d_name, NULL));
    }
  closedir (d);
  return TRUE;
}

GPtrArray *
postern_maildir_scan (PosternMaildir *self, GError **error)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  if (!scan_dir (self->new_dir, "new", files, error) || !scan_dir (self->cur_dir, "cur", files, error))
    return NULL;
  return g_steal_pointer (&files);
}

/* What changes whenever a file is added to, removed from or renamed in the
 * folder: the modification times of new/ and cur/. */
char *
postern_maildir_get_stamp (PosternMaildir *self)
{
  struct stat a = { 0 }, b = { 0 };

  if (stat (self->new_dir, &a) != 0 || stat (self->cur_dir, &b) != 0)
    return g_strdup ("missing");
  return g_strdup_printf ("%lld.%09ld:%lld.%09ld", (long long) a.st_mtim.tv_sec,
                          a.st_mtim.tv_nsec, (long long) b.st_mtim.tv_sec, b.st_mtim.tv_nsec);
}

char *
postern_maildir_file_path (PosternMaildir *self, const char *file)
{
  return g_build_filename (self->path, file, NULL);
}

/* Removes what a killed Postern left in tmp/. Other programs' files and
 * those of a Postern still running are left alone. */
void
postern_maildir_clean_tmp (PosternMaildir *self)
{
  DIR *d = opendir (self->tmp_dir);
  struct dirent *entry;

  if (d == NULL)
    return;
  while ((entry = readdir (d)) != NULL)
    {
      const char *name = entry->d_name;
      char *end = NULL;
      long pid;

      if (!g_str_has_prefix (name, TMP_PREFIX))
        continue;
      pid = strtol (name + strlen (TMP_PREFIX), &end, 10);
      if (end == NULL || *end != '.' || pid <= 0)
        continue;
      if (pid == getpid () || kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        continue;
      {
        g_autofree char *path = g_build_filename (self->tmp_dir, name, NULL);
        g_unlink (path);
      }
    }
  closedir (d);
}

/* "cur/NAME:2,RS" → "RS"; files in new/ or without info have no flags. */
char *
postern_maildir_file_flags (const char *file)
{
  const char *info = strstr (file, ":2,");
  return g_strdup (info != NULL ? info + 3 : "");
}

/* The lock level Postern recorded in its own file names; files other
 * programs delivered have none. */
PosternLock
postern_maildir_file_lock (const char *file)
{
  g_autofree char *base = g_path_get_basename (file);
  char *colon = strchr (base, ':');
  char **parts;
  PosternLock lock = POSTERN_LOCK_UNKNOWN;
  guint n;

  if (colon != NULL)
    *colon = '\0';
  parts = g_strsplit (base, ".", -1);
  n = g_strv_length (parts);
  if (n == 3 && g_str_equal (parts[2], "postern"))
    postern_lock_from_string (parts[1], &lock);
  g_strfreev (parts);
  return lock;
}
