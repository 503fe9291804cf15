/* postern-index.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "postern-error.h"
#include "postern-index.h"

#define SCHEMA_VERSION "4"

struct _PosternIndex
{
  GObject parent_instance;
  sqlite3 *db;
  char *path;
  sqlite3_stmt *insert_message;
  sqlite3_stmt *insert_fts;
  sqlite3_stmt *contains;
  sqlite3_stmt *insert_word;
  sqlite3_stmt *find_words;
  fts5_api *fts5;
  GHashTable *new_words;           /* words of the documents indexed since the last commit */
  Fts5Tokenizer *query_tokenizer;  /* splits search terms as the index splits text */
};

G_DEFINE_FINAL_TYPE (PosternIndex, postern_index, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (PosternMessageRow, postern_message_row, postern_message_row_copy,
                     postern_message_row_free)

PosternMessageRow *
postern_message_row_copy (const PosternMessageRow *row)
{
  PosternMessageRow *copy = g_new0 (PosternMessageRow, 1);

  *copy = *row;
  copy->id = g_strdup (row->id);
  copy->folder = g_strdup (row->folder);
  copy->file = g_strdup (row->file);
  copy->message_id = g_strdup (row->message_id);
  copy->sender = g_strdup (row->sender);
  copy->recipients = g_strdup (row->recipients);
  copy->subject = g_strdup (row->subject);
  return copy;
}

void
postern_message_row_free (PosternMessageRow *row)
{
  if (row == NULL)
    return;
  g_free (row->id);
  g_free (row->folder);
  g_free (row->file);
  g_free (row->message_id);
  g_free (row->sender);
  g_free (row->recipients);
  g_free (row->subject);
  g_free (row);
}

static gboolean
db_error (PosternIndex *self, GError **error, const char *what)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "index %s: %s: %s", self->path, what,
               sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec (PosternIndex *self, const char *sql, GError **error)
{
  char *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "index %s: %s", self->path,
                   msg ? msg : "unknown error");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare (PosternIndex *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      db_error (self, error, "prepare");
      return NULL;
    }
  return stmt;
}

static void append_fts_string (GString *out, const char *term, gsize len);

/* --- words ---------------------------------------------------------------
 *
 * Every search term matches as a prefix. FTS5 answers a prefix query by
 * merging, in full, the postings of every word that starts with it, so
 * "patch" in a big mailbox reads the postings of patch, patches, patched …
 * before returning the newest hundred. An OR of the whole words instead
 * walks each posting list only as far as the page needs. The words come
 * from the table `words`, which the tokenizer below fills: it is unicode61
 * as before, and also notes each word of every document it is given. */

/* A prefix that starts more words than this is left to FTS5 as is. Even
 * a thousand-word OR beats FTS5's own merge by far: "p" in the bench's
 * 100,000 messages costs a tenth of the instructions spelt out. */
#define EXPAND_MAX 1024

typedef struct
{
  fts5_tokenizer inner;
  Fts5Tokenizer *inner_tokenizer;
  PosternIndex *index;
} WordsTokenizer;

typedef struct
{
  GHashTable *words;
  void *ctx;
  int (*token) (void *, int, const char *, int, int, int);
} WordsCollect;

static fts5_api *
get_fts5_api (sqlite3 *db)
{
  fts5_api *api = NULL;
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT fts5(?1)", -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_pointer (stmt, 1, &api, "fts5_api_ptr", NULL);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return api;
}

/* Arguments: the tokenizer to wrap and its own arguments. */
static int
words_create (void *ctx, const char **args, int n_args, Fts5Tokenizer **out)
{
  PosternIndex *index = ctx;
  fts5_api *api = index->fts5;
  WordsTokenizer *t;
  void *inner_ctx = NULL;
  int rc;

  if (api == NULL || n_args < 1)
    return SQLITE_ERROR;
  t = g_new0 (WordsTokenizer, 1);
  t->index = index;
  rc = api->xFindTokenizer (api, args[0], &inner_ctx, &t->inner);
  if (rc == SQLITE_OK)
    rc = t->inner.xCreate (inner_ctx, args + 1, n_args - 1, &t->inner_tokenizer);
  if (rc != SQLITE_OK)
    {
      g_free (t);
      return rc;
    }
  *out = (Fts5Tokenizer *) t;
  return SQLITE_OK;
}

