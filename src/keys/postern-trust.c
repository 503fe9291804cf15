/* postern-trust.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-keyring.h"
#include "postern-profile.h"
#include "postern-trust.h"

#define TRUST_FILE "trust.sqlite"
#define SCHEMA_VERSION 3
/* A source names a file or a message; longer is noise. */
#define MAX_SOURCE 300

struct _PosternTrust
{
  GObject parent_instance;
  char *path;
  /* One connection, opened on first use. The mutex makes each public call
   * one unit: SQLite's own locking would let two threads' statements
   * interleave inside one transaction. */
  GMutex mutex;
  sqlite3 *db;
};

G_DEFINE_FINAL_TYPE (PosternTrust, postern_trust, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (PosternPin, postern_pin, postern_pin_copy, postern_pin_free)
G_DEFINE_BOXED_TYPE (PosternKeyConflict, postern_key_conflict, postern_key_conflict_copy,
                     postern_key_conflict_free)

typedef sqlite3_stmt PosternStmt;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternStmt, sqlite3_finalize)

static const char schema[] = "CREATE TABLE IF NOT EXISTS pins ("
                             "  address TEXT PRIMARY KEY,"
                             "  fingerprint TEXT NOT NULL,"
                             "  verified INTEGER NOT NULL DEFAULT 0,"
                             "  source TEXT NOT NULL,"
                             "  first_seen INTEGER NOT NULL,"
                             "  last_seen INTEGER NOT NULL,"
                             "  autocrypt_timestamp INTEGER NOT NULL DEFAULT 0,"
                             "  prefer_encrypt INTEGER NOT NULL DEFAULT 0);"
                             "CREATE TABLE IF NOT EXISTS conflicts ("
                             "  address TEXT NOT NULL,"
                             "  fingerprint TEXT NOT NULL,"
                             "  pinned_fingerprint TEXT NOT NULL,"
                             "  source TEXT NOT NULL,"
                             "  first_seen INTEGER NOT NULL,"
                             "  last_seen INTEGER NOT NULL,"
                             "  keydata BLOB,"
                             "  PRIMARY KEY (address, fingerprint));"
                             /* Keys the user chose not to trust for an address: seeing one again is
                              * not a new conflict. */
                             "CREATE TABLE IF NOT EXISTS rejected ("
                             "  address TEXT NOT NULL,"
                             "  fingerprint TEXT NOT NULL,"
                             "  decided INTEGER NOT NULL,"
                             "  PRIMARY KEY (address, fingerprint));";

const char *
postern_trust_level_to_string (PosternTrustLevel level)
{
  switch (level)
    {
      case POSTERN_TRUST_PINNED:
        return "pinned";
      case POSTERN_TRUST_VERIFIED:
        return "verified";
      case POSTERN_TRUST_NONE:
      default:
        return "none";
    }
}

PosternPin *
postern_pin_copy (const PosternPin *pin)
{
  PosternPin *copy = g_new0 (PosternPin, 1);

  *copy = *pin;
  copy->address = g_strdup (pin->address);
  copy->fingerprint = g_strdup (pin->fingerprint);
  copy->source = g_strdup (pin->source);
  return copy;
}

void
postern_pin_free (PosternPin *pin)
{
  if (pin == NULL)
    return;
  g_free (pin->address);
  g_free (pin->fingerprint);
  g_free (pin->source);
  g_free (pin);
}

PosternKeyConflict *
postern_key_conflict_copy (const PosternKeyConflict *conflict)
{
  PosternKeyConflict *copy = g_new0 (PosternKeyConflict, 1);

  *copy = *conflict;
  copy->address = g_strdup (conflict->address);
  copy->pinned_fingerprint = g_strdup (conflict->pinned_fingerprint);
  copy->fingerprint = g_strdup (conflict->fingerprint);
  copy->source = g_strdup (conflict->source);
  copy->keydata = conflict->keydata ? g_bytes_ref (conflict->keydata) : NULL;
  return copy;
}

void
postern_key_conflict_free (PosternKeyConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->address);
  g_free (conflict->pinned_fingerprint);
  g_free (conflict->fingerprint);
  g_free (conflict->source);
  g_clear_pointer (&conflict->keydata, g_bytes_unref);
  g_free (conflict);
}

static void
postern_trust_finalize (GObject *object)
{
  PosternTrust *self = POSTERN_TRUST (object);

  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->path, g_free);
  g_mutex_clear (&self->mutex);
  G_OBJECT_CLASS (postern_trust_parent_class)->finalize (object);
}

static void
postern_trust_class_init (PosternTrustClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_trust_finalize;
}

static void
postern_trust_init (PosternTrust *self)
{
  g_mutex_init (&self->mutex);
}

