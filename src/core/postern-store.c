/* postern-store.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-maildir.h"
#include "postern-message-info.h"
#include "postern-store.h"

/* Marks a folder whose files are being renamed; an index that still says so
 * when the store is opened was interrupted and is checked against disk. */
#define STAMP_DIRTY "dirty"

struct _PosternStore
{
  GObject parent_instance;
  char *root;
  PosternIndex *index;
  GHashTable *maildirs; /* folder name → PosternMaildir */
  int lock_fd;
  guint lock_depth;
  GThreadPool *pool;       /* parses the messages of a batch */
  GThreadPool *write_pool; /* writes them to tmp/ */
};

G_DEFINE_FINAL_TYPE (PosternStore, postern_store, G_TYPE_OBJECT)

void
postern_delivery_clear (PosternDelivery *delivery)
{
  g_clear_pointer (&delivery->id, g_free);
}

static void
postern_store_finalize (GObject *object)
{
  PosternStore *self = POSTERN_STORE (object);

  /* Every batch waits for its jobs, so none is left running here. */
  if (self->pool != NULL)
    g_thread_pool_free (self->pool, FALSE, TRUE);
  if (self->write_pool != NULL)
    g_thread_pool_free (self->write_pool, FALSE, TRUE);
  g_clear_object (&self->index);
  g_clear_pointer (&self->maildirs, g_hash_table_unref);
  g_clear_pointer (&self->root, g_free);
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  G_OBJECT_CLASS (postern_store_parent_class)->finalize (object);
}

static void
postern_store_class_init (PosternStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_store_finalize;
}

static void
postern_store_init (PosternStore *self)
{
  self->lock_fd = -1;
  self->maildirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

static gboolean
lock_store (PosternStore *self, GError **error)
{
  if (self->lock_depth++ > 0)
    return TRUE;
  while (flock (self->lock_fd, LOCK_EX) != 0)
    if (errno != EINTR)
      {
        self->lock_depth--;
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot lock the store %s: %s",
                     self->root, g_strerror (errno));
        return FALSE;
      }
  return TRUE;
}

static void
unlock_store (PosternStore *self)
{
  g_assert (self->lock_depth > 0);
  if (--self->lock_depth == 0)
    flock (self->lock_fd, LOCK_UN);
}

gboolean
postern_store_folder_name_is_valid (const char *folder)
{
  if (folder == NULL || *folder == '\0' || *folder == '.' || strlen (folder) > 200)
    return FALSE;
  if (!g_utf8_validate (folder, -1, NULL))
    return FALSE;
  for (const char *p = folder; *p; p++)
    if (*p == '/' || *p == '\\' || (guchar) *p < 0x20)
      return FALSE;
  return TRUE;
}

static PosternMaildir *
get_maildir (PosternStore *self, const char *folder)
{
  PosternMaildir *md = g_hash_table_lookup (self->maildirs, folder);

  if (md == NULL)
    {
      g_autofree char *path = g_build_filename (self->root, folder, NULL);
      md = postern_maildir_new (path);
      g_hash_table_insert (self->maildirs, g_strdup (folder), md);
    }
  return md;
}

gboolean
postern_store_ensure_folder (PosternStore *self, const char *folder, GError **error)
{
  PosternMaildir *md;

  if (!postern_store_folder_name_is_valid (folder))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "invalid folder name \"%s\"",
                   folder);
      return FALSE;
    }
  md = get_maildir (self, folder);
  return postern_maildir_exists (md) || postern_maildir_ensure (md, error);
}

static char **
folders_on_disk (PosternStore *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GDir) dir = g_dir_open (self->root, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *cur = g_build_filename (self->root, name, "cur", NULL);
        if (postern_store_folder_name_is_valid (name) && g_file_test (cur, G_FILE_TEST_IS_DIR))
          g_strv_builder_add (builder, name);
      }
  return g_strv_builder_end (builder);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char **
postern_store_list_folders (PosternStore *self)
{
  char **folders = folders_on_disk (self);
  qsort (folders, g_strv_length (folders), sizeof (char *), compare_strings);
  return folders;
}

