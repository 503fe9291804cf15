/* postern-imap-state.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>

#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-imap-state.h"

#define SCHEMA_VERSION "1"

struct _PosternImapState
{
  GObject parent_instance;
  sqlite3 *db;
  char *path;
};

G_DEFINE_FINAL_TYPE (PosternImapState, postern_imap_state, G_TYPE_OBJECT)

void
postern_imap_message_state_free (PosternImapMessageState *state)
{
  if (state == NULL)
    return;
  g_free (state->id);
  g_free (state->flags);
  g_free (state);
}

static void
postern_imap_state_finalize (GObject *object)
{
  PosternImapState *self = POSTERN_IMAP_STATE (object);

  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->path, g_free);
  G_OBJECT_CLASS (postern_imap_state_parent_class)->finalize (object);
}

static void
postern_imap_state_class_init (PosternImapStateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_imap_state_finalize;
}

static void
postern_imap_state_init (PosternImapState *self)
{
}

static gboolean
db_error (PosternImapState *self, GError **error, const char *what)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "sync state %s: %s: %s", self->path, what,
               sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec (PosternImapState *self, const char *sql, GError **error)
{
  char *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "sync state %s: %s", self->path,
                   msg ? msg : "unknown error");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare (PosternImapState *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      db_error (self, error, "prepare");
      return NULL;
    }
  return stmt;
}

static gboolean
step_done (PosternImapState *self, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return db_error (self, error, "write");
  return TRUE;
}

/**
 * postern_imap_state_path:
 *
 * Returns: (transfer full): where the sync state of @account lives:
 *   PROFILE/sync/ACCOUNT.sqlite
 */
char *
postern_imap_state_path (const char *profile_path, const char *account)
{
  g_autofree char *file = g_strconcat (account, ".sqlite", NULL);
  return g_build_filename (profile_path, "sync", file, NULL);
}

static const char schema_sql[]
  = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS folders (mailbox TEXT PRIMARY KEY,"
    "  uidvalidity INTEGER NOT NULL, uidnext INTEGER NOT NULL,"
    "  highestmodseq INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS messages (mailbox TEXT NOT NULL, uid INTEGER NOT NULL,"
    "  id TEXT NOT NULL, flags TEXT NOT NULL, PRIMARY KEY (mailbox, uid));"
    "INSERT OR IGNORE INTO meta VALUES ('schema', '" SCHEMA_VERSION "');";

/**
 * postern_imap_state_open:
 * @path: the state file (postern_imap_state_path()); its folder is created
 *
 * Unlike the index this is not a cache, so a file that cannot be read is
 * an error, never silently replaced.
 */
PosternImapState *
postern_imap_state_open (const char *path, GError **error)
{
  g_autoptr (PosternImapState) self = g_object_new (POSTERN_TYPE_IMAP_STATE, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  sqlite3_stmt *stmt;
  gboolean current = FALSE;

  self->path = g_strdup (path);
  if (!postern_fs_mkdir_durable (dir, error))
    return NULL;
  if (sqlite3_open_v2 (path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL)
      != SQLITE_OK)
    {
      db_error (self, error, "open");
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 10000);
  /* Each row is written right after the mail it describes was made
   * durable, and must be as durable before the sync goes on. */
  if (!exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", error)
      || !exec (self, schema_sql, error))
    return NULL;

  stmt = prepare (self, "SELECT value FROM meta WHERE key = 'schema'", error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    current = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), SCHEMA_VERSION) == 0;
  sqlite3_finalize (stmt);
  if (!current)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                   "sync state %s was written by another version of Postern", path);
      return NULL;
    }
  return g_steal_pointer (&self);
}

gboolean
postern_imap_state_begin (PosternImapState *self, GError **error)
{
  return exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
postern_imap_state_commit (PosternImapState *self, GError **error)
{
  return exec (self, "COMMIT", error);
}

void
postern_imap_state_rollback (PosternImapState *self)
{
  if (!sqlite3_get_autocommit (self->db))
    exec (self, "ROLLBACK", NULL);
}

gboolean
postern_imap_state_get_folder (PosternImapState *self, const char *mailbox,
                               PosternImapFolderState *out_state)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT uidvalidity, uidnext, highestmodseq FROM folders"
                          " WHERE mailbox = ?",
                          -1, &stmt, NULL)
      != SQLITE_OK)
    return FALSE;
  sqlite3_bind_text (stmt, 1, mailbox, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      out_state->uidvalidity = (guint32) sqlite3_column_int64 (stmt, 0);
      out_state->uidnext = (guint32) sqlite3_column_int64 (stmt, 1);
      out_state->highestmodseq = (guint64) sqlite3_column_int64 (stmt, 2);
      found = TRUE;
    }
  sqlite3_finalize (stmt);
  return found;
}