static void
words_delete (Fts5Tokenizer *tokenizer)
{
  WordsTokenizer *t = (WordsTokenizer *) tokenizer;

  t->inner.xDelete (t->inner_tokenizer);
  g_free (t);
}

static int
words_collect (void *ctx, int flags, const char *token, int len, int start, int end)
{
  WordsCollect *c = ctx;
  char small[128];
  char *word = (gsize) len < sizeof small ? small : g_malloc ((gsize) len + 1);

  memcpy (word, token, (gsize) len);
  word[len] = '\0';
  if (!g_hash_table_contains (c->words, word))
    g_hash_table_add (c->words, word == small ? g_strdup (word) : word);
  else if (word != small)
    g_free (word);
  return c->token (c->ctx, flags, token, len, start, end);
}

static int
words_tokenize (Fts5Tokenizer *tokenizer, void *ctx, int flags, const char *text, int len,
                int (*token) (void *, int, const char *, int, int, int))
{
  WordsTokenizer *t = (WordsTokenizer *) tokenizer;
  WordsCollect collect = { t->index->new_words, ctx, token };

  if ((flags & FTS5_TOKENIZE_DOCUMENT) == 0 || t->index->new_words == NULL)
    return t->inner.xTokenize (t->inner_tokenizer, ctx, flags, text, len, token);
  return t->inner.xTokenize (t->inner_tokenizer, &collect, flags, text, len, words_collect);
}

static gboolean
register_words_tokenizer (PosternIndex *self, GError **error)
{
  fts5_tokenizer methods = { words_create, words_delete, words_tokenize };

  self->fts5 = get_fts5_api (self->db);
  if (self->fts5 == NULL
      || self->fts5->xCreateTokenizer (self->fts5, "postern_words", self, &methods, NULL)
           != SQLITE_OK)
    return db_error (self, error, "text index tokenizer");
  return TRUE;
}

/* Writes the words seen since the last commit into `words`. */
static gboolean
flush_words (PosternIndex *self, GError **error)
{
  GHashTableIter iter;
  gpointer word;

  if (self->new_words == NULL || g_hash_table_size (self->new_words) == 0)
    return TRUE;
  if (self->insert_word == NULL)
    {
      self->insert_word = prepare (self, "INSERT OR IGNORE INTO words (word) VALUES (?)", error);
      if (self->insert_word == NULL)
        return FALSE;
    }
  g_hash_table_iter_init (&iter, self->new_words);
  while (g_hash_table_iter_next (&iter, &word, NULL))
    {
      sqlite3_reset (self->insert_word);
      sqlite3_bind_text (self->insert_word, 1, word, -1, SQLITE_STATIC);
      if (sqlite3_step (self->insert_word) != SQLITE_DONE)
        return db_error (self, error, "words");
    }
  sqlite3_reset (self->insert_word);
  g_hash_table_remove_all (self->new_words);
  return TRUE;
}

static int
query_token (void *ctx, int flags, const char *token, int len, int start, int end)
{
  GPtrArray *tokens = ctx;

  g_ptr_array_add (tokens, g_strndup (token, (gsize) len));
  return SQLITE_OK;
}

/* The FTS5 expression "(\"w1\" OR \"w2\" …)" of the indexed words that
 * @term (as typed) is a prefix of, or NULL to leave the prefix to FTS5:
 * when @term is more than one token, or starts too many words. */