/* Brings the index rows of one folder in line with the files on disk. */
static gboolean
reconcile_folder (PosternStore *self, const char *folder, GError **error)
{
  PosternMaildir *md = get_maildir (self, folder);
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GHashTable) indexed = NULL;
  g_autoptr (GHashTable) on_disk = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *stamp = NULL;
  GHashTableIter iter;
  gpointer key;

  postern_maildir_clean_tmp (md);
  stamp = postern_maildir_get_stamp (md);
  files = postern_maildir_scan (md, error);
  if (files == NULL)
    return FALSE;
  indexed = postern_index_files_in_folder (self->index, folder, error);
  if (indexed == NULL)
    return FALSE;

  if (!postern_index_begin (self->index, error))
    return FALSE;

  /* Rows whose files are gone go first: a message another program renamed
   * (new/X to cur/X:2,S when it was read) is then found again under its
   * new name instead of being taken for a copy of itself. */
  for (guint i = 0; i < files->len; i++)
    g_hash_table_add (on_disk, files->pdata[i]);
  g_hash_table_iter_init (&iter, indexed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (on_disk, key)
        && !postern_index_remove_file (self->index, folder, key, error))
      goto fail;

  for (guint i = 0; i < files->len; i++)
    {
      const char *file = files->pdata[i];
      g_autofree char *path = NULL;
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (PosternMessageInfo) info = NULL;
      g_autoptr (GError) read_error = NULL;
      gsize len;
      const void *data;

      if (g_hash_table_contains (indexed, file))
        continue;

      path = postern_maildir_file_path (md, file);
      if (!postern_fs_read_file (path, &bytes, &read_error))
        {
          /* Renamed away by another client while we looked: the next
           * refresh sees it under its new name. */
          g_debug ("skipping %s: %s", path, read_error->message);
          continue;
        }
      data = g_bytes_get_data (bytes, &len);
      info = postern_message_info_parse (data, len);
      /* The same content twice in one folder (another program delivered a
       * copy) is indexed once. */
      if (postern_index_contains (self->index, folder, info->id))
        continue;
      if (!postern_index_insert (self->index, folder, file, info,
                                 postern_maildir_file_lock (file), error))
        goto fail;
    }

  if (!postern_index_set_folder_stamp (self->index, folder, stamp, error))
    goto fail;
  return postern_index_commit (self->index, error);

fail:
  postern_index_rollback (self->index);
  return FALSE;
}

static gboolean
folder_is_current (PosternStore *self, const char *folder)
{
  g_autofree char *recorded = NULL;
  g_autofree char *now = NULL;

  if (!postern_index_get_folder_stamp (self->index, folder, &recorded))
    return FALSE;
  now = postern_maildir_get_stamp (get_maildir (self, folder));
  return g_strcmp0 (recorded, now) == 0;
}

/* Checks every folder against the index and re-reads those that changed
 * behind its back (another program, or an interrupted Postern). */
gboolean
postern_store_refresh (PosternStore *self, GError **error)
{
  g_auto (GStrv) disk = NULL;
  g_auto (GStrv) known = NULL;
  gboolean ok = TRUE;

  if (!lock_store (self, error))
    return FALSE;

  disk = folders_on_disk (self);
  for (guint i = 0; ok && disk[i] != NULL; i++)
    {
      /* A Postern killed while writing leaves files in tmp/ even when it
       * never got as far as touching the index. */
      postern_maildir_clean_tmp (get_maildir (self, disk[i]));
      if (!folder_is_current (self, disk[i]))
        ok = reconcile_folder (self, disk[i], error);
    }

  known = postern_index_list_folders (self->index);
  for (guint i = 0; ok && known[i] != NULL; i++)
    if (!g_strv_contains ((const char *const *) disk, known[i]))
      ok = postern_index_forget_folder (self->index, known[i], error);

  unlock_store (self);
  return ok;
}