/**
 * postern_trust_new:
 * @path: the pin database, created on first use
 */
PosternTrust *
postern_trust_new (const char *path)
{
  PosternTrust *self;

  g_return_val_if_fail (path != NULL, NULL);
  self = g_object_new (POSTERN_TYPE_TRUST, NULL);
  self->path = g_strdup (path);
  return self;
}

/**
 * postern_trust_new_for_profile:
 *
 * The pins of @profile, in PROFILE/trust.sqlite.
 */
PosternTrust *
postern_trust_new_for_profile (PosternProfile *profile)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (POSTERN_IS_PROFILE (profile), NULL);
  path = g_build_filename (postern_profile_get_path (profile), TRUST_FILE, NULL);
  return postern_trust_new (path);
}

const char *
postern_trust_get_path (PosternTrust *self)
{
  g_return_val_if_fail (POSTERN_IS_TRUST (self), NULL);
  return self->path;
}

static gboolean
db_fail (PosternTrust *self, GError **error)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot use the key pins in %s: %s",
               self->path, self->db ? sqlite3_errmsg (self->db) : "out of memory");
  return FALSE;
}

static int
read_user_version (sqlite3 *db)
{
  g_autoptr (PosternStmt) stmt = NULL;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK
      || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int (stmt, 0);
}

/* Moves the file to @version with @sql. The app and the CLI may both open
 * an older file: the second to get the write lock finds the work done. */
static gboolean
upgrade (sqlite3 *db, int version, const char *sql)
{
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", version);

  if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return FALSE;
  if (read_user_version (db) < version
      && (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK
          || sqlite3_exec (db, set_version, NULL, NULL, NULL) != SQLITE_OK))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
}

/* Called with the mutex held. Unlike the search index, the pins cannot be
 * rebuilt from anything: a damaged or newer file is an error, never
 * replaced. */
static gboolean
open_db (PosternTrust *self, GError **error)
{
  g_autofree char *dir = NULL;
  gboolean existed;
  int version;

  if (self->db != NULL)
    return TRUE;
  existed = g_file_test (self->path, G_FILE_TEST_EXISTS);
  if (sqlite3_open_v2 (self->path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL)
      != SQLITE_OK)
    {
      db_fail (self, error);
      g_clear_pointer (&self->db, sqlite3_close);
      return FALSE;
    }
  /* Two processes (the app and the CLI) may use one profile. */
  sqlite3_busy_timeout (self->db, 10000);
  if (sqlite3_exec (self->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", NULL, NULL,
                    NULL)
        != SQLITE_OK
      || (version = read_user_version (self->db)) < 0)
    goto fail;
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                   "%s was written by a newer version of Postern", self->path);
      g_clear_pointer (&self->db, sqlite3_close);
      return FALSE;
    }
  if (version < 1
      && (sqlite3_exec (self->db, schema, NULL, NULL, NULL) != SQLITE_OK
          || sqlite3_exec (self->db, "PRAGMA user_version = 1", NULL, NULL, NULL) != SQLITE_OK))
    goto fail;
  /* 2: a conflict remembers that its key came from a scanned card, so that
   * choosing it pins it verified. */
  if (version < 2
      && !upgrade (self->db, 2,
                   "ALTER TABLE conflicts ADD COLUMN verified INTEGER NOT NULL DEFAULT 0"))
    goto fail;
  /* 3: when each address's key was last looked up on the network, so
   * that routing asks a domain at most once per retry interval. */
  if (version < 3
      && !upgrade (self->db, 3,
                   "CREATE TABLE IF NOT EXISTS lookups ("
                   "  address TEXT PRIMARY KEY,"
                   "  last_lookup INTEGER NOT NULL)"))
    goto fail;
  if (!existed)
    {
      /* The new file's name must be as durable as the pins in it. */
      dir = g_path_get_dirname (self->path);
      if (!postern_fs_fsync_path (dir, TRUE, error))
        {
          g_clear_pointer (&self->db, sqlite3_close);
          return FALSE;
        }
    }
  return TRUE;

fail:
  db_fail (self, error);
  g_clear_pointer (&self->db, sqlite3_close);
  return FALSE;
}

/* Called with the mutex held, before a read: a profile that never pinned
 * anything has no file, and reading must not create one. */
static gboolean
has_db (PosternTrust *self)
{
  return self->db != NULL || g_file_test (self->path, G_FILE_TEST_EXISTS);
}

static gboolean
begin (PosternTrust *self, GError **error)
{
  if (!open_db (self, error))
    return FALSE;
  if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return db_fail (self, error);
  return TRUE;
}