static char *
expand_prefix (PosternIndex *self, const char *term, gsize len)
{
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) out = NULL;
  g_autofree char *upper = NULL;
  gsize n;
  int rc;
  guint found = 0;

  if (self->query_tokenizer == NULL)
    {
      /* The same tokenizer and arguments as the table's, so the words
       * compare as FTS5 will compare them. */
      const char *args[] = { "unicode61", "remove_diacritics", "2" };
      if (words_create (self, args, G_N_ELEMENTS (args), &self->query_tokenizer) != SQLITE_OK)
        return NULL;
    }
  {
    WordsTokenizer *t = (WordsTokenizer *) self->query_tokenizer;
    if (t->inner.xTokenize (t->inner_tokenizer, tokens, FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX,
                            term, (int) len, query_token)
          != SQLITE_OK
        || tokens->len != 1)
      return NULL;
  }

  /* Words starting with the token sort from it up to, not including, the
   * token with its last byte raised by one. */
  upper = g_strdup (tokens->pdata[0]);
  n = strlen (upper);
  if (n == 0 || (guchar) upper[n - 1] == 0xff)
    return NULL;
  upper[n - 1]++;
  if (self->find_words == NULL)
    {
      self->find_words = prepare (self,
                                  "SELECT word FROM words WHERE word >= ? AND word < ?"
                                  " ORDER BY word LIMIT " G_STRINGIFY (EXPAND_MAX) " + 1",
                                  NULL);
      if (self->find_words == NULL)
        return NULL;
    }
  sqlite3_reset (self->find_words);
  sqlite3_bind_text (self->find_words, 1, tokens->pdata[0], -1, SQLITE_STATIC);
  sqlite3_bind_text (self->find_words, 2, upper, -1, SQLITE_STATIC);
  out = g_string_new ("(");
  while ((rc = sqlite3_step (self->find_words)) == SQLITE_ROW)
    {
      const char *word = (const char *) sqlite3_column_text (self->find_words, 0);
      if (++found > EXPAND_MAX)
        break;
      if (found > 1)
        g_string_append (out, " OR ");
      append_fts_string (out, word, strlen (word));
    }
  sqlite3_reset (self->find_words);
  /* No word at all: FTS5 finds none either, and quickly. */
  if ((rc != SQLITE_ROW && rc != SQLITE_DONE) || found == 0 || found > EXPAND_MAX)
    return NULL;
  g_string_append_c (out, ')');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
postern_index_finalize (GObject *object)
{
  PosternIndex *self = POSTERN_INDEX (object);

  g_clear_pointer (&self->insert_message, sqlite3_finalize);
  g_clear_pointer (&self->insert_fts, sqlite3_finalize);
  g_clear_pointer (&self->contains, sqlite3_finalize);
  g_clear_pointer (&self->insert_word, sqlite3_finalize);
  g_clear_pointer (&self->find_words, sqlite3_finalize);
  g_clear_pointer (&self->query_tokenizer, words_delete);
  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->new_words, g_hash_table_unref);
  g_clear_pointer (&self->path, g_free);
  G_OBJECT_CLASS (postern_index_parent_class)->finalize (object);
}

static void
postern_index_class_init (PosternIndexClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_index_finalize;
}