gboolean
postern_imap_state_set_folder (PosternImapState *self, const char *mailbox,
                               const PosternImapFolderState *state, GError **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "INSERT OR REPLACE INTO folders (mailbox, uidvalidity, uidnext,"
                                " highestmodseq) VALUES (?, ?, ?, ?)",
                                error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, mailbox, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, state->uidvalidity);
  sqlite3_bind_int64 (stmt, 3, state->uidnext);
  /* Mod-sequences are 63-bit (RFC 7162), so they fit SQLite's integers. */
  sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) MIN (state->highestmodseq, (guint64) G_MAXINT64));
  return step_done (self, stmt, error);
}

static gboolean
delete_messages (PosternImapState *self, const char *mailbox, GError **error)
{
  sqlite3_stmt *stmt = prepare (self, "DELETE FROM messages WHERE mailbox = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, mailbox, -1, SQLITE_TRANSIENT);
  return step_done (self, stmt, error);
}

/**
 * postern_imap_state_reset_folder:
 *
 * Starts @mailbox over under a new UIDVALIDITY: the UIDs it knew name
 * other messages now, or none.
 */
gboolean
postern_imap_state_reset_folder (PosternImapState *self, const char *mailbox,
                                 guint32 uidvalidity, GError **error)
{
  PosternImapFolderState state = { uidvalidity, 0, 0 };

  if (!postern_imap_state_begin (self, error))
    return FALSE;
  if (!delete_messages (self, mailbox, error)
      || !postern_imap_state_set_folder (self, mailbox, &state, error))
    {
      postern_imap_state_rollback (self);
      return FALSE;
    }
  return postern_imap_state_commit (self, error);
}

/* Drops what is known of mailboxes the server no longer lists. */
gboolean
postern_imap_state_forget_other_folders (PosternImapState *self, const char *const *keep,
                                         GError **error)
{
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = prepare (self, "SELECT mailbox FROM folders", error);

  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      if (name != NULL && !g_strv_contains (keep, name))
        g_ptr_array_add (gone, g_strdup (name));
    }
  sqlite3_finalize (stmt);
  if (gone->len == 0)
    return TRUE;

  if (!postern_imap_state_begin (self, error))
    return FALSE;
  for (guint i = 0; i < gone->len; i++)
    {
      sqlite3_stmt *del;

      if (!delete_messages (self, gone->pdata[i], error))
        goto fail;
      del = prepare (self, "DELETE FROM folders WHERE mailbox = ?", error);
      if (del == NULL)
        goto fail;
      sqlite3_bind_text (del, 1, gone->pdata[i], -1, SQLITE_TRANSIENT);
      if (!step_done (self, del, error))
        goto fail;
    }
  return postern_imap_state_commit (self, error);

fail:
  postern_imap_state_rollback (self);
  return FALSE;
}

/**
 * postern_imap_state_list_messages:
 *
 * Returns: (transfer full) (element-type PosternImapMessageState): every
 *   UID known in @mailbox, in UID order
 */
GPtrArray *
postern_imap_state_list_messages (PosternImapState *self, const char *mailbox, GError **error)
{
  g_autoptr (GPtrArray) out
    = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_imap_message_state_free);
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT uid, id, flags FROM messages WHERE mailbox = ?"
                                " ORDER BY uid",
                                error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, mailbox, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PosternImapMessageState *m = g_new0 (PosternImapMessageState, 1);
      m->uid = (guint32) sqlite3_column_int64 (stmt, 0);
      m->id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      m->flags = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      if (m->flags == NULL)
        m->flags = g_strdup ("");
      g_ptr_array_add (out, m);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      db_error (self, error, "read");
      return NULL;
    }
  return g_steal_pointer (&out);
}

gboolean
postern_imap_state_put_message (PosternImapState *self, const char *mailbox, guint32 uid,
                                const char *id, const char *flags, GError **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "INSERT OR REPLACE INTO messages (mailbox, uid, id, flags)"
                                " VALUES (?, ?, ?, ?)",
                                error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, mailbox, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, uid);
  sqlite3_bind_text (stmt, 3, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, flags ? flags : "", -1, SQLITE_TRANSIENT);
  return step_done (self, stmt, error);
}

gboolean
postern_imap_state_remove_message (PosternImapState *self, const char *mailbox, guint32 uid,
                                   GError **error)
{
  sqlite3_stmt *stmt
    = prepare (self, "DELETE FROM messages WHERE mailbox = ? AND uid = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, mailbox, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, uid);
  return step_done (self, stmt, error);
}

/**
 * postern_imap_state_list_ids:
 *
 * Returns: (transfer full) (element-type utf8 utf8): the content ids of
 *   every message known in any mailbox of the account, a set
 */
GHashTable *
postern_imap_state_list_ids (PosternImapState *self, GError **error)
{
  g_autoptr (GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = prepare (self, "SELECT DISTINCT id FROM messages", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      db_error (self, error, "read");
      return NULL;
    }
  return g_steal_pointer (&ids);
}