static gboolean
commit (PosternTrust *self, GError **error)
{
  if (sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      db_fail (self, error);
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
rollback (PosternTrust *self)
{
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Prepares @sql and binds the rest of the arguments, each a type character
 * from @types followed by its value: 's' a string, 'i' a gint64, 'b' a
 * GBytes (NULL binds NULL). */
static PosternStmt *
prepare (PosternTrust *self, GError **error, const char *sql, const char *types, ...)
{
  g_autoptr (PosternStmt) stmt = NULL;
  va_list ap;
  int rc = SQLITE_OK;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      db_fail (self, error);
      return NULL;
    }
  va_start (ap, types);
  for (int i = 0; types[i] != '\0' && rc == SQLITE_OK; i++)
    {
      switch (types[i])
        {
          case 's':
            rc = sqlite3_bind_text (stmt, i + 1, va_arg (ap, const char *), -1, SQLITE_TRANSIENT);
            break;
          case 'i':
            rc = sqlite3_bind_int64 (stmt, i + 1, va_arg (ap, gint64));
            break;
          case 'b':
            {
              GBytes *bytes = va_arg (ap, GBytes *);
              gsize len = 0;
              const void *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;
              rc = bytes
                     ? sqlite3_bind_blob64 (stmt, i + 1, data ? data : "", len, SQLITE_TRANSIENT)
                     : sqlite3_bind_null (stmt, i + 1);
            }
            break;
          default:
            g_assert_not_reached ();
        }
    }
  va_end (ap);
  if (rc != SQLITE_OK)
    {
      db_fail (self, error);
      return NULL;
    }
  return g_steal_pointer (&stmt);
}

/* Runs a statement that returns no rows. */
static gboolean
run (PosternStmt *stmt, PosternTrust *self, GError **error)
{
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      db_fail (self, error);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  sqlite3_finalize (stmt);
  return TRUE;
}

static char *
column_text (PosternStmt *stmt, int i)
{
  const unsigned char *text = sqlite3_column_text (stmt, i);
  return g_strdup (text ? (const char *) text : "");
}

static gboolean
normalize (const char *address, const char *fingerprint, char **out_address, char **out_fpr,
           GError **error)
{
  g_autofree char *a = NULL;
  g_autofree char *f = NULL;

  if ((a = postern_keyring_normalize_address (address, error)) == NULL)
    return FALSE;
  if (out_fpr != NULL && (f = postern_keyring_normalize_fingerprint (fingerprint, error)) == NULL)
    return FALSE;
  *out_address = g_steal_pointer (&a);
  if (out_fpr != NULL)
    *out_fpr = g_steal_pointer (&f);
  return TRUE;
}

static char *
clean_source (const char *source)
{
  const char *s = source != NULL && *source != '\0' ? source : "unknown";
  g_autofree char *valid = g_utf8_make_valid (s, -1);

  /* Sources are shown on one line. */
  g_strdelimit (valid, "\r\n\t", ' ');
  if (g_utf8_strlen (valid, -1) > MAX_SOURCE)
    return g_utf8_substring (valid, 0, MAX_SOURCE);
  return g_steal_pointer (&valid);
}

#define PIN_COLUMNS                                                                      \
  "address, fingerprint, verified, source, first_seen, last_seen, autocrypt_timestamp, " \
  "prefer_encrypt"

static PosternPin *
read_pin (PosternStmt *stmt)
{
  PosternPin *pin = g_new0 (PosternPin, 1);

  pin->address = column_text (stmt, 0);
  pin->fingerprint = column_text (stmt, 1);
  pin->level = sqlite3_column_int (stmt, 2) ? POSTERN_TRUST_VERIFIED : POSTERN_TRUST_PINNED;
  pin->source = column_text (stmt, 3);
  pin->first_seen = sqlite3_column_int64 (stmt, 4);
  pin->last_seen = sqlite3_column_int64 (stmt, 5);
  pin->autocrypt_timestamp = sqlite3_column_int64 (stmt, 6);
  pin->prefer_encrypt = sqlite3_column_int (stmt, 7) != 0;
  return pin;
}

/* Called with the mutex held and the database open. */
static gboolean
lookup_pin (PosternTrust *self, const char *address, PosternPin **out_pin, GError **error)
{
  g_autoptr (PosternStmt) stmt
    = prepare (self, error, "SELECT " PIN_COLUMNS " FROM pins WHERE address = ?", "s", address);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out_pin = read_pin (stmt);
  else if (rc == SQLITE_DONE)
    *out_pin = NULL;
  else
    return db_fail (self, error);
  return TRUE;
}

static gboolean
is_rejected (PosternTrust *self, const char *address, const char *fpr, gboolean *out,
             GError **error)
{
  g_autoptr (PosternStmt) stmt
    = prepare (self, error, "SELECT 1 FROM rejected WHERE address = ? AND fingerprint = ?", "ss",
               address, fpr);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_fail (self, error);
  *out = rc == SQLITE_ROW;
  return TRUE;
}

/**
 * postern_trust_get_pin:
 *
 * Returns: (transfer full) (nullable): the pin for @address, or %NULL with
 *   @error unset when nothing is pinned for it.
 */
PosternPin *
postern_trust_get_pin (PosternTrust *self, const char *address, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autofree char *a = NULL;
  PosternPin *pin = NULL;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), NULL);
  if (!normalize (address, NULL, &a, NULL, error))
    return NULL;
  locker = g_mutex_locker_new (&self->mutex);
  if (!has_db (self))
    return NULL;
  if (!open_db (self, error) || !lookup_pin (self, a, &pin, error))
    return NULL;
  return pin;
}