PosternStore *
postern_store_open (const char *root, const char *index_path, GError **error)
{
  g_autoptr (PosternStore) self = g_object_new (POSTERN_TYPE_STORE, NULL);
  g_autofree char *lock_path = NULL;

  postern_core_init ();
  self->root = g_strdup (root);
  if (!postern_fs_mkdir_durable (root, error))
    return NULL;

  lock_path = g_build_filename (root, ".lock", NULL);
  self->lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (self->lock_fd < 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot open %s: %s", lock_path,
                   g_strerror (errno));
      return NULL;
    }

  self->index = postern_index_open (index_path, NULL, error);
  if (self->index == NULL)
    return NULL;
  if (!postern_store_refresh (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

PosternIndex *
postern_store_get_index (PosternStore *self)
{
  return self->index;
}

static gboolean
set_current_stamp (PosternStore *self, const char *folder, GError **error)
{
  g_autofree char *stamp = postern_maildir_get_stamp (get_maildir (self, folder));
  return postern_index_set_folder_stamp (self->index, folder, stamp, error);
}

static gboolean
mark_dirty (PosternStore *self, const char *const *folders, GError **error)
{
  if (!postern_index_begin (self->index, error))
    return FALSE;
  for (guint i = 0; folders[i] != NULL; i++)
    if (!postern_index_set_folder_stamp (self->index, folders[i], STAMP_DIRTY, error))
      {
        postern_index_rollback (self->index);
        return FALSE;
      }
  return postern_index_commit (self->index, error);
}

/* A batch is worked on by two sides at once: the store's thread pools hash
 * and parse each message and write it to tmp/, while the calling thread,
 * the only one that touches the index, checks each parsed message against
 * the folder and adds its rows to a transaction that is committed only once
 * the files are durable in new/ or cur/. */
typedef enum
{
  JOB_PARSE,
  JOB_WRITE,
} JobKind;

typedef struct _Batch Batch;

typedef struct
{
  Batch *batch;
  PosternDelivery *delivery;
  JobKind job;
  gboolean done;       /* the job has finished; guarded by batch->lock */
  gboolean wanted;     /* not yet in the folder, nor earlier in the batch */
  PosternMessageInfo *info;
  char *tmp_name;
  char *file;
  GError *error;       /* from writing to tmp/ */
} Pending;

struct _Batch
{
  PosternMaildir *md;
  GMutex lock;
  GCond cond;
  guint outstanding;   /* jobs handed to the pool and not yet done */
  gboolean use_pool;   /* a single message is not worth a thread */
};

static void
pending_clear (Pending *p)
{
  g_clear_pointer (&p->info, postern_message_info_free);
  g_clear_pointer (&p->tmp_name, g_free);
  g_clear_pointer (&p->file, g_free);
  g_clear_error (&p->error);
}

static void
run_job (Pending *p)
{
  Batch *b = p->batch;

  if (p->job == JOB_PARSE)
    {
      gsize len;
      const void *data = g_bytes_get_data (p->delivery->bytes, &len);
      p->info = postern_message_info_parse (data, len);
    }
  else
    /* A lone message is fsynced here; a batch is made durable by one
     * syncfs() once all of it is written. */
    p->tmp_name = postern_maildir_write_tmp (b->md, p->info->id, p->delivery->bytes,
                                             !b->use_pool, &p->error);
}

static void
pool_run_job (gpointer data, gpointer user_data)
{
  Pending *p = data;
  Batch *b = p->batch;

  run_job (p);
  g_mutex_lock (&b->lock);
  p->done = TRUE;
  b->outstanding--;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
}

/* Runs @p's job on the pool, or right here for a single message. */
static void
submit (PosternStore *self, Pending *p, JobKind job)
{
  Batch *b = p->batch;

  p->job = job;
  p->done = FALSE;
  if (!b->use_pool)
    {
      run_job (p);
      p->done = TRUE;
      return;
    }
  g_mutex_lock (&b->lock);
  b->outstanding++;
  g_mutex_unlock (&b->lock);
  /* Writes have threads of their own: queued behind the parsing of the
   * whole batch they would all wait for its end, and the batch with them. */
  g_thread_pool_push (job == JOB_WRITE ? self->write_pool : self->pool, p, NULL);
}

static void
wait_done (Pending *p)
{
  Batch *b = p->batch;

  g_mutex_lock (&b->lock);
  while (!p->done)
    g_cond_wait (&b->cond, &b->lock);
  g_mutex_unlock (&b->lock);
}

static void
wait_all (Batch *b)
{
  g_mutex_lock (&b->lock);
  while (b->outstanding > 0)
    g_cond_wait (&b->cond, &b->lock);
  g_mutex_unlock (&b->lock);
}

static gboolean
deliver_locked (PosternStore *self, const char *folder, Batch *batch, Pending *items,
                guint n_items, GError **error)
{
  PosternMaildir *md = batch->md;
  g_autoptr (GHashTable) in_batch = g_hash_table_new (g_str_hash, g_str_equal);
  const char *dirty[] = { folder, NULL };
  g_autofree char *stamp = NULL;
  guint n_wanted = 0;

  for (guint i = 0; i < n_items; i++)
    submit (self, &items[i], JOB_PARSE);

  /* A lone message that is already here costs no write at all. */
  if (n_items == 1 && postern_index_contains (self->index, folder, items[0].info->id))
    {
      g_free (items[0].delivery->id);
      items[0].delivery->id = g_strdup (items[0].info->id);
      items[0].delivery->stored = FALSE;
      return TRUE;
    }

  /* The mark goes first so the index rows can be added while the files are
   * still being written; it only has to be durable before the renames. */
  if (!mark_dirty (self, dirty, error) || !postern_index_begin (self->index, error))
    goto fail;

  for (guint i = 0; i < n_items; i++)
    {
      Pending *p = &items[i];
      PosternDelivery *d = p->delivery;

      wait_done (p);
      g_free (d->id);
      d->id = g_strdup (p->info->id);
      d->stored = FALSE;
      /* Same content means same Message-ID and same bytes: already here. */
      if (postern_index_contains (self->index, folder, p->info->id)
          || g_hash_table_contains (in_batch, p->info->id))
        continue;
      g_hash_table_add (in_batch, p->info->id);
      p->wanted = TRUE;
      n_wanted++;
      p->file = postern_maildir_file_name (p->info->id, d->lock, d->flags);
      if (!postern_index_insert (self->index, folder, p->file, p->info, d->lock, error))
        goto fail;
      /* The text is in the index now; a big batch need not hold it all. */
      g_clear_pointer (&p->info->body_text, g_free);
      submit (self, p, JOB_WRITE);
    }

  wait_all (batch);
  for (guint i = 0; i < n_items; i++)
    if (items[i].error != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&items[i].error));
        goto fail;
      }
  if (batch->use_pool && n_wanted > 0)
    {
      g_autofree char *tmp_dir = g_build_filename (postern_maildir_get_path (md), "tmp", NULL);
      if (!postern_fs_sync_filesystem (tmp_dir, error))
        goto fail;
    }

  for (guint i = 0; i < n_items; i++)
    {
      Pending *p = &items[i];
      g_autofree char *file = NULL;

      if (!p->wanted)
        continue;
      file = postern_maildir_publish (md, p->tmp_name, p->info->id, p->delivery->lock,
                                      p->delivery->flags, error);
      if (file == NULL)
        goto fail;
      /* The row added above already names the file. */
      g_assert (g_str_equal (file, p->file));
      g_clear_pointer (&p->tmp_name, g_free);
    }
  if (!postern_maildir_sync (md, error))
    goto fail;

  /* From here on the mail is stored; the index only catches up. */
  stamp = postern_maildir_get_stamp (md);
  if (!postern_index_set_folder_stamp (self->index, folder, stamp, error)
      || !postern_index_commit (self->index, error))
    goto fail;
  for (guint i = 0; i < n_items; i++)
    items[i].delivery->stored = items[i].wanted;
  return TRUE;

fail:
  /* Files already renamed stay; the folder is still marked dirty, so the
   * next refresh indexes them. */
  wait_all (batch);
  postern_index_rollback (self->index);
  return FALSE;
}

