/* postern-session.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "postern-folder-item.h"
#include "postern-session.h"

struct _PosternSession
{
  GObject parent_instance;
  PosternProfile *profile;
  GListStore *accounts; /* PosternAccount */
  PosternRouter *router;
  GMutex lock; /* held by whichever worker uses the store */
};

G_DEFINE_FINAL_TYPE (PosternSession, postern_session, G_TYPE_OBJECT)

enum
{
  FOLDER_CHANGED,
  ACCOUNTS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
postern_session_dispose (GObject *object)
{
  PosternSession *self = POSTERN_SESSION (object);

  g_clear_object (&self->router);
  g_clear_object (&self->accounts);
  g_clear_object (&self->profile);
  G_OBJECT_CLASS (postern_session_parent_class)->dispose (object);
}

static void
postern_session_finalize (GObject *object)
{
  PosternSession *self = POSTERN_SESSION (object);

  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (postern_session_parent_class)->finalize (object);
}

static void
postern_session_class_init (PosternSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = postern_session_dispose;
  object_class->finalize = postern_session_finalize;

  /**
   * PosternSession::folder-changed:
   * @folder: the folder whose messages changed
   *
   * Emitted on the main loop after the session itself added or removed
   * mail in @folder (a draft saved, a message queued or sent).
   */
  signals[FOLDER_CHANGED]
    = g_signal_new ("folder-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * PosternSession::accounts-changed:
   *
   * Emitted when an account was added.
   */
  signals[ACCOUNTS_CHANGED] = g_signal_new ("accounts-changed", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
postern_session_init (PosternSession *self)
{
  g_mutex_init (&self->lock);
  self->accounts = g_list_store_new (POSTERN_TYPE_ACCOUNT);
}

static void
reload_accounts (PosternSession *self)
{
  g_autoptr (GPtrArray) accounts = postern_profile_list_accounts (self->profile, NULL);

  g_list_store_remove_all (self->accounts);
  if (accounts != NULL)
    for (guint i = 0; i < accounts->len; i++)
      g_list_store_append (self->accounts, accounts->pdata[i]);
  g_clear_object (&self->router);
  self->router = postern_router_new (self->profile, postern_session_get_default_account (self));
}

/* Opening reads the accounts and brings the index up to date with the
 * Maildirs, which can take a while on a big store: a worker does it. */
static void
open_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  g_autoptr (PosternSession) self = g_object_new (POSTERN_TYPE_SESSION, NULL);
  const char *path = task_data;
  gboolean create = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "create"));

  self->profile = postern_profile_open (path, create, &error);
  if (self->profile == NULL || postern_profile_get_store (self->profile, &error) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  reload_accounts (self);
  g_task_return_pointer (task, g_steal_pointer (&self), g_object_unref);
}

/**
 * postern_session_open_async:
 * @path: (nullable): the profile folder, or %NULL for the default one
 * @create: whether a missing profile is created
 *
 * Opens the profile and its store in a worker.
 */
void
postern_session_open_async (const char *path, gboolean create, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_session_open_async);
  g_task_set_task_data (task, path ? g_strdup (path) : postern_profile_default_path (), g_free);
  g_object_set_data (G_OBJECT (task), "create", GINT_TO_POINTER (create));
  g_task_run_in_thread (task, open_thread);
}

PosternSession *
postern_session_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

PosternProfile *
postern_session_get_profile (PosternSession *self)
{
  g_return_val_if_fail (POSTERN_IS_SESSION (self), NULL);
  return self->profile;
}

const char *
postern_session_get_path (PosternSession *self)
{
  g_return_val_if_fail (POSTERN_IS_SESSION (self), NULL);
  return postern_profile_get_path (self->profile);
}

GListModel *
postern_session_get_accounts (PosternSession *self)
{
  g_return_val_if_fail (POSTERN_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->accounts);
}

/**
 * postern_session_get_default_account:
 *
 * Returns: (transfer none) (nullable): the first account, which sends
 *   unless the user picks another
 */
PosternAccount *
postern_session_get_default_account (PosternSession *self)
{
  g_autoptr (PosternAccount) first = NULL;

  g_return_val_if_fail (POSTERN_IS_SESSION (self), NULL);
  first = g_list_model_get_item (G_LIST_MODEL (self->accounts), 0);
  return first; /* the list store keeps it alive */
}

PosternRouter *
postern_session_get_router (PosternSession *self)
{
  g_return_val_if_fail (POSTERN_IS_SESSION (self), NULL);
  return self->router;
}

/* Writing accounts.ini is one small keyfile, short enough for the main
 * loop; the lock keeps it from racing a worker that reads accounts. */
gboolean
postern_session_add_account (PosternSession *self, PosternAccount *account, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (POSTERN_IS_SESSION (self), FALSE);
  g_return_val_if_fail (POSTERN_IS_ACCOUNT (account), FALSE);

  g_mutex_lock (&self->lock);
  ok = postern_profile_add_account (self->profile, account, error);
  g_mutex_unlock (&self->lock);
  if (ok)
    {
      reload_accounts (self);
      g_signal_emit (self, signals[ACCOUNTS_CHANGED], 0);
    }
  return ok;
}

/* ------------------------------------------------------------------------
 * Jobs: one piece of store work in a worker, under the lock. The outer
 * task is what the caller sees; the inner one runs the job and comes back
 * to the main loop, where folder-changed is emitted before the caller's
 * callback runs.
 */

typedef gpointer (*JobFunc) (PosternSession *self, PosternStore *store, gpointer data,
                             GPtrArray *changed, GError **error);

typedef struct
{
  JobFunc func;
  gpointer data;
  GDestroyNotify data_free;
  GDestroyNotify result_free;
  GPtrArray *changed; /* folder names */
} Job;

static void
job_free (Job *job)
{
  if (job->data_free != NULL)
    g_clear_pointer (&job->data, job->data_free);
  g_clear_pointer (&job->changed, g_ptr_array_unref);
  g_free (job);
}

static void
job_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PosternSession *self = source;
  Job *job = task_data;
  GError *error = NULL;
  PosternStore *store;
  gpointer result = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  g_mutex_lock (&self->lock);
  store = postern_profile_get_store (self->profile, &error);
  if (store != NULL)
    result = job->func (self, store, job->data, job->changed, &error);
  g_mutex_unlock (&self->lock);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, job->result_free);
}