/**
 * postern_trust_list_pins:
 *
 * Returns: (transfer container) (element-type PosternPin): every pin, by
 *   address.
 */
GPtrArray *
postern_trust_list_pins (PosternTrust *self, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (PosternStmt) stmt = NULL;
  g_autoptr (GPtrArray) pins = NULL;
  int rc;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), NULL);
  locker = g_mutex_locker_new (&self->mutex);
  if (!has_db (self))
    return g_ptr_array_new_with_free_func ((GDestroyNotify) postern_pin_free);
  if (!open_db (self, error)
      || (stmt = prepare (self, error, "SELECT " PIN_COLUMNS " FROM pins ORDER BY address", ""))
           == NULL)
    return NULL;
  pins = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_pin_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (pins, read_pin (stmt));
  if (rc != SQLITE_DONE)
    {
      db_fail (self, error);
      return NULL;
    }
  return g_steal_pointer (&pins);
}

/* Called with the mutex held and the database open. */
static gboolean
judge (PosternTrust *self, const char *address, const char *fpr, PosternPin **out_pin,
       PosternTrustVerdict *out_verdict, GError **error)
{
  g_autoptr (PosternPin) pin = NULL;
  gboolean rejected = FALSE;

  if (!lookup_pin (self, address, &pin, error))
    return FALSE;
  if (pin == NULL)
    *out_verdict = POSTERN_TRUST_VERDICT_NEW_PIN;
  else if (g_str_equal (pin->fingerprint, fpr))
    *out_verdict = POSTERN_TRUST_VERDICT_PINNED;
  else if (!is_rejected (self, address, fpr, &rejected, error))
    return FALSE;
  else
    *out_verdict = rejected ? POSTERN_TRUST_VERDICT_REJECTED : POSTERN_TRUST_VERDICT_CONFLICT;
  if (out_pin != NULL)
    *out_pin = g_steal_pointer (&pin);
  return TRUE;
}

/**
 * postern_trust_check:
 * @out_verdict: (out): what postern_trust_observe() would decide
 *
 * Asks the policy about a key for an address without recording anything.
 */
gboolean
postern_trust_check (PosternTrust *self, const char *address, const char *fingerprint,
                     PosternTrustVerdict *out_verdict, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autofree char *a = NULL;
  g_autofree char *f = NULL;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), FALSE);
  g_return_val_if_fail (out_verdict != NULL, FALSE);
  if (!normalize (address, fingerprint, &a, &f, error))
    return FALSE;
  locker = g_mutex_locker_new (&self->mutex);
  if (!has_db (self))
    {
      *out_verdict = POSTERN_TRUST_VERDICT_NEW_PIN;
      return TRUE;
    }
  return open_db (self, error) && judge (self, a, f, NULL, out_verdict, error);
}

/**
 * postern_trust_observe:
 * @address: the address the key was seen for
 * @fingerprint: the key
 * @source: where it was seen, for the user ("import alice.asc", …)
 * @keydata: (nullable): the key's public packets, kept with a conflict so
 *   that the user can still choose the key later
 * @out_verdict: (out) (optional): what the policy decided
 *
 * Records that @fingerprint was seen for @address: the first key seen is
 * pinned, the pinned key's last sighting is updated, and any other key not
 * already rejected becomes an open conflict.
 */