static void
postern_index_init (PosternIndex *self)
{
  self->new_words = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static const char schema_sql[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
  "CREATE TABLE folders (name TEXT PRIMARY KEY, stamp TEXT);"
  /* Row ids are never reused (AUTOINCREMENT): the text index keeps the
   * words of deleted rows, see below. (id, folder) also serves lookups by
   * id alone. */
  "CREATE TABLE messages ("
  "  rowid INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  id TEXT NOT NULL, folder TEXT NOT NULL, file TEXT NOT NULL,"
  "  message_id TEXT, sender TEXT, recipients TEXT, subject TEXT,"
  "  date INTEGER NOT NULL DEFAULT 0, lock INTEGER NOT NULL DEFAULT 0,"
  "  size INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (id, folder), UNIQUE (folder, file));"
  "CREATE INDEX messages_by_date ON messages (folder, date);"
  /* Contentless: FTS5 would otherwise keep a copy of every body text,
   * which is most of the index's size and most of what an import writes.
   * Such a table cannot delete, so words of deleted rows stay; searches
   * join on messages, where the row is gone, and never show them. */
  "CREATE VIRTUAL TABLE fts USING fts5 (sender, recipients, subject, body,"
  "  tokenize = 'postern_words unicode61 remove_diacritics 2', content = '');"
  /* Every word the text index holds, for expanding prefixes (see
   * expand_prefix()). */
  "CREATE TABLE words (word TEXT PRIMARY KEY) WITHOUT ROWID;"
  /* FTS5 writes its pending words out as a new segment whenever they pass
   * this size, and merges segments later: the default of 1 MiB made
   * several segments per import batch. */
  "INSERT INTO fts (fts, rank) VALUES ('hashsize', 8388608);"
  "INSERT INTO meta VALUES ('schema', '" SCHEMA_VERSION "');";

static gboolean
schema_is_current (PosternIndex *self)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (self->db, "SELECT value FROM meta WHERE key = 'schema'", -1, &stmt,
                          NULL)
      != SQLITE_OK)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    ok = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), SCHEMA_VERSION) == 0;
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
open_db (PosternIndex *self, GError **error)
{
  if (sqlite3_open_v2 (self->path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL)
      != SQLITE_OK)
    return db_error (self, error, "open");
  sqlite3_busy_timeout (self->db, 10000);
  /* Before anything touches the text index, whose tokenizer it is. */
  if (!register_words_tokenizer (self, error))
    return FALSE;
  /* Commits are per batch, so a full sync each costs little, and it keeps
   * the "folder is being changed" mark ahead of the renames it guards.
   * Successive batches rewrite many of the same index pages; a longer WAL
   * (32 MiB before a checkpoint rather than 4) copies each into the
   * database once rather than after every batch. */
  return exec (self,
               "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
               " PRAGMA wal_autocheckpoint = 8192;",
               error);
}

PosternIndex *
postern_index_open (const char *path, gboolean *out_created, GError **error)
{
  g_autoptr (PosternIndex) self = g_object_new (POSTERN_TYPE_INDEX, NULL);
  gboolean created = FALSE;

  self->path = g_strdup (path);
  if (!open_db (self, NULL) || !schema_is_current (self))
    {
      /* Missing, damaged or of another version: start over, the Maildir
       * holds everything needed to fill it again. */
      g_clear_pointer (&self->db, sqlite3_close);
      for (guint i = 0; i < 3; i++)
        {
          static const char *const suffixes[] = { "", "-wal", "-shm" };
          g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
          (void) g_remove (file);
        }
      if (!open_db (self, error) || !exec (self, "BEGIN", error))
        return NULL;
      if (!exec (self, schema_sql, error) || !exec (self, "COMMIT", error))
        return NULL;
      created = TRUE;
    }

  self->insert_message = prepare (self,
                                  "INSERT OR REPLACE INTO messages (id, folder, file, message_id,"
                                  " sender, recipients, subject, date, lock, size)"
                                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                  error);
  self->insert_fts = prepare (
    self, "INSERT INTO fts (rowid, sender, recipients, subject, body) VALUES (?, ?, ?, ?, ?)",
    error);
  self->contains = prepare (self, "SELECT 1 FROM messages WHERE folder = ? AND id = ?", error);
  if (self->insert_message == NULL || self->insert_fts == NULL || self->contains == NULL)
    return NULL;

  if (out_created != NULL)
    *out_created = created;
  return g_steal_pointer (&self);
}

gboolean
postern_index_begin (PosternIndex *self, GError **error)
{
  return exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
postern_index_commit (PosternIndex *self, GError **error)
{
  return flush_words (self, error) && exec (self, "COMMIT", error);
}

void
postern_index_rollback (PosternIndex *self)
{
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  g_hash_table_remove_all (self->new_words);
}

static void
bind_text (sqlite3_stmt *stmt, int col, const char *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, col, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, col);
}