static void
job_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PosternSession *self = POSTERN_SESSION (source);
  g_autoptr (GTask) outer = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;
  gpointer value = g_task_propagate_pointer (G_TASK (result), &error);

  for (guint i = 0; i < job->changed->len; i++)
    g_signal_emit (self, signals[FOLDER_CHANGED], 0, (const char *) job->changed->pdata[i]);
  if (error != NULL)
    g_task_return_error (outer, error);
  else
    g_task_return_pointer (outer, value, job->result_free);
}

static void
run_job (PosternSession *self, gpointer source_tag, JobFunc func, gpointer data,
         GDestroyNotify data_free, GDestroyNotify result_free, GCancellable *cancellable,
         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) outer = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GTask) inner = g_task_new (self, cancellable, job_done, g_object_ref (outer));
  Job *job = g_new0 (Job, 1);

  g_task_set_source_tag (outer, source_tag);
  g_task_set_source_tag (inner, run_job);
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->result_free = result_free;
  job->changed = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (inner, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (inner, job_thread);
}

static gpointer
finish_pointer (PosternSession *self, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- folders ---------------------------------------------------------- */

static const char *const standard_folders[] = {
  POSTERN_STORE_INBOX, POSTERN_STORE_DRAFTS, POSTERN_STORE_OUTBOX, POSTERN_STORE_SENT, NULL,
};

static gpointer
list_folders_job (PosternSession *self, PosternStore *store, gpointer data, GPtrArray *changed,
                  GError **error)
{
  g_auto (GStrv) on_disk = NULL;
  GPtrArray *folders = g_ptr_array_new_with_free_func (g_object_unref);

  /* Another program may have delivered since the last look. */
  if (!postern_store_refresh (store, error))
    {
      g_ptr_array_unref (folders);
      return NULL;
    }
  on_disk = postern_store_list_folders (store);
  /* The standard folders first, in their usual order, then the others. */
  for (guint i = 0; standard_folders[i] != NULL; i++)
    g_ptr_array_add (
      folders, postern_folder_item_new (standard_folders[i],
                                        postern_store_count_unread (store, standard_folders[i]),
                                        postern_store_count (store, standard_folders[i])));
  for (guint i = 0; on_disk[i] != NULL; i++)
    if (!g_strv_contains (standard_folders, on_disk[i]))
      g_ptr_array_add (folders, postern_folder_item_new (
                                  on_disk[i], postern_store_count_unread (store, on_disk[i]),
                                  postern_store_count (store, on_disk[i])));
  return folders;
}

/**
 * postern_session_list_folders_async:
 *
 * Lists the folders with their unread and total counts; the result is a
 * #GPtrArray of #PosternFolderItem.
 */
void
postern_session_list_folders_async (PosternSession *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (POSTERN_IS_SESSION (self));
  run_job (self, postern_session_list_folders_async, list_folders_job, NULL, NULL,
           (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
postern_session_list_folders_finish (PosternSession *self, GAsyncResult *result, GError **error)
{
  return finish_pointer (self, result, postern_session_list_folders_async, error);
}

/* --- counting and listing ------------------------------------------- */

typedef struct
{
  char *folder;
  char *query;
  guint offset;
  guint limit;
} ListData;

static void
list_data_free (ListData *d)
{
  g_free (d->folder);
  g_free (d->query);
  g_free (d);
}

static gpointer
count_job (PosternSession *self, PosternStore *store, gpointer data, GPtrArray *changed,
           GError **error)
{
  ListData *d = data;
  return GSIZE_TO_POINTER ((gsize) postern_store_count (store, d->folder) + 1);
}

void
postern_session_count_async (PosternSession *self, const char *folder, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  ListData *d = g_new0 (ListData, 1);

  g_return_if_fail (POSTERN_IS_SESSION (self));
  d->folder = g_strdup (folder);
  run_job (self, postern_session_count_async, count_job, d, (GDestroyNotify) list_data_free, NULL,
           cancellable, callback, user_data);
}

/* Returns the count, or -1 with @error set. */
gssize
postern_session_count_finish (PosternSession *self, GAsyncResult *result, GError **error)
{
  /* The job returns count + 1 so that 0 is not mistaken for NULL. */
  gpointer value = finish_pointer (self, result, postern_session_count_async, error);
  return value == NULL ? -1 : (gssize) GPOINTER_TO_SIZE (value) - 1;
}

static gpointer
list_job (PosternSession *self, PosternStore *store, gpointer data, GPtrArray *changed,
          GError **error)
{
  ListData *d = data;
  return postern_store_list (store, d->folder, d->offset, d->limit, error);
}

/**
 * postern_session_list_async:
 *
 * Reads one page of a folder's rows, newest first: a #GPtrArray of
 * #PosternMessageRow.
 */
void
postern_session_list_async (PosternSession *self, const char *folder, guint offset, guint limit,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  ListData *d = g_new0 (ListData, 1);

  g_return_if_fail (POSTERN_IS_SESSION (self));
  g_return_if_fail (limit > 0);
  d->folder = g_strdup (folder);
  d->offset = offset;
  d->limit = limit;
  run_job (self, postern_session_list_async, list_job, d, (GDestroyNotify) list_data_free,
           (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
postern_session_list_finish (PosternSession *self, GAsyncResult *result, GError **error)
{
  return finish_pointer (self, result, postern_session_list_async, error);
}

static gpointer
search_job (PosternSession *self, PosternStore *store, gpointer data, GPtrArray *changed,
            GError **error)
{
  ListData *d = data;
  return postern_store_search (store, d->query, d->limit, error);
}

void
postern_session_search_async (PosternSession *self, const char *query, guint limit,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  ListData *d = g_new0 (ListData, 1);

  g_return_if_fail (POSTERN_IS_SESSION (self));
  d->query = g_strdup (query);
  d->limit = limit;
  run_job (self, postern_session_search_async, search_job, d, (GDestroyNotify) list_data_free,
           (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
postern_session_search_finish (PosternSession *self, GAsyncResult *result, GError **error)
{
  return finish_pointer (self, result, postern_session_search_async, error);
}

/* --- reading one message -------------------------------------------- */

typedef struct
{
  char *id;
  char *folder;
  GBytes *bytes;
} MessageData;

static void
message_data_free (MessageData *d)
{
  g_free (d->id);
  g_free (d->folder);
  g_clear_pointer (&d->bytes, g_bytes_unref);
  g_free (d);
}

static gpointer
load_job (PosternSession *self, PosternStore *store, gpointer data, GPtrArray *changed,
          GError **error)
{
  MessageData *d = data;
  g_autoptr (PosternMessageRow) row = NULL;
  g_autoptr (GBytes) bytes = postern_store_load (store, d->id, d->folder, &row, error);

  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (PosternPgpMimeResult) opened = NULL;
  g_autoptr (GError) open_error = NULL;

  if (bytes == NULL)
    return NULL;
  /* Decrypting, verifying and parsing need no store; they still run here,
   * in the worker. A message the keyring cannot open is shown as stored. */
  keyring = postern_keyring_new_for_profile (self->profile);
  opened = postern_pgp_mime_decrypt_sync (keyring, bytes, NULL, &open_error);
  return postern_message_document_new_opened (opened, open_error, bytes, row);
}

void
postern_session_load_async (PosternSession *self, const char *id, const char *folder,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  MessageData *d = g_new0 (MessageData, 1);

  g_return_if_fail (POSTERN_IS_SESSION (self));
  d->id = g_strdup (id);
  d->folder = g_strdup (folder);
  run_job (self, postern_session_load_async, load_job, d, (GDestroyNotify) message_data_free,
           g_object_unref, cancellable, callback, user_data);
}

PosternMessageDocument *
postern_session_load_finish (PosternSession *self, GAsyncResult *result, GError **error)
{
  return finish_pointer (self, result, postern_session_load_async, error);
}

/* --- flags ------------------------------------------------------------ */

static gpointer
mark_seen_job (PosternSession *self, PosternStore *store, gpointer data, GPtrArray *changed,
               GError **error)
{
  MessageData *d = data;
  g_autoptr (PosternMessageRow) row
    = postern_index_lookup (postern_store_get_index (store), d->id, d->folder, error);
  g_autofree char *flags = NULL;
  g_autofree char *seen = NULL;

  if (row == NULL)
    return NULL;
  flags = postern_maildir_file_flags (row->file);
  if (strchr (flags, 'S') != NULL)
    return GINT_TO_POINTER (TRUE);
  seen = g_strconcat (flags, "S", NULL);
  /* Only flags change: no folder-changed, the lists keep their places. */
  if (!postern_store_set_flags (store, d->id, d->folder, seen, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

/**
 * postern_session_mark_seen_async:
 *
 * Marks a message seen (the Maildir S flag), keeping its other flags.
 */
void
postern_session_mark_seen_async (PosternSession *self, const char *id, const char *folder,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  MessageData *d = g_new0 (MessageData, 1);

  g_return_if_fail (POSTERN_IS_SESSION (self));
  d->id = g_strdup (id);
  d->folder = g_strdup (folder);
  run_job (self, postern_session_mark_seen_async, mark_seen_job, d,
           (GDestroyNotify) message_data_free, NULL, cancellable, callback, user_data);
}

gboolean
postern_session_mark_seen_finish (PosternSession *self, GAsyncResult *result, GError **error)
{
  return finish_pointer (self, result, postern_session_mark_seen_async, error) != NULL;
}

/* --- drafts ----------------------------------------------------------- */

static gpointer
save_draft_job (PosternSession *self, PosternStore *store, gpointer data, GPtrArray *changed,
                GError **error)
{
  MessageData *d = data;
  char *id = NULL;

  /* Drafts are seen mail: they never count as unread. */
  if (!postern_store_add (store, POSTERN_STORE_DRAFTS, d->bytes, "DS", POSTERN_LOCK_UNKNOWN, &id,
                          error))
    return NULL;
  if (d->id != NULL && g_strcmp0 (d->id, id) != 0)
    {
      g_autoptr (GError) local_error = NULL;
      if (!postern_store_remove (store, d->id, POSTERN_STORE_DRAFTS, &local_error))
        g_debug ("old draft %s not removed: %s", d->id, local_error->message);
    }
  g_ptr_array_add (changed, g_strdup (POSTERN_STORE_DRAFTS));
  return id;
}

/**
 * postern_session_save_draft_async:
 * @message: the draft as an RFC 5322 message
 * @replaces_id: (nullable): the id of the draft it replaces, removed once
 *   the new one is stored
 *
 * Stores a draft durably; finish returns its id.
 */
void
postern_session_save_draft_async (PosternSession *self, GBytes *message, const char *replaces_id,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  MessageData *d = g_new0 (MessageData, 1);

  g_return_if_fail (POSTERN_IS_SESSION (self));
  d->bytes = g_bytes_ref (message);
  d->id = g_strdup (replaces_id);
  run_job (self, postern_session_save_draft_async, save_draft_job, d,
           (GDestroyNotify) message_data_free, g_free, cancellable, callback, user_data);
}

char *
postern_session_save_draft_finish (PosternSession *self, GAsyncResult *result, GError **error)
{
  return finish_pointer (self, result, postern_session_save_draft_async, error);
}

static gpointer
discard_draft_job (PosternSession *self, PosternStore *store, gpointer data, GPtrArray *changed,
                   GError **error)
{
  MessageData *d = data;

  if (!postern_store_remove (store, d->id, POSTERN_STORE_DRAFTS, error))
    return NULL;
  g_ptr_array_add (changed, g_strdup (POSTERN_STORE_DRAFTS));
  return GINT_TO_POINTER (TRUE);
}

void
postern_session_discard_draft_async (PosternSession *self, const char *id,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  MessageData *d = g_new0 (MessageData, 1);

  g_return_if_fail (POSTERN_IS_SESSION (self));
  g_return_if_fail (id != NULL);
  d->id = g_strdup (id);
  run_job (self, postern_session_discard_draft_async, discard_draft_job, d,
           (GDestroyNotify) message_data_free, NULL, cancellable, callback, user_data);
}

gboolean
postern_session_discard_draft_finish (PosternSession *self, GAsyncResult *result, GError **error)
{
  return finish_pointer (self, result, postern_session_discard_draft_async, error) != NULL;
}

/* --- sending ---------------------------------------------------------- */

typedef struct
{
  GBytes *message;
  PosternAccount *account;
} SendData;

static void
send_data_free (SendData *d)
{
  g_clear_pointer (&d->message, g_bytes_unref);
  g_clear_object (&d->account);
  g_free (d);
}

static gpointer
send_job (PosternSession *self, PosternStore *store, gpointer data, GPtrArray *changed,
          GError **error)
{
  SendData *d = data;
  g_autoptr (PosternOutbox) outbox = postern_outbox_new (self->profile, d->account);
  g_autoptr (GBytes) prepared = NULL;
  g_autoptr (GPtrArray) routes = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GError) flush_error = NULL;
  g_autofree char *id = NULL;
  PosternOutboxResult *mine = NULL;

  prepared = postern_outbox_prepare (
    d->message, d->account ? postern_account_get_address (d->account) : NULL, error);
  if (prepared == NULL)
    return NULL;
  /* Durable first: once this returns the message survives a crash. */
  id = postern_outbox_enqueue (outbox, prepared, &routes, error);
  if (id == NULL)
    return NULL;
  g_ptr_array_add (changed, g_strdup (POSTERN_STORE_OUTBOX));

  results = postern_outbox_flush_sync (outbox, NULL, &flush_error);
  g_ptr_array_add (changed, g_strdup (POSTERN_STORE_SENT));
  g_ptr_array_add (changed, g_strdup (POSTERN_STORE_INBOX));
  for (guint i = 0; results != NULL && i < results->len; i++)
    {
      PosternOutboxResult *r = results->pdata[i];
      if (g_strcmp0 (r->id, id) == 0)
        mine = g_ptr_array_steal_index (results, i);
    }
  if (mine == NULL)
    {
      mine = g_new0 (PosternOutboxResult, 1);
      mine->id = g_steal_pointer (&id);
      mine->routes = g_steal_pointer (&routes);
      mine->error = flush_error ? g_steal_pointer (&flush_error)
                                : g_error_new_literal (POSTERN_ERROR, POSTERN_ERROR_FAILED,
                                                       _ ("the message stayed in the Outbox"));
    }
  return mine;
}

/**
 * postern_session_send_async:
 * @message: the composed message
 * @account: (nullable): the account that sends it
 *
 * Queues @message durably in the Outbox (refusing mixed transports) and
 * then flushes the Outbox. Finish fails only when nothing was queued; a
 * message that was queued but not yet sent comes back as a result whose
 * error says why, and it goes out on a later flush.
 */
void
postern_session_send_async (PosternSession *self, GBytes *message, PosternAccount *account,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  SendData *d = g_new0 (SendData, 1);

  g_return_if_fail (POSTERN_IS_SESSION (self));
  d->message = g_bytes_ref (message);
  d->account = account ? g_object_ref (account) : NULL;
  run_job (self, postern_session_send_async, send_job, d, (GDestroyNotify) send_data_free,
           (GDestroyNotify) postern_outbox_result_free, cancellable, callback, user_data);
}

PosternOutboxResult *
postern_session_send_finish (PosternSession *self, GAsyncResult *result, GError **error)
{
  return finish_pointer (self, result, postern_session_send_async, error);
}

static gpointer
retry_job (PosternSession *self, PosternStore *store, gpointer data, GPtrArray *changed,
           GError **error)
{
  g_autoptr (PosternOutbox) outbox = NULL;
  GPtrArray *results;

  if (postern_store_count (store, POSTERN_STORE_OUTBOX) == 0)
    return g_ptr_array_new ();
  outbox = postern_outbox_new (self->profile, data);
  results = postern_outbox_retry_sync (outbox, NULL, error);
  if (results != NULL && results->len > 0)
    {
      g_ptr_array_add (changed, g_strdup (POSTERN_STORE_OUTBOX));
      g_ptr_array_add (changed, g_strdup (POSTERN_STORE_SENT));
    }
  return results;
}

/**
 * postern_session_retry_async:
 * @account: (nullable): the account queued mail goes out for
 *
 * Tries the queued messages whose retry is due (postern-outbox-retry.h):
 * what the app does now and then on its own, so mail to an onion service
 * that was offline goes out once it is back.
 */
void
postern_session_retry_async (PosternSession *self, PosternAccount *account,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (POSTERN_IS_SESSION (self));
  run_job (self, postern_session_retry_async, retry_job, account ? g_object_ref (account) : NULL,
           account ? g_object_unref : NULL, (GDestroyNotify) g_ptr_array_unref, cancellable,
           callback, user_data);
}

/* Returns: (transfer full) (element-type PosternOutboxResult): one result
 *   per message tried. */
GPtrArray *
postern_session_retry_finish (PosternSession *self, GAsyncResult *result, GError **error)
{
  return finish_pointer (self, result, postern_session_retry_async, error);
}