gboolean
postern_trust_observe (PosternTrust *self, const char *address, const char *fingerprint,
                       const char *source, GBytes *keydata, PosternTrustVerdict *out_verdict,
                       GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (PosternPin) pin = NULL;
  g_autofree char *a = NULL;
  g_autofree char *f = NULL;
  g_autofree char *src = clean_source (source);
  PosternTrustVerdict verdict;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean ok = TRUE;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), FALSE);
  if (!normalize (address, fingerprint, &a, &f, error))
    return FALSE;
  locker = g_mutex_locker_new (&self->mutex);
  if (!begin (self, error))
    return FALSE;
  if (!judge (self, a, f, &pin, &verdict, error))
    {
      rollback (self);
      return FALSE;
    }
  switch (verdict)
    {
      case POSTERN_TRUST_VERDICT_NEW_PIN:
        ok = run (prepare (self, error,
                           "INSERT INTO pins (address, fingerprint, verified, source, first_seen,"
                           " last_seen) VALUES (?, ?, 0, ?, ?, ?)",
                           "sssii", a, f, src, now, now),
                  self, error);
        break;
      case POSTERN_TRUST_VERDICT_PINNED:
        ok = run (
          prepare (self, error, "UPDATE pins SET last_seen = ? WHERE address = ?", "is", now, a),
          self, error);
        break;
      case POSTERN_TRUST_VERDICT_CONFLICT:
        /* One row per (address, key): seeing the same other key again
         * refreshes it, and keeps the key data already held if this sighting
         * brought none. */
        ok
          = run (prepare (self, error,
                          "INSERT INTO conflicts (address, fingerprint, pinned_fingerprint, source,"
                          " first_seen, last_seen, keydata) VALUES (?, ?, ?, ?, ?, ?, ?)"
                          " ON CONFLICT (address, fingerprint) DO UPDATE SET"
                          " pinned_fingerprint = excluded.pinned_fingerprint,"
                          " source = excluded.source, last_seen = excluded.last_seen,"
                          " keydata = COALESCE (excluded.keydata, conflicts.keydata)",
                          "ssssiib", a, f, pin->fingerprint, src, now, now, keydata),
                 self, error);
        break;
      case POSTERN_TRUST_VERDICT_REJECTED:
      default:
        break;
    }
  if (!ok || !commit (self, error))
    {
      rollback (self);
      return FALSE;
    }
  if (out_verdict != NULL)
    *out_verdict = verdict;
  return TRUE;
}

/* Called inside a transaction: @fpr is now pinned for @address, so it is no
 * longer a conflict nor rejected, and the remaining conflicts are against
 * it. */
static gboolean
after_repin (PosternTrust *self, const char *address, const char *fpr, GError **error)
{
  return run (prepare (self, error, "DELETE FROM conflicts WHERE address = ? AND fingerprint = ?",
                       "ss", address, fpr),
              self, error)
         && run (prepare (self, error, "DELETE FROM rejected WHERE address = ? AND fingerprint = ?",
                          "ss", address, fpr),
                 self, error)
         && run (prepare (self, error,
                          "UPDATE conflicts SET pinned_fingerprint = ? WHERE address = ?", "ss",
                          fpr, address),
                 self, error);
}

/**
 * postern_trust_verify:
 * @address: the address on the card
 * @fingerprint: the key on the card
 *
 * Marks @fingerprint verified for @address: a card scanned in person (or
 * our own key) outranks whatever was pinned on first use, so it replaces a
 * different pin and settles any conflict over that key. The key itself
 * may not be in the keyring yet.
 */
gboolean
postern_trust_verify (PosternTrust *self, const char *address, const char *fingerprint,
                      GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autofree char *a = NULL;
  g_autofree char *f = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), FALSE);
  if (!normalize (address, fingerprint, &a, &f, error))
    return FALSE;
  locker = g_mutex_locker_new (&self->mutex);
  if (!begin (self, error))
    return FALSE;
  if (!run (prepare (
              self, error,
              "INSERT INTO pins (address, fingerprint, verified, source, first_seen,"
              " last_seen) VALUES (?, ?, 1, 'verified', ?, ?)"
              " ON CONFLICT (address) DO UPDATE SET verified = 1, last_seen = excluded.last_seen,"
              " first_seen = CASE WHEN pins.fingerprint = excluded.fingerprint"
              "   THEN pins.first_seen ELSE excluded.first_seen END,"
              " source = CASE WHEN pins.fingerprint = excluded.fingerprint"
              "   THEN pins.source ELSE 'verified' END,"
              " autocrypt_timestamp = CASE WHEN pins.fingerprint = excluded.fingerprint"
              "   THEN pins.autocrypt_timestamp ELSE 0 END,"
              " fingerprint = excluded.fingerprint",
              "ssii", a, f, now, now),
            self, error)
      || !after_repin (self, a, f, error) || !commit (self, error))
    {
      rollback (self);
      return FALSE;
    }
  return TRUE;
}