/**
 * postern_store_deliver:
 * @self: the store
 * @folder: the folder to deliver into (created when missing)
 * @deliveries: (array length=n_deliveries): the messages
 * @n_deliveries: how many
 * @error: return location for a #GError
 *
 * Stores a batch of messages. Each one already in @folder (same content
 * hash, hence same Message-ID and bytes) is skipped with @stored FALSE.
 * When this returns %TRUE every message is on disk and fsynced.
 */
gboolean
postern_store_deliver (PosternStore *self, const char *folder, PosternDelivery *deliveries,
                       guint n_deliveries, GError **error)
{
  g_autofree Pending *items = NULL;
  Batch batch = { 0 };
  gboolean ok;

  g_return_val_if_fail (POSTERN_IS_STORE (self), FALSE);

  if (!postern_store_ensure_folder (self, folder, error) || !lock_store (self, error))
    return FALSE;

  /* Parsing is most of the work of a delivery; a batch spreads it over
   * every core. */
  batch.use_pool = n_deliveries > 1;
  if (batch.use_pool && self->pool == NULL)
    {
      self->pool = g_thread_pool_new (pool_run_job, NULL, (int) g_get_num_processors (), FALSE,
                                      NULL);
      self->write_pool = g_thread_pool_new (pool_run_job, NULL, 2, FALSE, NULL);
    }
  batch.md = get_maildir (self, folder);
  g_mutex_init (&batch.lock);
  g_cond_init (&batch.cond);
  items = g_new0 (Pending, n_deliveries);
  for (guint i = 0; i < n_deliveries; i++)
    {
      items[i].batch = &batch;
      items[i].delivery = &deliveries[i];
    }

  /* Another process may have delivered since we last looked. */
  ok = folder_is_current (self, folder) || reconcile_folder (self, folder, error);
  if (ok && n_deliveries > 0)
    ok = deliver_locked (self, folder, &batch, items, n_deliveries, error);

  for (guint i = 0; i < n_deliveries; i++)
    {
      Pending *p = &items[i];
      if (p->tmp_name != NULL)
        {
          g_autofree char *path
            = g_build_filename (self->root, folder, "tmp", p->tmp_name, NULL);
          g_unlink (path);
        }
      pending_clear (p);
    }
  g_mutex_clear (&batch.lock);
  g_cond_clear (&batch.cond);
  unlock_store (self);
  return ok;
}