/* Deleting the row is enough: its words stay in the contentless text
 * index under a row id that no row will have again. */
static gboolean
delete_rows (PosternIndex *self, const char *where, const char *a, const char *b,
             GError **error)
{
  g_autofree char *sql = g_strdup_printf ("DELETE FROM messages WHERE %s", where);
  sqlite3_stmt *stmt = prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, a);
  if (b != NULL)
    bind_text (stmt, 2, b);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? TRUE : db_error (self, error, "delete");
}

gboolean
postern_index_insert (PosternIndex *self, const char *folder, const char *file,
                      const PosternMessageInfo *info, PosternLock lock, GError **error)
{
  sqlite3_stmt *s = self->insert_message;
  sqlite3_int64 rowid;

  /* A file name reused for other content (another client rewrote it)
   * replaces the old row, and with it the old words: they stay in the text
   * index under the old row id, which searches no longer find. */
  sqlite3_reset (s);
  bind_text (s, 1, info->id);
  bind_text (s, 2, folder);
  bind_text (s, 3, file);
  bind_text (s, 4, info->message_id);
  bind_text (s, 5, info->sender);
  bind_text (s, 6, info->recipients);
  bind_text (s, 7, info->subject);
  sqlite3_bind_int64 (s, 8, info->date);
  sqlite3_bind_int (s, 9, lock);
  sqlite3_bind_int64 (s, 10, (sqlite3_int64) info->size);
  if (sqlite3_step (s) != SQLITE_DONE)
    return db_error (self, error, "insert");
  rowid = sqlite3_last_insert_rowid (self->db);

  s = self->insert_fts;
  sqlite3_reset (s);
  sqlite3_bind_int64 (s, 1, rowid);
  bind_text (s, 2, info->sender);
  bind_text (s, 3, info->recipients);
  bind_text (s, 4, info->subject);
  bind_text (s, 5, info->body_text);
  if (sqlite3_step (s) != SQLITE_DONE)
    return db_error (self, error, "insert text");
  /* Outside a transaction the text is already committed; its words must
   * follow at once. */
  return !sqlite3_get_autocommit (self->db) || flush_words (self, error);
}

gboolean
postern_index_remove_file (PosternIndex *self, const char *folder, const char *file,
                           GError **error)
{
  return delete_rows (self, "folder = ? AND file = ?", folder, file, error);
}

gboolean
postern_index_move_file (PosternIndex *self, const char *folder, const char *file,
                         const char *to_folder, const char *to_file, GError **error)
{
  sqlite3_stmt *stmt = prepare (
    self, "UPDATE messages SET folder = ?, file = ? WHERE folder = ? AND file = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, to_folder);
  bind_text (stmt, 2, to_file);
  bind_text (stmt, 3, folder);
  bind_text (stmt, 4, file);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? TRUE : db_error (self, error, "move");
}

gboolean
postern_index_contains (PosternIndex *self, const char *folder, const char *id)
{
  sqlite3_stmt *s = self->contains;

  sqlite3_reset (s);
  bind_text (s, 1, folder);
  bind_text (s, 2, id);
  return sqlite3_step (s) == SQLITE_ROW;
}

GHashTable *
postern_index_files_in_folder (PosternIndex *self, const char *folder, GError **error)
{
  g_autoptr (GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = prepare (self, "SELECT file FROM messages WHERE folder = ?", error);

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, folder);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_add (files, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  return g_steal_pointer (&files);
}

#define ROW_COLUMNS                                                                              \
  "m.id, m.folder, m.file, m.message_id, m.sender, m.recipients, m.subject, m.date, m.lock, "   \
  "m.size"

static char *
column_dup (sqlite3_stmt *stmt, int col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);
  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

static PosternMessageRow *
row_from_stmt (sqlite3_stmt *stmt)
{
  PosternMessageRow *row = g_new0 (PosternMessageRow, 1);

  row->id = column_dup (stmt, 0);
  row->folder = column_dup (stmt, 1);
  row->file = column_dup (stmt, 2);
  row->message_id = column_dup (stmt, 3);
  row->sender = column_dup (stmt, 4);
  row->recipients = column_dup (stmt, 5);
  row->subject = column_dup (stmt, 6);
  row->date = sqlite3_column_int64 (stmt, 7);
  row->lock = (PosternLock) sqlite3_column_int (stmt, 8);
  row->size = (gsize) sqlite3_column_int64 (stmt, 9);
  return row;
}

static GPtrArray *
collect_rows (PosternIndex *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (
    (GDestroyNotify) postern_message_row_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, row_from_stmt (stmt));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      db_error (self, error, "query");
      return NULL;
    }
  return g_steal_pointer (&rows);
}

PosternMessageRow *
postern_index_lookup (PosternIndex *self, const char *id, const char *folder, GError **error)
{
  g_autoptr (GPtrArray) rows = NULL;
  sqlite3_stmt *stmt = prepare (
    self,
    "SELECT " ROW_COLUMNS " FROM messages m WHERE m.id = ? AND (?2 IS NULL OR m.folder = ?2)"
    " ORDER BY m.folder = 'INBOX' DESC LIMIT 1",
    error);

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, folder);
  rows = collect_rows (self, stmt, error);
  if (rows == NULL)
    return NULL;
  if (rows->len == 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "no message with id %s", id);
      return NULL;
    }
  return g_steal_pointer (&rows->pdata[0]);
}