/**
 * postern_trust_scan:
 * @address: an address on a scanned card
 * @fingerprint: the key on the card
 * @source: which card, for the user
 * @out_verdict: (out) (optional): %POSTERN_TRUST_VERDICT_NEW_PIN or
 *   %POSTERN_TRUST_VERDICT_PINNED when the key is now pinned and verified
 *   for @address, %POSTERN_TRUST_VERDICT_CONFLICT when another key is
 *   pinned
 *
 * Records a card the user scanned. Unlike postern_trust_verify(), it never
 * replaces another pin: a card can be forged or stale as well, so the
 * user sees both keys and chooses. A card's key the user rejected before
 * is put before them again, since scanning it was their own act. Choosing
 * the card's key pins it verified.
 */
gboolean
postern_trust_scan (PosternTrust *self, const char *address, const char *fingerprint,
                    const char *source, PosternTrustVerdict *out_verdict, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (PosternPin) pin = NULL;
  g_autofree char *a = NULL;
  g_autofree char *f = NULL;
  g_autofree char *src = clean_source (source);
  PosternTrustVerdict verdict;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean ok;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), FALSE);
  if (!normalize (address, fingerprint, &a, &f, error))
    return FALSE;
  locker = g_mutex_locker_new (&self->mutex);
  if (!begin (self, error))
    return FALSE;
  if (!judge (self, a, f, &pin, &verdict, error))
    {
      rollback (self);
      return FALSE;
    }
  if (verdict == POSTERN_TRUST_VERDICT_NEW_PIN)
    ok = run (prepare (self, error,
                       "INSERT INTO pins (address, fingerprint, verified, source, first_seen,"
                       " last_seen) VALUES (?, ?, 1, ?, ?, ?)",
                       "sssii", a, f, src, now, now),
              self, error);
  else if (verdict == POSTERN_TRUST_VERDICT_PINNED)
    ok = run (prepare (self, error, "UPDATE pins SET verified = 1, last_seen = ? WHERE address = ?",
                       "is", now, a),
              self, error);
  else
    {
      verdict = POSTERN_TRUST_VERDICT_CONFLICT;
      /* Key data an earlier sighting left with the conflict stays. */
      ok = run (prepare (self, error, "DELETE FROM rejected WHERE address = ? AND fingerprint = ?",
                         "ss", a, f),
                self, error)
           && run (prepare (self, error,
                            "INSERT INTO conflicts (address, fingerprint, pinned_fingerprint,"
                            " source, first_seen, last_seen, keydata, verified)"
                            " VALUES (?, ?, ?, ?, ?, ?, NULL, 1)"
                            " ON CONFLICT (address, fingerprint) DO UPDATE SET"
                            " pinned_fingerprint = excluded.pinned_fingerprint,"
                            " source = excluded.source, last_seen = excluded.last_seen,"
                            " verified = 1",
                            "ssssii", a, f, pin->fingerprint, src, now, now),
                   self, error);
    }
  if (!ok || !commit (self, error))
    {
      rollback (self);
      return FALSE;
    }
  if (out_verdict != NULL)
    *out_verdict = verdict;
  return TRUE;
}

/**
 * postern_trust_note_autocrypt:
 * @timestamp: the Date of the message whose Autocrypt header carried the key
 * @prefer_encrypt: whether it said prefer-encrypt=mutual
 *
 * Keeps the Autocrypt state of a pinned key, from its newest message only:
 * an older message read later does not undo what a newer one said.
 */
gboolean
postern_trust_note_autocrypt (PosternTrust *self, const char *address, const char *fingerprint,
                              gint64 timestamp, gboolean prefer_encrypt, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autofree char *a = NULL;
  g_autofree char *f = NULL;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), FALSE);
  if (!normalize (address, fingerprint, &a, &f, error))
    return FALSE;
  locker = g_mutex_locker_new (&self->mutex);
  return open_db (self, error)
         && run (prepare (self, error,
                          "UPDATE pins SET autocrypt_timestamp = ?, prefer_encrypt = ?"
                          " WHERE address = ? AND fingerprint = ? AND autocrypt_timestamp < ?",
                          "iissi", timestamp, (gint64) (prefer_encrypt != FALSE), a, f, timestamp),
                 self, error);
}

static PosternKeyConflict *
read_conflict (PosternStmt *stmt)
{
  PosternKeyConflict *conflict = g_new0 (PosternKeyConflict, 1);
  const void *blob;

  conflict->address = column_text (stmt, 0);
  conflict->fingerprint = column_text (stmt, 1);
  conflict->pinned_fingerprint = column_text (stmt, 2);
  conflict->source = column_text (stmt, 3);
  conflict->first_seen = sqlite3_column_int64 (stmt, 4);
  conflict->last_seen = sqlite3_column_int64 (stmt, 5);
  blob = sqlite3_column_blob (stmt, 6);
  if (blob != NULL)
    conflict->keydata = g_bytes_new (blob, (gsize) sqlite3_column_bytes (stmt, 6));
  conflict->verified = sqlite3_column_int (stmt, 7) != 0;
  return conflict;
}

