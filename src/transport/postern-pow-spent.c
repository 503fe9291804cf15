/* postern-pow-spent.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>

#include "postern-error.h"
#include "postern-pow-spent.h"

struct _PosternPowSpent
{
  GObject parent_instance;
  sqlite3 *db;
  char *path;
};

G_DEFINE_FINAL_TYPE (PosternPowSpent, postern_pow_spent, G_TYPE_OBJECT)

static void
postern_pow_spent_finalize (GObject *object)
{
  PosternPowSpent *self = POSTERN_POW_SPENT (object);

  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->path, g_free);
  G_OBJECT_CLASS (postern_pow_spent_parent_class)->finalize (object);
}

static void
postern_pow_spent_class_init (PosternPowSpentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_pow_spent_finalize;
}

static void
postern_pow_spent_init (PosternPowSpent *self)
{
}

static gboolean
db_error (PosternPowSpent *self, GError **error)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "spent-stamp record %s: %s", self->path,
               sqlite3_errmsg (self->db));
  return FALSE;
}

PosternPowSpent *
postern_pow_spent_open (const char *path, GError **error)
{
  g_autoptr (PosternPowSpent) self = g_object_new (POSTERN_TYPE_POW_SPENT, NULL);

  self->path = g_strdup (path);
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
      != SQLITE_OK)
    {
      db_error (self, error);
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 10000);
  /* FULL: a claim must be on disk before the server says 250, or a crash
   * would let the same stamp pay for a second message. */
  if (sqlite3_exec (self->db,
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                    "CREATE TABLE IF NOT EXISTS spent (key TEXT PRIMARY KEY, expires INTEGER);"
                    "CREATE INDEX IF NOT EXISTS spent_by_expiry ON spent (expires);",
                    NULL, NULL, NULL)
      != SQLITE_OK)
    {
      db_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&self);
}

/**
 * postern_pow_spent_claim:
 *
 * Records @stamp as spent, or fails with %POSTERN_ERROR_POLICY when it
 * already was. Stamps past their expiry are forgotten on the way, since
 * verification refuses them anyway.
 */
gboolean
postern_pow_spent_claim (PosternPowSpent *self, const PosternPowStamp *stamp, gint64 now,
                         GError **error)
{
  g_autofree char *key = postern_pow_stamp_spent_key (stamp);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return db_error (self, error);
  if (sqlite3_prepare_v2 (self->db, "DELETE FROM spent WHERE expires < ?", -1, &stmt, NULL)
      != SQLITE_OK)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, now);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    goto fail;
  if (sqlite3_prepare_v2 (self->db, "INSERT INTO spent (key, expires) VALUES (?, ?)", -1, &stmt,
                          NULL)
      != SQLITE_OK)
    goto fail;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, postern_pow_stamp_expires (stamp));
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc == SQLITE_CONSTRAINT)
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY,
                   "stamp refused: it was already spent");
      return FALSE;
    }
  if (rc != SQLITE_DONE || sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    goto fail;
  return TRUE;

fail:
  db_error (self, error);
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

guint
postern_pow_spent_count (PosternPowSpent *self)
{
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  if (sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM spent", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}