gboolean
postern_store_add (PosternStore *self, const char *folder, GBytes *bytes, const char *flags,
                   PosternLock lock, char **out_id, GError **error)
{
  PosternDelivery d = { bytes, flags, lock, NULL, FALSE };
  gboolean ok = postern_store_deliver (self, folder, &d, 1, error);

  if (ok && out_id != NULL)
    *out_id = g_steal_pointer (&d.id);
  postern_delivery_clear (&d);
  return ok;
}

static PosternMessageRow *
lookup (PosternStore *self, const char *id, const char *folder, GError **error)
{
  if (id == NULL || strlen (id) < 4)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "invalid message id \"%s\"",
                   id ? id : "");
      return NULL;
    }
  return postern_index_lookup (self->index, id, folder, error);
}

GBytes *
postern_store_load (PosternStore *self, const char *id, const char *folder,
                    PosternMessageRow **out_row, GError **error)
{
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr (PosternMessageRow) row = lookup (self, id, folder, error);
      g_autofree char *path = NULL;
      g_autoptr (GError) read_error = NULL;
      GBytes *bytes = NULL;

      if (row == NULL)
        return NULL;
      path = postern_maildir_file_path (get_maildir (self, row->folder), row->file);
      if (postern_fs_read_file (path, &bytes, &read_error))
        {
          if (out_row != NULL)
            *out_row = g_steal_pointer (&row);
          return bytes;
        }
      if (attempt == 1 || !postern_store_refresh (self, NULL))
        {
          g_propagate_error (error, g_steal_pointer (&read_error));
          return NULL;
        }
    }
  g_assert_not_reached ();
}