GPtrArray *
postern_index_list (PosternIndex *self, const char *folder, guint offset, guint limit,
                    GError **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT " ROW_COLUMNS " FROM messages m WHERE m.folder = ?"
                                " ORDER BY m.date DESC, m.rowid DESC LIMIT ? OFFSET ?",
                                error);

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, folder);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (sqlite3_int64) limit);
  sqlite3_bind_int64 (stmt, 3, offset);
  return collect_rows (self, stmt, error);
}

guint
postern_index_count (PosternIndex *self, const char *folder)
{
  sqlite3_stmt *stmt = NULL;
  guint count = 0;

  if (sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM messages WHERE folder = ?", -1, &stmt,
                          NULL)
      != SQLITE_OK)
    return 0;
  bind_text (stmt, 1, folder);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return count;
}

/* Unread mail is what no client has marked seen: files still in new/, and
 * files in cur/ whose Maildir info lacks the S flag. */
guint
postern_index_count_unread (PosternIndex *self, const char *folder)
{
  sqlite3_stmt *stmt = NULL;
  guint count = 0;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT count(*) FROM messages WHERE folder = ?"
                          " AND (file GLOB 'new/*' OR file NOT GLOB '*:2,*S*')",
                          -1, &stmt, NULL)
      != SQLITE_OK)
    return 0;
  bind_text (stmt, 1, folder);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return count;
}

static char *query_to_fts (const char *query, PosternIndex *index, GError **error);

GPtrArray *
postern_index_search (PosternIndex *self, const char *query, guint limit, GError **error)
{
  g_autofree char *fts = query_to_fts (query, self, error);
  sqlite3_stmt *stmt;

  if (fts == NULL)
    return NULL;
  /* Newest stored first: FTS5 walks its rowids backwards and the join stops
   * at the limit, so the first page costs the same in a folder of any size.
   * Words of deleted rows find no row in messages and drop out here. */
  stmt = prepare (self,
                  "SELECT " ROW_COLUMNS " FROM fts f JOIN messages m ON m.rowid = f.rowid"
                  " WHERE fts MATCH ? ORDER BY f.rowid DESC LIMIT ?",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, fts);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (sqlite3_int64) limit);
  return collect_rows (self, stmt, error);
}

gboolean
postern_index_get_folder_stamp (PosternIndex *self, const char *folder, char **out_stamp)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  *out_stamp = NULL;
  if (sqlite3_prepare_v2 (self->db, "SELECT stamp FROM folders WHERE name = ?", -1, &stmt, NULL)
      != SQLITE_OK)
    return FALSE;
  bind_text (stmt, 1, folder);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *out_stamp = column_dup (stmt, 0);
      found = TRUE;
    }
  sqlite3_finalize (stmt);
  return found;
}