/* Called with the mutex held and the database open. */
static GPtrArray *
select_conflicts (PosternTrust *self, const char *address, const char *fpr, GError **error)
{
  g_autoptr (PosternStmt) stmt = NULL;
  g_autoptr (GPtrArray) conflicts = NULL;
  int rc;

  stmt = prepare (self, error,
                  "SELECT address, fingerprint, pinned_fingerprint, source, first_seen, last_seen,"
                  " keydata, verified FROM conflicts WHERE (?1 IS NULL OR address = ?1)"
                  " AND (?2 IS NULL OR fingerprint = ?2) ORDER BY address, first_seen, fingerprint",
                  "ss", address, fpr);
  if (stmt == NULL)
    return NULL;
  conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_key_conflict_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (conflicts, read_conflict (stmt));
  if (rc != SQLITE_DONE)
    {
      db_fail (self, error);
      return NULL;
    }
  return g_steal_pointer (&conflicts);
}

/**
 * postern_trust_list_conflicts:
 * @address: (nullable): only the conflicts over this address
 *
 * Returns: (transfer container) (element-type PosternKeyConflict): the open
 *   conflicts, by address and age.
 */
GPtrArray *
postern_trust_list_conflicts (PosternTrust *self, const char *address, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autofree char *a = NULL;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), NULL);
  if (address != NULL && !normalize (address, NULL, &a, NULL, error))
    return NULL;
  locker = g_mutex_locker_new (&self->mutex);
  if (!has_db (self))
    return g_ptr_array_new_with_free_func ((GDestroyNotify) postern_key_conflict_free);
  if (!open_db (self, error))
    return NULL;
  return select_conflicts (self, a, NULL, error);
}

/**
 * postern_trust_keep:
 * @fingerprint: (nullable): the conflicting key to reject, or %NULL for
 *   every open conflict over @address
 *
 * Settles conflicts by keeping the pinned key; the other keys are rejected
 * for @address and seeing them again is not a new conflict. Fails with
 * %POSTERN_ERROR_NOT_FOUND when there is no such conflict.
 */
gboolean
postern_trust_keep (PosternTrust *self, const char *address, const char *fingerprint,
                    GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (GPtrArray) conflicts = NULL;
  g_autofree char *a = NULL;
  g_autofree char *f = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), FALSE);
  if (!normalize (address, fingerprint, &a, fingerprint ? &f : NULL, error))
    return FALSE;
  locker = g_mutex_locker_new (&self->mutex);
  if (!begin (self, error))
    return FALSE;
  if ((conflicts = select_conflicts (self, a, f, error)) == NULL)
    {
      rollback (self);
      return FALSE;
    }
  if (conflicts->len == 0)
    {
      rollback (self);
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "no open key conflict for %s%s%s",
                   a, f ? " and key " : "", f ? f : "");
      return FALSE;
    }
  for (guint i = 0; i < conflicts->len; i++)
    {
      PosternKeyConflict *c = conflicts->pdata[i];
      if (!run (prepare (self, error,
                         "INSERT OR REPLACE INTO rejected (address, fingerprint, decided)"
                         " VALUES (?, ?, ?)",
                         "ssi", a, c->fingerprint, now),
                self, error)
          || !run (prepare (self, error,
                            "DELETE FROM conflicts WHERE address = ? AND fingerprint = ?", "ss", a,
                            c->fingerprint),
                   self, error))
        {
          rollback (self);
          return FALSE;
        }
    }
  if (!commit (self, error))
    return FALSE;
  return TRUE;
}

/**
 * postern_trust_replace:
 * @fingerprint: the conflicting key to pin instead
 *
 * Settles a conflict by pinning the other key; the key pinned before is
 * rejected for @address from now on. The caller imports the key into the
 * keyring (from the conflict's @keydata) first. Fails with
 * %POSTERN_ERROR_NOT_FOUND when there is no such conflict.
 */