/**
 * postern_store_move:
 *
 * Moves a message between folders with one atomic rename, so at every
 * instant it is in exactly one of them; both folders are fsynced before
 * this returns.
 */
gboolean
postern_store_move (PosternStore *self, const char *id, const char *from_folder,
                    const char *to_folder, const char *flags, GError **error)
{
  g_autoptr (PosternMessageRow) row = NULL;
  g_autofree char *from_path = NULL;
  g_autofree char *to_path = NULL;
  g_autofree char *to_file = NULL;
  g_autofree char *lock_name = NULL;
  PosternMaildir *from_md, *to_md;
  const char *dirty[] = { from_folder, to_folder, NULL };
  gboolean ok = FALSE;

  if (!postern_store_ensure_folder (self, to_folder, error) || !lock_store (self, error))
    return FALSE;
  row = lookup (self, id, from_folder, error);
  if (row == NULL)
    goto out;

  from_md = get_maildir (self, from_folder);
  to_md = get_maildir (self, to_folder);
  lock_name = g_ascii_strdown (postern_lock_to_string (row->lock), -1);
  if (flags != NULL && *flags != '\0')
    to_file = g_strdup_printf ("cur/%s.%s.postern:2,%s", row->id, lock_name, flags);
  else
    to_file = g_strdup_printf ("new/%s.%s.postern", row->id, lock_name);
  from_path = postern_maildir_file_path (from_md, row->file);
  to_path = postern_maildir_file_path (to_md, to_file);

  if (!mark_dirty (self, dirty, error))
    goto out;
  if (rename (from_path, to_path) != 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot move %s to %s: %s", from_path,
                   to_path, g_strerror (errno));
      goto out;
    }
  {
    g_autofree char *to_dir = g_path_get_dirname (to_path);
    g_autofree char *from_dir = g_path_get_dirname (from_path);
    if (!postern_fs_fsync_path (to_dir, TRUE, error)
        || !postern_fs_fsync_path (from_dir, TRUE, error))
      goto out;
  }
  if (!postern_index_begin (self->index, error))
    goto out;
  /* When the target already held this message the rename replaced an
   * identical file, so only the source row goes. */
  if (postern_index_contains (self->index, to_folder, row->id))
    ok = postern_index_remove_file (self->index, from_folder, row->file, error);
  else
    ok = postern_index_move_file (self->index, from_folder, row->file, to_folder, to_file, error);
  ok = ok && set_current_stamp (self, from_folder, error)
       && set_current_stamp (self, to_folder, error);
  if (ok)
    ok = postern_index_commit (self->index, error);
  else
    postern_index_rollback (self->index);

out:
  unlock_store (self);
  return ok;
}

gboolean
postern_store_remove (PosternStore *self, const char *id, const char *folder, GError **error)
{
  g_autoptr (PosternMessageRow) row = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  gboolean ok = FALSE;

  if (!lock_store (self, error))
    return FALSE;
  row = lookup (self, id, folder, error);
  if (row == NULL)
    goto out;
  path = postern_maildir_file_path (get_maildir (self, row->folder), row->file);
  dir = g_path_get_dirname (path);
  {
    const char *dirty[] = { row->folder, NULL };
    if (!mark_dirty (self, dirty, error))
      goto out;
  }
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot remove %s: %s", path,
                   g_strerror (errno));
      goto out;
    }
  if (!postern_fs_fsync_path (dir, TRUE, error) || !postern_index_begin (self->index, error))
    goto out;
  ok = postern_index_remove_file (self->index, row->folder, row->file, error)
       && set_current_stamp (self, row->folder, error);
  if (ok)
    ok = postern_index_commit (self->index, error);
  else
    postern_index_rollback (self->index);
out:
  unlock_store (self);
  return ok;
}

GPtrArray *
postern_store_list (PosternStore *self, const char *folder, guint offset, guint limit,
                    GError **error)
{
  return postern_index_list (self->index, folder, offset, limit, error);
}

guint
postern_store_count (PosternStore *self, const char *folder)
{
  return postern_index_count (self->index, folder);
}