gboolean
postern_index_set_folder_stamp (PosternIndex *self, const char *folder, const char *stamp,
                                GError **error)
{
  sqlite3_stmt *stmt
    = prepare (self, "INSERT OR REPLACE INTO folders (name, stamp) VALUES (?, ?)", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, folder);
  bind_text (stmt, 2, stamp);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? TRUE : db_error (self, error, "folder stamp");
}

gboolean
postern_index_forget_folder (PosternIndex *self, const char *folder, GError **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (!delete_rows (self, "folder = ?", folder, NULL, error))
    return FALSE;
  stmt = prepare (self, "DELETE FROM folders WHERE name = ?", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, folder);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? TRUE : db_error (self, error, "forget folder");
}

char **
postern_index_list_folders (PosternIndex *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, "SELECT name FROM folders ORDER BY name", -1, &stmt, NULL)
      == SQLITE_OK)
    {
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
      sqlite3_finalize (stmt);
    }
  return g_strv_builder_end (builder);
}

/* Field prefixes the search entry understands, and the FTS5 column each
 * one searches. */
static const struct
{
  const char *prefix;
  const char *column;
} search_fields[] = {
  { "from:", "sender" },
  { "to:", "recipients" },
  { "subject:", "subject" },
  { "body:", "body" },
};

static void
append_fts_string (GString *out, const char *term, gsize len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      if (term[i] == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, term[i]);
    }
  g_string_append_c (out, '"');
}

/* Turns what a user types into an FTS5 expression that cannot be a syntax
 * error: every term is quoted (and matches as a prefix), words are ANDed,
 * "double quotes" make a phrase, and from:/to:/subject:/body: pick a column. */
char *
postern_search_query_to_fts (const char *query, GError **error)
{
  return query_to_fts (query, NULL, error);
}

/* With @index, prefixes are spelt out as the words they start there. */
static char *
query_to_fts (const char *query, PosternIndex *index, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const char *p = query;

  if (query == NULL || !g_utf8_validate (query, -1, NULL))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "search query is not UTF-8 text");
      return NULL;
    }

  while (*p != '\0')
    {
      const char *column = NULL;
      const char *start;
      gsize len;
      gboolean phrase = FALSE;

      while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
      if (*p == '\0')
        break;

      for (guint i = 0; i < G_N_ELEMENTS (search_fields); i++)
        {
          gsize n = strlen (search_fields[i].prefix);
          if (g_ascii_strncasecmp (p, search_fields[i].prefix, n) == 0)
            {
              column = search_fields[i].column;
              p += n;
              break;
            }
        }

      if (*p == '"')
        {
          const char *close;
          phrase = TRUE;
          start = ++p;
          close = strchr (p, '"');
          len = close != NULL ? (gsize) (close - p) : strlen (p);
          p = close != NULL ? close + 1 : p + len;
        }
      else
        {
          start = p;
          while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
          len = (gsize) (p - start);
        }

      /* Punctuation alone makes no token; skip it rather than fail. */
      {
        gboolean has_word = FALSE;
        for (const char *c = start; c < start + len; c = g_utf8_next_char (c))
          if (g_unichar_isalnum (g_utf8_get_char (c)))
            {
              has_word = TRUE;
              break;
            }
        if (!has_word)
          continue;
      }

      if (out->len > 0)
        g_string_append (out, " AND ");
      if (column != NULL)
        g_string_append_printf (out, "%s : ", column);
      {
        g_autofree char *words = !phrase && index != NULL ? expand_prefix (index, start, len)
                                                          : NULL;
        if (words != NULL)
          g_string_append (out, words);
        else
          {
            append_fts_string (out, start, len);
            if (!phrase)
              g_string_append (out, " *");
          }
      }
    }

  if (out->len == 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "search query has no words to look for");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