gboolean
postern_trust_replace (PosternTrust *self, const char *address, const char *fingerprint,
                       GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (GPtrArray) conflicts = NULL;
  g_autoptr (PosternPin) old = NULL;
  g_autofree char *a = NULL;
  g_autofree char *f = NULL;
  PosternKeyConflict *c;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), FALSE);
  if (!normalize (address, fingerprint, &a, &f, error))
    return FALSE;
  locker = g_mutex_locker_new (&self->mutex);
  if (!begin (self, error))
    return FALSE;
  if ((conflicts = select_conflicts (self, a, f, error)) == NULL
      || !lookup_pin (self, a, &old, error))
    {
      rollback (self);
      return FALSE;
    }
  if (conflicts->len == 0 || old == NULL)
    {
      rollback (self);
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND,
                   "no open key conflict for %s and key %s", a, f);
      return FALSE;
    }
  c = conflicts->pdata[0];
  if (!run (prepare (self, error,
                     "INSERT OR REPLACE INTO rejected (address, fingerprint, decided)"
                     " VALUES (?, ?, ?)",
                     "ssi", a, old->fingerprint, now),
            self, error)
      || !run (prepare (self, error,
                        "UPDATE pins SET fingerprint = ?, verified = ?, source = ?,"
                        " first_seen = ?, last_seen = ?, autocrypt_timestamp = 0,"
                        " prefer_encrypt = 0 WHERE address = ?",
                        "sisiis", f, (gint64) c->verified, c->source, now, now, a),
               self, error)
      || !after_repin (self, a, f, error) || !commit (self, error))
    {
      rollback (self);
      return FALSE;
    }
  return TRUE;
}

/**
 * postern_trust_claim_lookup:
 * @now: the current time, seconds since the epoch
 * @interval: how long a lookup is remembered, in seconds
 * @out_claimed: (out): whether the caller is now to look the key up
 *
 * Decides, in one transaction, whether @address's key is due to be looked
 * up on the network: when it never was, or not within @interval. A due
 * lookup is recorded as made at @now before it starts, so that another
 * thread or process routing to @address meanwhile does not start another.
 */
gboolean
postern_trust_claim_lookup (PosternTrust *self, const char *address, gint64 now, gint64 interval,
                            gboolean *out_claimed, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (PosternStmt) stmt = NULL;
  g_autofree char *a = NULL;
  gint64 last = G_MININT64;
  int rc;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), FALSE);
  g_return_val_if_fail (out_claimed != NULL, FALSE);
  *out_claimed = FALSE;
  if (!normalize (address, NULL, &a, NULL, error))
    return FALSE;
  locker = g_mutex_locker_new (&self->mutex);
  if (!begin (self, error))
    return FALSE;
  stmt = prepare (self, error, "SELECT last_lookup FROM lookups WHERE address = ?", "s", a);
  if (stmt == NULL)
    goto fail;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    last = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      db_fail (self, error);
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  /* A time in the future (a clock set back) does not block lookups for
   * ever. */
  if (last != G_MININT64 && last <= now && now - last < interval)
    {
      rollback (self);
      return TRUE;
    }
  if (!run (prepare (self, error,
                     "INSERT OR REPLACE INTO lookups (address, last_lookup) VALUES (?, ?)", "si", a,
                     now),
            self, error))
    goto fail;
  if (!commit (self, error))
    return FALSE;
  *out_claimed = TRUE;
  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

/**
 * postern_trust_set_last_lookup:
 * @when: seconds since the epoch, or 0 to forget that @address was ever
 *   looked up (a lookup that was cancelled before it could answer)
 *
 * Records when @address's key was last looked up.
 */
gboolean
postern_trust_set_last_lookup (PosternTrust *self, const char *address, gint64 when, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autofree char *a = NULL;
  PosternStmt *stmt;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), FALSE);
  if (!normalize (address, NULL, &a, NULL, error))
    return FALSE;
  locker = g_mutex_locker_new (&self->mutex);
  if (!open_db (self, error))
    return FALSE;
  if (when == 0)
    stmt = prepare (self, error, "DELETE FROM lookups WHERE address = ?", "s", a);
  else
    stmt
      = prepare (self, error, "INSERT OR REPLACE INTO lookups (address, last_lookup) VALUES (?, ?)",
                 "si", a, when);
  return run (stmt, self, error);
}

/**
 * postern_trust_get_last_lookup:
 *
 * Returns: when @address's key was last looked up on the network, 0 when
 *   never (or on error, which is then set).
 */
gint64
postern_trust_get_last_lookup (PosternTrust *self, const char *address, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (PosternStmt) stmt = NULL;
  g_autofree char *a = NULL;
  int rc;

  g_return_val_if_fail (POSTERN_IS_TRUST (self), 0);
  if (!normalize (address, NULL, &a, NULL, error))
    return 0;
  locker = g_mutex_locker_new (&self->mutex);
  if (!has_db (self))
    return 0;
  if (!open_db (self, error)
      || (stmt = prepare (self, error, "SELECT last_lookup FROM lookups WHERE address = ?", "s", a))
           == NULL)
    return 0;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    db_fail (self, error);
  return 0;
}