/**
 * postern_store_count_unread:
 * @self: the store
 * @folder: a folder name
 *
 * Counts the messages of @folder that are not marked seen: those in the
 * Maildir's new/ and those in cur/ without the S flag.
 *
 * Returns: the number of unread messages, 0 for an unknown folder
 */
guint
postern_store_count_unread (PosternStore *self, const char *folder)
{
  g_return_val_if_fail (POSTERN_IS_STORE (self), 0);
  return postern_index_count_unread (self->index, folder);
}

GPtrArray *
postern_store_search (PosternStore *self, const char *query, guint limit, GError **error)
{
  return postern_index_search (self->index, query, limit, error);
}

/* "SR" + "F" style flag strings: the letters Maildir knows, once each, in
 * ASCII order as the Maildir spec asks. */
static char *
normalize_flags (const char *flags)
{
  gboolean seen[128] = { FALSE };
  GString *out = g_string_new (NULL);

  for (const char *p = flags ? flags : ""; *p != '\0'; p++)
    if (g_ascii_isupper (*p))
      seen[(guchar) *p] = TRUE;
  for (guint c = 'A'; c <= 'Z'; c++)
    if (seen[c])
      g_string_append_c (out, (char) c);
  return g_string_free (out, FALSE);
}

/**
 * postern_store_set_flags:
 * @self: the store
 * @id: the message
 * @folder: the folder that holds it
 * @flags: the Maildir flags it gets, such as "S" (seen) or "FS"; they
 *   replace its flags
 * @error: return location for a #GError
 *
 * Sets a message's flags with one atomic rename inside its folder (into
 * cur/, as Maildir readers expect of mail that was looked at); the folder
 * is fsynced before this returns.
 */
gboolean
postern_store_set_flags (PosternStore *self, const char *id, const char *folder,
                         const char *flags, GError **error)
{
  g_autoptr (PosternMessageRow) row = NULL;
  g_autofree char *wanted = normalize_flags (flags);
  g_autofree char *have = NULL;
  g_autofree char *lock_name = NULL;
  g_autofree char *to_file = NULL;
  g_autofree char *from_path = NULL;
  g_autofree char *to_path = NULL;
  g_autofree char *dir = NULL;
  PosternMaildir *md;
  const char *dirty[] = { folder, NULL };
  gboolean ok = FALSE;

  g_return_val_if_fail (POSTERN_IS_STORE (self), FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);

  if (!lock_store (self, error))
    return FALSE;
  row = lookup (self, id, folder, error);
  if (row == NULL)
    goto out;
  have = postern_maildir_file_flags (row->file);
  if (g_str_has_prefix (row->file, "cur/") && g_str_equal (have, wanted))
    {
      ok = TRUE;
      goto out;
    }

  md = get_maildir (self, folder);
  lock_name = g_ascii_strdown (postern_lock_to_string (row->lock), -1);
  to_file = g_strdup_printf ("cur/%s.%s.postern:2,%s", row->id, lock_name, wanted);
  from_path = postern_maildir_file_path (md, row->file);
  to_path = postern_maildir_file_path (md, to_file);
  if (!mark_dirty (self, dirty, error))
    goto out;
  if (rename (from_path, to_path) != 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot rename %s to %s: %s",
                   from_path, to_path, g_strerror (errno));
      goto out;
    }
  dir = g_path_get_dirname (to_path);
  if (!postern_fs_fsync_path (dir, TRUE, error))
    goto out;
  if (!g_str_has_prefix (row->file, "cur/"))
    {
      g_autofree char *from_dir = g_path_get_dirname (from_path);
      if (!postern_fs_fsync_path (from_dir, TRUE, error))
        goto out;
    }
  if (!postern_index_begin (self->index, error))
    goto out;
  ok = postern_index_move_file (self->index, folder, row->file, folder, to_file, error)
       && set_current_stamp (self, folder, error);
  if (ok)
    ok = postern_index_commit (self->index, error);
  else
    postern_index_rollback (self->index);
out:
  unlock_store (self);
  return ok;
}
