/* postern-transport-imap.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One sync, per mailbox the server lists:
 *
 *   1. SELECT (with CONDSTORE when offered); a new UIDVALIDITY voids what
 *      was known of the mailbox.
 *   2. Messages deleted here since the last sync are marked \Deleted on the
 *      server and expunged (UID EXPUNGE with UIDPLUS).
 *   3. UIDs from the last sync's UIDNEXT on are listed: those not yet
 *      stored are the new mail.
 *   4. Messages expunged on the server are removed here. UID SEARCH is
 *      asked only when EXISTS says some message is gone.
 *   5. Flags are merged flag by flag against what both sides had at the
 *      last sync (a flag changed on one side takes that side's value), for
 *      the messages the server reports as changed (CHANGEDSINCE) or, without
 *      CONDSTORE, for all.
 *   6. New mail is fetched in batches; each batch is fsynced into the store
 *      and only then recorded in the sync state, so a sync cut off anywhere
 *      fetches again at most the batch in flight.
 *   7. In the \Sent mailbox, sent mail not on the server yet is APPENDed.
 *   8. UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ are recorded: the mailbox is
 *      in step.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "postern-address.h"
#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-imap-client.h"
#include "postern-imap-state.h"
#include "postern-maildir.h"
#include "postern-net.h"
#include "postern-profile.h"
#include "postern-secrets.h"
#include "postern-transport-imap.h"

/* Every read and write; IDLE sets its own. */
#define TIMEOUT_SECONDS 60
/* New mail is stored (and fsynced) this many messages or bytes at a time:
 * a cut connection loses at most that much work. Each batch costs a
 * syncfs, the folder's fsync and two SQLite commits, so small batches made
 * those most of an initial sync's time (bench/imap-sync.py). */
#define BATCH_MESSAGES 1000
#define BATCH_BYTES (16 * 1024 * 1024)
/* One UID FETCH asks for about this much. */
#define COMMAND_MESSAGES 500
#define COMMAND_BYTES (32 * 1024 * 1024)

struct _PosternTransportImap
{
  GObject parent_instance;
  char *account_name;
  char *address;
  char *user;
  char *url;
  char *profile_path;
  char *extra_ca_file;
  gboolean allow_plaintext;
};

static void transport_iface_init (PosternTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PosternTransportImap, postern_transport_imap, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (POSTERN_TYPE_TRANSPORT, transport_iface_init))

void
postern_imap_sync_stats_free (PosternImapSyncStats *stats)
{
  if (stats == NULL)
    return;
  g_strfreev (stats->skipped);
  g_free (stats);
}

static void
postern_transport_imap_finalize (GObject *object)
{
  PosternTransportImap *self = POSTERN_TRANSPORT_IMAP (object);

  g_clear_pointer (&self->account_name, g_free);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->user, g_free);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->profile_path, g_free);
  g_clear_pointer (&self->extra_ca_file, g_free);
  G_OBJECT_CLASS (postern_transport_imap_parent_class)->finalize (object);
}

static void
postern_transport_imap_class_init (PosternTransportImapClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_transport_imap_finalize;
}

static void
postern_transport_imap_init (PosternTransportImap *self)
{
}

/**
 * postern_transport_imap_new:
 * @account: an account with an IMAP URL
 * @profile_path: the profile the store, the sync state and the password
 *   belong to
 * @extra_ca_file: (nullable): the profile's tls.ca-file
 *
 * The account is copied: the worker threads never share it.
 */
PosternTransportImap *
postern_transport_imap_new (PosternAccount *account, const char *profile_path,
                            const char *extra_ca_file)
{
  PosternTransportImap *self = g_object_new (POSTERN_TYPE_TRANSPORT_IMAP, NULL);

  self->account_name = g_strdup (postern_account_get_name (account));
  self->address = g_strdup (postern_account_get_address (account));
  self->user = g_strdup (postern_account_get_user (account));
  self->url = g_strdup (postern_account_get_imap_url (account));
  self->allow_plaintext = postern_account_get_allow_plaintext (account);
  self->profile_path = g_strdup (profile_path);
  self->extra_ca_file = extra_ca_file && *extra_ca_file ? g_strdup (extra_ca_file) : NULL;
  return self;
}

/* Maildir flag letters and the IMAP flags they stand for, in the order
 * Maildir writes them. */
static const struct
{
  char letter;
  const char *flag;
} flag_map[] = {
  { 'D', "\\Draft" },    { 'F', "\\Flagged" }, { 'P', "$Forwarded" },
  { 'R', "\\Answered" }, { 'S', "\\Seen" },    { 'T', "\\Deleted" },
};

/* The letters of @flags that the sync carries, in Maildir order. */
static char *
flags_only (const char *flags, const char *mapped)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (flag_map); i++)
    if (strchr (mapped, flag_map[i].letter) && strchr (flags, flag_map[i].letter))
      g_string_append_c (out, flag_map[i].letter);
  return g_string_free (out, FALSE);
}

static char *
flags_from_imap (char **flags, const char *mapped)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (flag_map); i++)
    {
      if (!strchr (mapped, flag_map[i].letter))
        continue;
      for (guint j = 0; flags != NULL && flags[j] != NULL; j++)
        if (g_ascii_strcasecmp (flags[j], flag_map[i].flag) == 0)
          {
            g_string_append_c (out, flag_map[i].letter);
            break;
          }
    }
  return g_string_free (out, FALSE);
}

/* "(\Seen \Flagged)" for "FS". */
static char *
flags_to_imap (const char *letters)
{
  GString *out = g_string_new ("(");

  for (guint i = 0; i < G_N_ELEMENTS (flag_map); i++)
    if (strchr (letters, flag_map[i].letter))
      {
        if (out->len > 1)
          g_string_append_c (out, ' ');
        g_string_append (out, flag_map[i].flag);
      }
  g_string_append_c (out, ')');
  return g_string_free (out, FALSE);
}

/* Three-way, flag by flag: a flag one side changed since @base takes that
 * side's value. Both sides can only have changed a flag the same way, so
 * there is never a conflict to settle. */
static char *
merge_flags (const char *base, const char *local, const char *server, const char *mapped)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (flag_map); i++)
    {
      char c = flag_map[i].letter;
      gboolean b = strchr (base, c) != NULL;
      gboolean l = strchr (local, c) != NULL;
      gboolean s = strchr (server, c) != NULL;

      if (!strchr (mapped, c))
        continue;
      if (l != b ? l : s)
        g_string_append_c (out, c);
    }
  return g_string_free (out, FALSE);
}

/* Letters in @a and not in @b. */
static char *
flags_minus (const char *a, const char *b)
{
  GString *out = g_string_new (NULL);

  for (const char *p = a; *p; p++)
    if (!strchr (b, *p))
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

typedef struct
{
  char *name; /* as the server spells it */
  gboolean noselect;
  gboolean sent;
  gboolean drafts;
  char *local;
} Mailbox;

static void
mailbox_free (Mailbox *mb)
{
  g_free (mb->name);
  g_free (mb->local);
  g_free (mb);
}

typedef struct
{
  PosternTransportImap *self;
  GCancellable *cancellable;
  PosternProfile *profile;
  PosternStore *store;
  PosternImapState *state;
  PosternImapClient *client;
  PosternLock lock;
  PosternImapSyncStats *stats;
  GPtrArray *skipped;
  GHashTable *account_ids; /* every id the account's mailboxes held at the start */
  int store_lock_fd;
} Sync;

/* A message of the current batch, fetched and not yet stored. */
typedef struct
{
  guint32 uid;
  GBytes *body;
  char *flags;
} Fetched;

static void
fetched_free (Fetched *m)
{
  g_bytes_unref (m->body);
  g_free (m->flags);
  g_free (m);
}

typedef struct
{
  Sync *sync;
  Mailbox *mb;
  char *quoted;
  const char *mapped; /* the flag letters this mailbox can carry */

  /* From SELECT, kept current by the untagged responses that follow. */
  guint32 exists;
  gboolean has_uidvalidity;
  guint32 uidvalidity;
  guint32 uidnext;
  guint64 highestmodseq;
  gboolean nomodseq;
  gboolean keywords;
  gboolean read_only;
  gboolean condstore;

  PosternImapFolderState prev;
  GPtrArray *known_list; /* PosternImapMessageState, owns */
  GHashTable *known;     /* uid → PosternImapMessageState */
  GHashTable *known_ids; /* id → number of known UIDs holding it */
  GPtrArray *rows;       /* PosternMessageRow of the local folder, owns */
  GHashTable *local;     /* id → PosternMessageRow */
  GHashTable *disk;      /* id → file, of Postern's files in the Maildir */
  gboolean local_existed;
  gboolean was_reset; /* the UIDs known were dropped in this sync */

  GHashTable *listed;       /* uid ≥ start → Maildir flags, from the listing */
  GHashTable *sizes;        /* uid → RFC822.SIZE */
  GHashTable *server_flags; /* uid → Maildir flags, from the flag fetch */
  GHashTable *alive;        /* uid, from UID SEARCH */
  GHashTable *wanted;       /* uids being fetched */
  guint32 max_uid;

  GPtrArray *pending; /* Fetched */
  gsize pending_bytes;
} Folder;

static void
folder_clear (Folder *f)
{
  g_clear_pointer (&f->quoted, g_free);
  g_clear_pointer (&f->known, g_hash_table_unref);
  g_clear_pointer (&f->known_ids, g_hash_table_unref);
  g_clear_pointer (&f->known_list, g_ptr_array_unref);
  g_clear_pointer (&f->local, g_hash_table_unref);
  g_clear_pointer (&f->rows, g_ptr_array_unref);
  g_clear_pointer (&f->disk, g_hash_table_unref);
  g_clear_pointer (&f->listed, g_hash_table_unref);
  g_clear_pointer (&f->sizes, g_hash_table_unref);
  g_clear_pointer (&f->server_flags, g_hash_table_unref);
  g_clear_pointer (&f->alive, g_hash_table_unref);
  g_clear_pointer (&f->wanted, g_hash_table_unref);
  g_clear_pointer (&f->pending, g_ptr_array_unref);
}

static GHashTable *
uid_table (GDestroyNotify free_value)
{
  return g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, free_value);
}

static void
known_add (Folder *f, PosternImapMessageState *m)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (f->known_ids, m->id));

  g_hash_table_insert (f->known, GUINT_TO_POINTER (m->uid), m);
  g_hash_table_insert (f->known_ids, m->id, GUINT_TO_POINTER (n + 1));
}

static void
known_remove (Folder *f, guint32 uid)
{
  PosternImapMessageState *m = g_hash_table_lookup (f->known, GUINT_TO_POINTER (uid));
  guint n;

  if (m == NULL)
    return;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (f->known_ids, m->id));
  if (n <= 1)
    g_hash_table_remove (f->known_ids, m->id);
  else
    g_hash_table_insert (f->known_ids, m->id, GUINT_TO_POINTER (n - 1));
  g_hash_table_remove (f->known, GUINT_TO_POINTER (uid));
}

/* Records a UID the sync now knows; the state keeps it in @f->known_list,
 * which owns it. */
static void
known_put (Folder *f, guint32 uid, const char *id, const char *flags)
{
  PosternImapMessageState *m = g_new0 (PosternImapMessageState, 1);

  known_remove (f, uid);
  m->uid = uid;
  m->id = g_strdup (id);
  m->flags = g_strdup (flags);
  g_ptr_array_add (f->known_list, m);
  known_add (f, m);
}

static int
compare_uid_values (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return x < y ? -1 : x > y;
}

/* The keys of a uid table, sorted. */
static GArray *
sorted_uids (GHashTable *table)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint32 uid = GPOINTER_TO_UINT (key);
      g_array_append_val (uids, uid);
    }
  g_array_sort (uids, compare_uid_values);
  return uids;
}

static void
skip (Sync *sync, const char *mailbox, const char *why)
{
  g_ptr_array_add (sync->skipped, g_strdup_printf ("%s: %s", mailbox, why));
}

/* EXISTS and EXPUNGE keep the message count current whatever command the
 * server chose to send them with. */
static void
track (Folder *f, PosternImapResponse *r)
{
  if (!r->has_number || r->name == NULL)
    return;
  if (g_str_equal (r->name, "EXISTS"))
    f->exists = r->number;
  else if (g_str_equal (r->name, "EXPUNGE") && f->exists > 0)
    f->exists--;
}

static gboolean
on_track (PosternImapResponse *r, gpointer data, GError **error)
{
  track (data, r);
  return TRUE;
}

static PosternImapResponse *folder_command (Folder *f, PosternImapUntaggedFunc func, GError **error,
                                            const char *format, ...) G_GNUC_PRINTF (4, 5);

static PosternImapResponse *
folder_command (Folder *f, PosternImapUntaggedFunc func, GError **error, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  return postern_imap_client_command (f->sync->client, func ? func : on_track, f,
                                      f->sync->cancellable, error, "%s", text);
}

static gboolean
on_select (PosternImapResponse *r, gpointer data, GError **error)
{
  Folder *f = data;
  guint64 n;

  track (f, r);
  if (postern_imap_response_get_code_number (r, "UIDVALIDITY", &n) && n > 0 && n <= G_MAXUINT32)
    {
      f->has_uidvalidity = TRUE;
      f->uidvalidity = (guint32) n;
    }
  else if (postern_imap_response_get_code_number (r, "UIDNEXT", &n) && n <= G_MAXUINT32)
    f->uidnext = (guint32) n;
  else if (postern_imap_response_get_code_number (r, "HIGHESTMODSEQ", &n))
    f->highestmodseq = n;
  else if (g_strcmp0 (r->code, "NOMODSEQ") == 0)
    f->nomodseq = TRUE;
  else if (g_strcmp0 (r->code, "PERMANENTFLAGS") == 0 && r->code_args->len == 1
           && ((PosternImapValue *) r->code_args->pdata[0])->type == POSTERN_IMAP_LIST)
    {
      GPtrArray *flags = ((PosternImapValue *) r->code_args->pdata[0])->list;
      for (guint i = 0; i < flags->len; i++)
        if (postern_imap_value_is_atom (flags->pdata[i], "\\*")
            || postern_imap_value_is_atom (flags->pdata[i], "$Forwarded"))
          f->keywords = TRUE;
    }
  return TRUE;
}

/* A flag change pulled from the server, to be made here. */
typedef struct
{
  PosternMessageRow *row;
  char *flags; /* the mapped letters wanted */
} Rename;

static void
rename_free (Rename *r)
{
  g_free (r->flags);
  g_free (r);
}

/* The store's own lock, for changes the store has no call for. */
static gboolean
lock_store (Sync *sync, GError **error)
{
  if (sync->store_lock_fd < 0)
    {
      g_autofree char *path
        = g_build_filename (postern_profile_get_path (sync->profile), "store", ".lock", NULL);
      sync->store_lock_fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (sync->store_lock_fd < 0)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot open %s: %s", path,
                       g_strerror (errno));
          return FALSE;
        }
    }
  while (flock (sync->store_lock_fd, LOCK_EX) != 0)
    if (errno != EINTR)
      {
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot lock the store: %s",
                     g_strerror (errno));
        return FALSE;
      }
  return TRUE;
}

static gboolean
apply_renames (Folder *f, GPtrArray *renames, GError **error)
{
  Sync *sync = f->sync;

  for (guint i = 0; i < renames->len; i++)
    {
      Rename *r = renames->pdata[i];
      g_autofree char *old_flags = postern_maildir_file_flags (r->row->file);
      /* Flags the sync does not carry stay as they are. */
      g_autofree char *kept = flags_minus (old_flags, f->mapped);
      g_autofree char *all = g_strconcat (kept, r->flags, NULL);
      g_autoptr (GError) local_error = NULL;

      if (!postern_store_set_flags (sync->store, r->row->id, f->mb->local, all, &local_error))
        {
          /* Gone meanwhile (another client): the next sync sees that. */
          if (g_error_matches (local_error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND))
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      sync->stats->flags_pulled++;
    }
  return TRUE;
}

static gboolean
sender_is (const PosternMessageRow *row, const char *address)
{
  g_autoptr (PosternAddress) from = NULL;

  if (row->sender == NULL)
    return FALSE;
  from = postern_address_parse (row->sender, NULL);
  if (from != NULL)
    return g_ascii_strcasecmp (postern_address_get_addr_spec (from), address) == 0;
  return FALSE;
}

/* 2. What was deleted here goes on the server too. */
static gboolean
push_local_deletions (Folder *f, GError **error)
{
  Sync *sync = f->sync;
  g_autoptr (GArray) gone = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (PosternImapResponse) r = NULL;
  g_autofree char *set = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, f->known);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      PosternImapMessageState *m = value;
      /* Gone from the index and from the disk: only then deleted. */
      if (!g_hash_table_contains (f->local, m->id) && !g_hash_table_contains (f->disk, m->id))
        g_array_append_val (gone, m->uid);
    }
  if (gone->len == 0 || f->read_only)
    return TRUE;

  set = postern_imap_uid_set ((const guint32 *) gone->data, gone->len);
  r = folder_command (f, NULL, error, "UID STORE %s +FLAGS.SILENT (\\Deleted)", set);
  if (r == NULL)
    return FALSE;
  g_clear_pointer (&r, postern_imap_response_free);
  if (postern_imap_client_has_capability (sync->client, "UIDPLUS"))
    r = folder_command (f, NULL, error, "UID EXPUNGE %s", set);
  else
    /* Without UIDPLUS the only expunge there is also takes what other
     * clients marked \Deleted, which is what they asked for. */
    r = folder_command (f, NULL, error, "EXPUNGE");
  if (r == NULL)
    return FALSE;

  if (!postern_imap_state_begin (sync->state, error))
    return FALSE;
  for (guint i = 0; i < gone->len; i++)
    if (!postern_imap_state_remove_message (sync->state, f->mb->name,
                                            g_array_index (gone, guint32, i), error))
      {
        postern_imap_state_rollback (sync->state);
        return FALSE;
      }
  if (!postern_imap_state_commit (sync->state, error))
    return FALSE;
  for (guint i = 0; i < gone->len; i++)
    known_remove (f, g_array_index (gone, guint32, i));
  sync->stats->deleted += gone->len;
  return TRUE;
}

static gboolean
on_listing (PosternImapResponse *r, gpointer data, GError **error)
{
  Folder *f = data;
  g_autoptr (PosternImapFetch) fetch = NULL;
  guint32 start = MAX (f->prev.uidnext, 1);

  track (f, r);
  if (g_strcmp0 (r->name, "FETCH") != 0)
    return TRUE;
  fetch = postern_imap_fetch_parse (r, error);
  if (fetch == NULL)
    return FALSE;
  /* "N:*" names the last message even when its UID is below N. */
  if (fetch->uid < start)
    return TRUE;
  g_hash_table_insert (f->listed, GUINT_TO_POINTER (fetch->uid),
                       flags_from_imap (fetch->flags, f->mapped));
  if (fetch->has_size)
    g_hash_table_insert (f->sizes, GUINT_TO_POINTER (fetch->uid),
                         g_memdup2 (&fetch->size, sizeof fetch->size));
  f->max_uid = MAX (f->max_uid, fetch->uid);
  return TRUE;
}

/* 3. The UIDs from @start on: new mail, and known mail still there. */
static gboolean
list_from (Folder *f, guint32 start, GError **error)
{
  g_autoptr (PosternImapResponse) r = NULL;

  f->prev.uidnext = start;
  r = folder_command (f, on_listing, error, "UID FETCH %u:* (UID FLAGS RFC822.SIZE)",
                      MAX (start, 1));
  return r != NULL;
}

static gboolean
on_search (PosternImapResponse *r, gpointer data, GError **error)
{
  Folder *f = data;

  track (f, r);
  if (g_strcmp0 (r->name, "SEARCH") != 0)
    return TRUE;
  for (guint i = 0; i < r->args->len; i++)
    {
      guint64 uid;
      if (postern_imap_value_get_number (r->args->pdata[i], &uid) && uid <= G_MAXUINT32)
        g_hash_table_add (f->alive, GUINT_TO_POINTER ((guint32) uid));
    }
  return TRUE;
}

static gboolean
remove_expunged (Folder *f, guint32 uid, GError **error)
{
  Sync *sync = f->sync;
  PosternImapMessageState *m = g_hash_table_lookup (f->known, GUINT_TO_POINTER (uid));
  guint holders = GPOINTER_TO_UINT (g_hash_table_lookup (f->known_ids, m->id));

  /* The store first: were the state updated first, a crash in between
   * would leave the message here, no longer tied to the server. */
  if (holders <= 1 && g_hash_table_contains (f->local, m->id))
    {
      g_autoptr (GError) local_error = NULL;

      if (!postern_store_remove (sync->store, m->id, f->mb->local, &local_error)
          && !g_error_matches (local_error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_hash_table_remove (f->local, m->id);
      sync->stats->removed++;
    }
  if (!postern_imap_state_remove_message (sync->state, f->mb->name, uid, error))
    return FALSE;
  known_remove (f, uid);
  return TRUE;
}

/* 4. What the server expunged goes here too. */
static gboolean
pull_expunges (Folder *f, GError **error)
{
  guint32 start = MAX (f->prev.uidnext, 1);
  g_autoptr (GArray) known = sorted_uids (f->known);
  g_autoptr (GArray) gone = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint below = 0;

  for (guint i = 0; i < known->len; i++)
    {
      guint32 uid = g_array_index (known, guint32, i);
      if (uid < start)
        below++;
      else if (!g_hash_table_contains (f->listed, GUINT_TO_POINTER (uid)))
        g_array_append_val (gone, uid);
    }
  /* Every known UID below start still there, plus those listed: anything
   * else in EXISTS means some are gone. */
  if (below > 0 && f->exists != below + g_hash_table_size (f->listed))
    {
      g_autoptr (PosternImapResponse) r
        = folder_command (f, on_search, error, "UID SEARCH UID 1:%u", start - 1);
      if (r == NULL)
        return FALSE;
      for (guint i = 0; i < known->len; i++)
        {
          guint32 uid = g_array_index (known, guint32, i);
          if (uid < start && !g_hash_table_contains (f->alive, GUINT_TO_POINTER (uid)))
            g_array_append_val (gone, uid);
        }
    }
  for (guint i = 0; i < gone->len; i++)
    if (!remove_expunged (f, g_array_index (gone, guint32, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
on_flags (PosternImapResponse *r, gpointer data, GError **error)
{
  Folder *f = data;
  g_autoptr (PosternImapFetch) fetch = NULL;

  track (f, r);
  if (g_strcmp0 (r->name, "FETCH") != 0)
    return TRUE;
  fetch = postern_imap_fetch_parse (r, error);
  if (fetch == NULL)
    return FALSE;
  if (fetch->uid != 0 && fetch->flags != NULL
      && g_hash_table_contains (f->known, GUINT_TO_POINTER (fetch->uid)))
    g_hash_table_insert (f->server_flags, GUINT_TO_POINTER (fetch->uid),
                         flags_from_imap (fetch->flags, f->mapped));
  return TRUE;
}

static gboolean
store_flags (Folder *f, GHashTable *groups, const char *sign, GError **error)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GArray *uids = value;
      g_autofree char *set = postern_imap_uid_set ((const guint32 *) uids->data, uids->len);
      g_autofree char *list = flags_to_imap (key);
      g_autoptr (PosternImapResponse) r
        = folder_command (f, NULL, error, "UID STORE %s %sFLAGS.SILENT %s", set, sign, list);
      if (r == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
group_add (GHashTable *groups, const char *flags, guint32 uid)
{
  GArray *uids;

  if (*flags == '\0')
    return;
  uids = g_hash_table_lookup (groups, flags);
  if (uids == NULL)
    {
      uids = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_hash_table_insert (groups, g_strdup (flags), uids);
    }
  g_array_append_val (uids, uid);
}

/* A UID's flags as both sides now have them, to be recorded. */
typedef struct
{
  guint32 uid;
  char *flags;
} Record;

static void
record_clear (gpointer data)
{
  g_free (((Record *) data)->flags);
}

/* 5. Flags, both ways. */
static gboolean
sync_flags (Folder *f, GError **error)
{
  Sync *sync = f->sync;
  g_autoptr (GArray) known = sorted_uids (f->known);
  g_autoptr (PosternImapResponse) r = NULL;
  g_autoptr (GHashTable) add
    = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  g_autoptr (GHashTable) remove
    = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  g_autoptr (GPtrArray) renames = g_ptr_array_new_with_free_func ((GDestroyNotify) rename_free);
  g_autoptr (GArray) records = g_array_new (FALSE, FALSE, sizeof (Record));
  g_autoptr (GHashTable) pushed = uid_table (NULL);
  guint32 max_known;

  g_array_set_clear_func (records, record_clear);
  if (known->len == 0)
    return TRUE;
  max_known = g_array_index (known, guint32, known->len - 1);
  if (f->condstore && !f->nomodseq && f->prev.highestmodseq > 0)
    r = folder_command (f, on_flags, error,
                        "UID FETCH 1:%u (UID FLAGS) (CHANGEDSINCE %" G_GUINT64_FORMAT ")",
                        max_known, f->prev.highestmodseq);
  else
    r = folder_command (f, on_flags, error, "UID FETCH 1:%u (UID FLAGS)", max_known);
  if (r == NULL)
    return FALSE;

  for (guint i = 0; i < known->len; i++)
    {
      guint32 uid = g_array_index (known, guint32, i);
      PosternImapMessageState *m = g_hash_table_lookup (f->known, GUINT_TO_POINTER (uid));
      PosternMessageRow *row = g_hash_table_lookup (f->local, m->id);
      g_autofree char *base = flags_only (m->flags, f->mapped);
      g_autofree char *file_flags = NULL;
      g_autofree char *local = NULL;
      g_autofree char *merged = NULL;
      const char *server;

      if (row == NULL)
        continue;
      file_flags = postern_maildir_file_flags (row->file);
      local = flags_only (file_flags, f->mapped);
      server = g_hash_table_lookup (f->server_flags, GUINT_TO_POINTER (uid));
      if (server == NULL)
        server = base; /* unchanged on the server since the last sync */
      /* A read-only mailbox cannot take our changes: the server wins. */
      merged = f->read_only ? g_strdup (server) : merge_flags (base, local, server, f->mapped);

      if (!g_str_equal (merged, server))
        {
          g_autofree char *plus = flags_minus (merged, server);
          g_autofree char *minus = flags_minus (server, merged);
          group_add (add, plus, uid);
          group_add (remove, minus, uid);
          g_hash_table_add (pushed, GUINT_TO_POINTER (uid));
        }
      if (!g_str_equal (merged, local))
        {
          Rename *rn = g_new0 (Rename, 1);
          rn->row = row;
          rn->flags = g_strdup (merged);
          g_ptr_array_add (renames, rn);
        }
      if (!g_str_equal (merged, m->flags))
        {
          Record rec = { uid, g_steal_pointer (&merged) };
          g_array_append_val (records, rec);
        }
    }

  /* The server first, then here, then the record of what both now have:
   * a sync cut off in between finds both sides already agreeing. */
  if (!store_flags (f, add, "+", error) || !store_flags (f, remove, "-", error))
    return FALSE;
  sync->stats->flags_pushed += g_hash_table_size (pushed);
  if (!apply_renames (f, renames, error))
    return FALSE;

  if (records->len == 0)
    return TRUE;
  if (!postern_imap_state_begin (sync->state, error))
    return FALSE;
  for (guint i = 0; i < records->len; i++)
    {
      Record *rec = &g_array_index (records, Record, i);
      PosternImapMessageState *m = g_hash_table_lookup (f->known, GUINT_TO_POINTER (rec->uid));

      if (!postern_imap_state_put_message (sync->state, f->mb->name, rec->uid, m->id, rec->flags,
                                           error))
        {
          postern_imap_state_rollback (sync->state);
          return FALSE;
        }
      g_free (m->flags);
      m->flags = g_strdup (rec->flags);
    }
  return postern_imap_state_commit (sync->state, error);
}

/* Stores the fetched batch, fsynced, then records it. */
static gboolean
flush_pending (Folder *f, GError **error)
{
  Sync *sync = f->sync;
  g_autofree PosternDelivery *deliveries = NULL;
  guint n = f->pending->len;
  gboolean ok;

  if (n == 0)
    return TRUE;
  deliveries = g_new0 (PosternDelivery, n);
  for (guint i = 0; i < n; i++)
    {
      Fetched *m = f->pending->pdata[i];
      deliveries[i].bytes = m->body;
      deliveries[i].flags = *m->flags ? m->flags : NULL;
      deliveries[i].lock = sync->lock;
    }
  ok = postern_store_deliver (sync->store, f->mb->local, deliveries, n, error);
  if (ok)
    ok = postern_imap_state_begin (sync->state, error);
  for (guint i = 0; ok && i < n; i++)
    {
      Fetched *m = f->pending->pdata[i];
      g_autofree char *flags = NULL;

      if (deliveries[i].stored)
        flags = g_strdup (m->flags);
      else
        {
          /* Already here (an earlier copy, or a batch whose record was
           * lost): what the two sides agree on is what this side has, and
           * the next sync brings the server's flags over. */
          g_autoptr (PosternMessageRow) row = postern_index_lookup (
            postern_store_get_index (sync->store), deliveries[i].id, f->mb->local, NULL);
          g_autofree char *file_flags = row ? postern_maildir_file_flags (row->file) : NULL;
          flags = flags_only (file_flags ? file_flags : m->flags, f->mapped);
        }
      ok = postern_imap_state_put_message (sync->state, f->mb->name, m->uid, deliveries[i].id,
                                           flags, error);
      if (ok)
        {
          known_put (f, m->uid, deliveries[i].id, flags);
          if (deliveries[i].stored)
            sync->stats->fetched++;
        }
    }
  if (ok)
    ok = postern_imap_state_commit (sync->state, error);
  else
    postern_imap_state_rollback (sync->state);
  for (guint i = 0; i < n; i++)
    postern_delivery_clear (&deliveries[i]);
  g_ptr_array_set_size (f->pending, 0);
  f->pending_bytes = 0;
  return ok;
}

static gboolean
on_body (PosternImapResponse *r, gpointer data, GError **error)
{
  Folder *f = data;
  g_autoptr (PosternImapFetch) fetch = NULL;
  Fetched *m;

  track (f, r);
  if (g_strcmp0 (r->name, "FETCH") != 0)
    return TRUE;
  fetch = postern_imap_fetch_parse (r, error);
  if (fetch == NULL)
    return FALSE;
  if (fetch->uid == 0 || fetch->body == NULL
      || !g_hash_table_remove (f->wanted, GUINT_TO_POINTER (fetch->uid)))
    return TRUE;

  m = g_new0 (Fetched, 1);
  m->uid = fetch->uid;
  m->body = g_bytes_ref (fetch->body);
  if (fetch->flags != NULL)
    m->flags = flags_from_imap (fetch->flags, f->mapped);
  else
    m->flags = g_strdup (g_hash_table_lookup (f->listed, GUINT_TO_POINTER (fetch->uid)));
  if (m->flags == NULL)
    m->flags = g_strdup ("");
  g_ptr_array_add (f->pending, m);
  f->pending_bytes += g_bytes_get_size (m->body);
  f->sync->stats->fetched_bytes += g_bytes_get_size (m->body);
  if (f->pending->len >= BATCH_MESSAGES || f->pending_bytes >= BATCH_BYTES)
    return flush_pending (f, error);
  return TRUE;
}

static gboolean
fetch_set (Folder *f, GArray *uids, GError **error)
{
  g_autofree char *set = postern_imap_uid_set ((const guint32 *) uids->data, uids->len);
  g_autoptr (PosternImapResponse) r = NULL;
  GError *local_error = NULL;

  for (guint i = 0; i < uids->len; i++)
    g_hash_table_add (f->wanted, GUINT_TO_POINTER (g_array_index (uids, guint32, i)));
  r = folder_command (f, on_body, &local_error, "UID FETCH %s (UID FLAGS BODY.PEEK[])", set);
  if (r == NULL)
    {
      /* What arrived whole before the failure is kept. */
      g_autoptr (GError) flush_error = NULL;
      if (!flush_pending (f, &flush_error))
        g_debug ("could not store what was fetched before the failure: %s", flush_error->message);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return flush_pending (f, error);
}

/* 6. New mail: every listed UID not yet stored, in commands of bounded
 * size. */
static gboolean
fetch_new (Folder *f, GError **error)
{
  g_autoptr (GArray) listed = sorted_uids (f->listed);
  g_autoptr (GArray) chunk = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint64 chunk_bytes = 0;

  for (guint i = 0; i < listed->len; i++)
    {
      guint32 uid = g_array_index (listed, guint32, i);
      guint64 *size = g_hash_table_lookup (f->sizes, GUINT_TO_POINTER (uid));

      if (g_hash_table_contains (f->known, GUINT_TO_POINTER (uid)))
        continue;
      /* The parser would refuse it, and with it every sync after. */
      if (size != NULL && *size > POSTERN_IMAP_MAX_LITERAL)
        {
          g_autofree char *what = g_strdup_printf ("message UID %u is larger (%" G_GUINT64_FORMAT
                                                   " bytes) than Postern accepts",
                                                   uid, *size);
          skip (f->sync, f->mb->name, what);
          continue;
        }
      g_array_append_val (chunk, uid);
      chunk_bytes += size ? *size : 0;
      if (chunk->len >= COMMAND_MESSAGES || chunk_bytes >= COMMAND_BYTES)
        {
          if (!fetch_set (f, chunk, error))
            return FALSE;
          g_array_set_size (chunk, 0);
          chunk_bytes = 0;
        }
    }
  return chunk->len == 0 || fetch_set (f, chunk, error);
}

/* IMAP wants CRLF line ends; a stored message may have bare LFs. */
static GBytes *
to_crlf (GBytes *bytes)
{
  gsize len;
  const char *p = g_bytes_get_data (bytes, &len);
  GByteArray *out = g_byte_array_sized_new ((guint) (len + len / 32 + 2));

  for (gsize i = 0; i < len; i++)
    {
      if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
        g_byte_array_append (out, (const guint8 *) "\r", 1);
      g_byte_array_append (out, (const guint8 *) p + i, 1);
    }
  return g_byte_array_free_to_bytes (out);
}

/* Whether a local message of this folder belongs on the server but is not
 * there: mail this account sent, in the \Sent mailbox; or mail that came
 * from one of this account's mailboxes and was moved or copied here. */
static gboolean
wants_upload (Folder *f, PosternMessageRow *row)
{
  Sync *sync = f->sync;

  if (g_hash_table_contains (f->known_ids, row->id) || !g_hash_table_contains (f->local, row->id))
    return FALSE;
  if (f->mb->sent && sender_is (row, sync->self->address))
    return TRUE;
  /* Not in a mailbox that was just renumbered or fetched again: there the
   * server's copy, if any, has been recognised already, and the rest is
   * what the server dropped. */
  return !f->was_reset && g_hash_table_contains (sync->account_ids, row->id);
}

/* 7. What belongs on the server goes there by APPEND. */
static gboolean
upload_local (Folder *f, GError **error)
{
  Sync *sync = f->sync;
  gboolean refetch = FALSE;

  for (guint i = 0; i < f->rows->len; i++)
    {
      PosternMessageRow *row = f->rows->pdata[i];
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (GBytes) crlf = NULL;
      g_autofree char *file_flags = NULL;
      g_autofree char *letters = NULL;
      g_autofree char *imap_flags = NULL;
      guint32 uidvalidity = 0, uid = 0;

      if (!wants_upload (f, row))
        continue;
      bytes = postern_store_load (sync->store, row->id, f->mb->local, NULL, error);
      if (bytes == NULL)
        return FALSE;
      crlf = to_crlf (bytes);
      file_flags = postern_maildir_file_flags (row->file);
      letters = flags_only (file_flags, f->mapped);
      imap_flags = flags_to_imap (letters);
      if (!postern_imap_client_append (sync->client, f->mb->name, imap_flags, crlf, &uidvalidity,
                                       &uid, sync->cancellable, error))
        return FALSE;
      sync->stats->uploaded++;
      if (uid != 0 && uidvalidity == f->uidvalidity)
        {
          if (!postern_imap_state_put_message (sync->state, f->mb->name, uid, row->id, letters,
                                               error))
            return FALSE;
          known_put (f, uid, row->id, letters);
          f->max_uid = MAX (f->max_uid, uid);
        }
      else
        refetch = TRUE;
    }
  /* Without UIDPLUS the new UIDs are learnt by fetching them; the store
   * recognises its own bytes, so nothing is stored twice. */
  if (refetch)
    {
      g_hash_table_remove_all (f->listed);
      if (!list_from (f, MAX (f->uidnext, f->prev.uidnext), error) || !fetch_new (f, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_known (Folder *f, GError **error)
{
  f->known_list = postern_imap_state_list_messages (f->sync->state, f->mb->name, error);
  if (f->known_list == NULL)
    return FALSE;
  f->known = uid_table (NULL);
  f->known_ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < f->known_list->len; i++)
    known_add (f, f->known_list->pdata[i]);
  return TRUE;
}

/* Postern names its files ID.LOCK.postern: the content id is the name's
 * first 24 hex digits. */
static char *
id_from_file_name (const char *name)
{
  for (guint i = 0; i < 24; i++)
    if (!g_ascii_isxdigit (name[i]) || g_ascii_isupper (name[i]))
      return NULL;
  return name[24] == '.' ? g_strndup (name, 24) : NULL;
}

/* The messages of Postern's that the folder's Maildir holds: id → file. */
static void
scan_disk (Folder *f)
{
  g_autofree char *dir
    = g_build_filename (postern_profile_get_path (f->sync->profile), "store", f->mb->local, NULL);
  static const char *const subs[] = { "cur", "new" };

  g_clear_pointer (&f->disk, g_hash_table_unref);
  f->disk = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint s = 0; s < G_N_ELEMENTS (subs); s++)
    {
      g_autofree char *path = g_build_filename (dir, subs[s], NULL);
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          char *id = id_from_file_name (name);
          if (id != NULL)
            g_hash_table_insert (f->disk, id, g_strconcat (subs[s], "/", name, NULL));
        }
    }
}

/* Whether the index lists every one of them under its current name. It
 * can fall behind when another program renames a file (a Maildir client
 * changing flags), and a message the index missed must not pass for one
 * the user deleted. */
static gboolean
index_matches_disk (Folder *f)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, f->disk);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      PosternMessageRow *row = g_hash_table_lookup (f->local, key);
      if (row == NULL || !g_str_equal (row->file, value))
        return FALSE;
    }
  return TRUE;
}

/* Has the store read the folder again from disk. The store re-reads a
 * folder whose recorded stamp differs from the one on disk, so recording
 * one that can never match makes the next refresh do it. */
static gboolean
reread_folder (Folder *f, GError **error)
{
  PosternIndex *index = postern_store_get_index (f->sync->store);
  gboolean ok;

  if (!lock_store (f->sync, error))
    return FALSE;
  ok = postern_index_begin (index, error);
  if (ok)
    {
      ok = postern_index_set_folder_stamp (index, f->mb->local, "stale: imap sync", error);
      if (ok)
        ok = postern_index_commit (index, error);
      else
        postern_index_rollback (index);
    }
  flock (f->sync->store_lock_fd, LOCK_UN);
  return ok && postern_store_refresh (f->sync->store, error);
}

static gboolean
list_local (Folder *f, GError **error)
{
  g_clear_pointer (&f->local, g_hash_table_unref);
  g_clear_pointer (&f->rows, g_ptr_array_unref);
  f->rows = postern_store_list (f->sync->store, f->mb->local, 0, 0, error);
  if (f->rows == NULL)
    return FALSE;
  f->local = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < f->rows->len; i++)
    {
      PosternMessageRow *row = f->rows->pdata[i];
      g_hash_table_insert (f->local, row->id, row);
    }
  return TRUE;
}

static gboolean
load_local (Folder *f, GError **error)
{
  Sync *sync = f->sync;
  g_auto (GStrv) folders = postern_store_list_folders (sync->store);

  f->local_existed = g_strv_contains ((const char *const *) folders, f->mb->local);
  if (!postern_store_ensure_folder (sync->store, f->mb->local, error) || !list_local (f, error))
    return FALSE;
  scan_disk (f);
  /* A renamed file can take the store two readings to catch up with: the
   * first drops the old name, the second indexes the new one. */
  for (guint i = 0; i < 2 && !index_matches_disk (f); i++)
    {
      g_debug ("the index of %s lags behind its Maildir; reading it again", f->mb->local);
      if (!reread_folder (f, error) || !list_local (f, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
sync_folder (Sync *sync, Mailbox *mb, GError **error)
{
  Folder f = { 0 };
  g_autoptr (PosternImapResponse) r = NULL;
  GError *local_error = NULL;
  PosternImapFolderState done;
  gboolean ok = FALSE;

  f.sync = sync;
  f.mb = mb;
  f.quoted = postern_imap_quote (mb->name);
  f.condstore = postern_imap_client_has_capability (sync->client, "CONDSTORE");
  f.listed = uid_table (g_free);
  f.sizes = uid_table (g_free);
  f.server_flags = uid_table (g_free);
  f.alive = uid_table (NULL);
  f.wanted = uid_table (NULL);
  f.pending = g_ptr_array_new_with_free_func ((GDestroyNotify) fetched_free);

  if (f.quoted == NULL)
    {
      skip (sync, mb->name, "its name cannot be sent back to the server");
      ok = TRUE;
      goto out;
    }
  r = postern_imap_client_command (sync->client, on_select, &f, sync->cancellable, &local_error,
                                   "SELECT %s%s", f.quoted, f.condstore ? " (CONDSTORE)" : "");
  if (r == NULL)
    {
      /* One mailbox the server will not open is no reason to stop. */
      if (g_error_matches (local_error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_REFUSED))
        {
          skip (sync, mb->name, local_error->message);
          g_error_free (local_error);
          ok = TRUE;
        }
      else
        g_propagate_error (error, local_error);
      goto out;
    }
  f.read_only = g_strcmp0 (r->code, "READ-ONLY") == 0;
  f.mapped = f.keywords ? "DFPRST" : "DFRST";
  if (!f.has_uidvalidity)
    {
      skip (sync, mb->name, "the server gave it no UIDVALIDITY");
      ok = TRUE;
      goto out;
    }

  if (!postern_imap_state_get_folder (sync->state, mb->name, &f.prev)
      || f.prev.uidvalidity != f.uidvalidity)
    {
      /* New, or renumbered on the server: the UIDs we knew are void. The
       * mail stored here stays; fetched again, it is recognised by its
       * bytes and not stored twice. */
      if (f.prev.uidvalidity != 0)
        f.was_reset = TRUE;
      if (!postern_imap_state_reset_folder (sync->state, mb->name, f.uidvalidity, error))
        goto out;
      f.prev = (PosternImapFolderState){ f.uidvalidity, 0, 0 };
    }
  if (!load_known (&f, error) || !load_local (&f, error))
    goto out;

  /* A local folder removed as a whole is not a wish to empty the server's:
   * it is fetched again instead. */
  if (!f.local_existed && g_hash_table_size (f.known) > 0)
    {
      f.was_reset = TRUE;
      if (!postern_imap_state_reset_folder (sync->state, mb->name, f.uidvalidity, error))
        goto out;
      f.prev = (PosternImapFolderState){ f.uidvalidity, 0, 0 };
      g_clear_pointer (&f.known, g_hash_table_unref);
      g_clear_pointer (&f.known_ids, g_hash_table_unref);
      g_clear_pointer (&f.known_list, g_ptr_array_unref);
      if (!load_known (&f, error))
        goto out;
    }

  if (!push_local_deletions (&f, error) || !list_from (&f, MAX (f.prev.uidnext, 1), error)
      || !pull_expunges (&f, error) || !sync_flags (&f, error) || !fetch_new (&f, error))
    goto out;
  if (!f.read_only && !upload_local (&f, error))
    goto out;

  done.uidvalidity = f.uidvalidity;
  done.uidnext = MAX (f.uidnext, f.max_uid + 1);
  done.uidnext = MAX (done.uidnext, f.prev.uidnext);
  done.highestmodseq = f.condstore && !f.nomodseq ? f.highestmodseq : 0;
  if (!postern_imap_state_set_folder (sync->state, mb->name, &done, error))
    goto out;
  sync->stats->folders++;
  ok = TRUE;

out:
  folder_clear (&f);
  return ok;
}

static gboolean
on_list (PosternImapResponse *r, gpointer data, GError **error)
{
  GPtrArray *mailboxes = data;
  PosternImapValue *attrs;
  Mailbox *mb;
  char *name;

  if (g_strcmp0 (r->name, "LIST") != 0 || r->args == NULL || r->args->len < 3)
    return TRUE;
  attrs = r->args->pdata[0];
  name = postern_imap_value_dup_string (r->args->pdata[2]);
  if (attrs->type != POSTERN_IMAP_LIST || name == NULL)
    {
      g_free (name);
      return TRUE;
    }
  mb = g_new0 (Mailbox, 1);
  mb->name = name;
  for (guint i = 0; i < attrs->list->len; i++)
    {
      PosternImapValue *a = attrs->list->pdata[i];
      if (postern_imap_value_is_atom (a, "\\Noselect")
          || postern_imap_value_is_atom (a, "\\NonExistent"))
        mb->noselect = TRUE;
      else if (postern_imap_value_is_atom (a, "\\Sent"))
        mb->sent = TRUE;
      else if (postern_imap_value_is_atom (a, "\\Drafts"))
        mb->drafts = TRUE;
    }
  g_ptr_array_add (mailboxes, mb);
  return TRUE;
}

static int
compare_mailboxes (gconstpointer a, gconstpointer b)
{
  const Mailbox *x = *(Mailbox *const *) a, *y = *(Mailbox *const *) b;
  gboolean xi = g_ascii_strcasecmp (x->name, "INBOX") == 0;
  gboolean yi = g_ascii_strcasecmp (y->name, "INBOX") == 0;

  if (xi != yi)
    return xi ? -1 : 1;
  return strcmp (x->name, y->name);
}

/* Which local folder each mailbox syncs with: INBOX with INBOX, the \Sent
 * and \Drafts mailboxes with Sent and Drafts, the others by their decoded
 * name, which the store must accept. */
static void
map_mailboxes (Sync *sync, GPtrArray *mailboxes)
{
  g_autoptr (GHashTable) taken = g_hash_table_new (g_str_hash, g_str_equal);
  Mailbox *sent = NULL, *drafts = NULL;

  g_ptr_array_sort (mailboxes, compare_mailboxes);
  for (guint i = 0; i < mailboxes->len; i++)
    {
      Mailbox *mb = mailboxes->pdata[i];
      if (mb->noselect)
        continue;
      if (g_ascii_strcasecmp (mb->name, "INBOX") == 0)
        mb->local = g_strdup (POSTERN_STORE_INBOX);
      else if (mb->sent && sent == NULL)
        mb->local = g_strdup (POSTERN_STORE_SENT), sent = mb;
      else if (mb->drafts && drafts == NULL)
        mb->local = g_strdup (POSTERN_STORE_DRAFTS), drafts = mb;
      else
        continue;
      g_hash_table_add (taken, mb->local);
    }
  /* Servers without SPECIAL-USE: the usual names. */
  for (guint i = 0; sent == NULL && i < mailboxes->len; i++)
    {
      static const char *const names[]
        = { "Sent", "Sent Items", "Sent Messages", "INBOX.Sent", NULL };
      Mailbox *mb = mailboxes->pdata[i];

      for (guint j = 0; !mb->noselect && mb->local == NULL && names[j] != NULL; j++)
        if (g_ascii_strcasecmp (mb->name, names[j]) == 0)
          {
            mb->sent = TRUE;
            mb->local = g_strdup (POSTERN_STORE_SENT);
            g_hash_table_add (taken, mb->local);
            sent = mb;
          }
    }
  for (guint i = 0; i < mailboxes->len; i++)
    {
      Mailbox *mb = mailboxes->pdata[i];
      g_autofree char *decoded = NULL;

      if (mb->noselect || mb->local != NULL)
        continue;
      mb->sent = FALSE; /* a second \Sent is synced by name only */
      decoded = postern_imap_mailbox_decode (mb->name);
      if (decoded == NULL)
        skip (sync, mb->name, "the server sent a malformed name");
      else if (!postern_store_folder_name_is_valid (decoded))
        skip (sync, mb->name, "the local store cannot hold a folder of that name");
      else if (g_str_equal (decoded, POSTERN_STORE_OUTBOX))
        skip (sync, mb->name, "Outbox is where Postern queues mail to send");
      else if (g_hash_table_contains (taken, decoded))
        skip (sync, mb->name, "another mailbox already syncs with that folder");
      else
        {
          mb->local = g_steal_pointer (&decoded);
          g_hash_table_add (taken, mb->local);
        }
    }
}

static PosternImapClient *
open_session (PosternTransportImap *self, PosternLock *out_lock, GCancellable *cancellable,
              GError **error)
{
  static const char *const schemes[] = { "imap", "imaps", NULL };
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autoptr (PosternImapClient) client = NULL;
  char *password;
  guint16 port = 0;
  gboolean ok;

  if (self->url == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "the account has no IMAP server (account add … --imap URL)");
      return NULL;
    }
  if (!postern_net_parse_url (self->url, schemes, &scheme, &host, &port, error))
    return NULL;
  client
    = postern_imap_client_connect (host, port, g_str_equal (scheme, "imaps"), self->allow_plaintext,
                                   self->extra_ca_file, TIMEOUT_SECONDS, cancellable, error);
  if (client == NULL)
    return NULL;
  password
    = postern_secrets_lookup_password (self->profile_path, self->account_name, cancellable, error);
  if (password == NULL)
    return NULL;
  ok = postern_imap_client_login (client, self->user, password, cancellable, error);
  postern_secrets_free_password (password);
  if (!ok)
    return NULL;
  if (out_lock != NULL)
    *out_lock = postern_imap_client_is_tls (client) ? POSTERN_LOCK_TLS : POSTERN_LOCK_OPEN;
  return g_steal_pointer (&client);
}

/* One sync per account at a time, across processes too: two at once would
 * fetch the same mail and upload the same sent copies. The kernel drops
 * the lock of a process that dies. */
static int
lock_account (const char *state_path, GCancellable *cancellable, GError **error)
{
  g_autofree char *path = g_strconcat (state_path, ".lock", NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot open %s: %s", path,
                   g_strerror (errno));
      return -1;
    }
  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      if (errno != EWOULDBLOCK && errno != EINTR)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot lock %s: %s", path,
                       g_strerror (errno));
          close (fd);
          return -1;
        }
      /* Waiting, but never past a cancellation. */
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          close (fd);
          return -1;
        }
      g_usleep (100 * 1000);
    }
  return fd;
}

/**
 * postern_transport_imap_sync:
 *
 * Runs one whole sync, blocking: call it from a worker thread, or from a
 * program without a main loop (postern-cli). Everything fetched before a
 * failure stays stored and is not fetched again.
 *
 * Returns: (transfer full): what the sync did, or %NULL with @error
 */
PosternImapSyncStats *
postern_transport_imap_sync (PosternTransportImap *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternImapSyncStats) stats = g_new0 (PosternImapSyncStats, 1);
  g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) mailboxes = g_ptr_array_new_with_free_func ((GDestroyNotify) mailbox_free);
  g_autoptr (GStrvBuilder) keep = g_strv_builder_new ();
  g_auto (GStrv) keep_names = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternImapState) state = NULL;
  g_autoptr (PosternImapClient) client = NULL;
  g_autoptr (PosternImapResponse) r = NULL;
  g_autoptr (GHashTable) account_ids = NULL;
  g_autofree char *state_path = NULL;
  Sync sync = { 0 };
  int account_lock;
  gboolean ok = FALSE;

  g_return_val_if_fail (POSTERN_IS_TRANSPORT_IMAP (self), NULL);

  /* The worker opens its own profile: the store's SQLite connection is
   * used by one thread only. */
  profile = postern_profile_open (self->profile_path, FALSE, error);
  if (profile == NULL)
    return NULL;
  sync.store = postern_profile_get_store (profile, error);
  if (sync.store == NULL)
    return NULL;
  state_path = postern_imap_state_path (self->profile_path, self->account_name);
  state = postern_imap_state_open (state_path, error);
  if (state == NULL)
    return NULL;
  account_lock = lock_account (state_path, cancellable, error);
  if (account_lock < 0)
    return NULL;
  client = open_session (self, &sync.lock, cancellable, error);
  if (client == NULL)
    {
      close (account_lock);
      return NULL;
    }
  account_ids = postern_imap_state_list_ids (state, error);
  if (account_ids == NULL)
    {
      postern_imap_client_logout (client);
      close (account_lock);
      return NULL;
    }

  sync.self = self;
  sync.cancellable = cancellable;
  sync.profile = profile;
  sync.state = state;
  sync.client = client;
  sync.stats = stats;
  sync.skipped = skipped;
  sync.account_ids = account_ids;
  sync.store_lock_fd = -1;

  if (postern_imap_client_has_capability (client, "SPECIAL-USE")
      && postern_imap_client_has_capability (client, "LIST-EXTENDED"))
    r = postern_imap_client_command (client, on_list, mailboxes, cancellable, error,
                                     "LIST \"\" \"*\" RETURN (SPECIAL-USE)");
  else
    r = postern_imap_client_command (client, on_list, mailboxes, cancellable, error,
                                     "LIST \"\" \"*\"");
  if (r == NULL)
    goto out;
  map_mailboxes (&sync, mailboxes);

  for (guint i = 0; i < mailboxes->len; i++)
    {
      Mailbox *mb = mailboxes->pdata[i];
      if (!mb->noselect)
        g_strv_builder_add (keep, mb->name);
    }
  keep_names = g_strv_builder_end (keep);
  if (!postern_imap_state_forget_other_folders (state, (const char *const *) keep_names, error))
    goto out;

  for (guint i = 0; i < mailboxes->len; i++)
    {
      Mailbox *mb = mailboxes->pdata[i];
      if (mb->local != NULL && !sync_folder (&sync, mb, error))
        goto out;
    }
  ok = TRUE;

out:
  postern_imap_client_logout (client);
  if (sync.store_lock_fd >= 0)
    close (sync.store_lock_fd);
  close (account_lock);
  if (!ok)
    return NULL;
  g_ptr_array_add (skipped, NULL);
  stats->skipped = (char **) g_ptr_array_steal (skipped, NULL);
  return g_steal_pointer (&stats);
}

static void
sync_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  PosternImapSyncStats *stats = postern_transport_imap_sync (source, cancellable, &error);

  if (stats == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, stats, (GDestroyNotify) postern_imap_sync_stats_free);
}

void
postern_transport_imap_sync_async (PosternTransportImap *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_transport_imap_sync_async);
  g_task_run_in_thread (task, sync_thread);
}

PosternImapSyncStats *
postern_transport_imap_sync_finish (PosternTransportImap *self, GAsyncResult *result,
                                    GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
on_examine (PosternImapResponse *r, gpointer data, GError **error)
{
  guint64 n;

  if (postern_imap_response_get_code_number (r, "UIDNEXT", &n))
    *(guint64 *) data = n;
  return TRUE;
}

static void
wait_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PosternTransportImap *self = source;
  guint max_seconds = GPOINTER_TO_UINT (task_data);
  g_autoptr (PosternImapClient) client = NULL;
  g_autoptr (PosternImapResponse) r = NULL;
  g_autofree char *state_path = NULL;
  g_autoptr (PosternImapState) state = NULL;
  PosternImapFolderState known = { 0 };
  GError *error = NULL;
  guint64 uidnext = 0;
  gboolean changed = FALSE;

  client = open_session (self, NULL, cancellable, &error);
  if (client == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  r = postern_imap_client_command (client, on_examine, &uidnext, cancellable, &error,
                                   "EXAMINE INBOX");
  if (r == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Mail that came after the last sync and before this wait began would
   * never be announced: say so at once. */
  state_path = postern_imap_state_path (self->profile_path, self->account_name);
  state = postern_imap_state_open (state_path, NULL);
  if (state == NULL || !postern_imap_state_get_folder (state, "INBOX", &known)
      || uidnext > known.uidnext)
    {
      postern_imap_client_logout (client);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!postern_imap_client_idle (client, max_seconds, &changed, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  postern_imap_client_logout (client);
  g_task_return_boolean (task, TRUE);
}

/**
 * postern_transport_imap_wait_async:
 * @max_seconds: the longest wait; about 29 minutes (1740) is the most
 *   worth asking, as servers end an IDLE after 30
 *
 * Waits, on a connection of its own, until the server's INBOX changes (new
 * mail, an expunge, changed flags, announced by IDLE, or seen by NOOP on
 * servers without it) or @max_seconds pass. Either way it is then time to
 * sync. Cancelling @cancellable ends the wait at once with
 * %G_IO_ERROR_CANCELLED.
 */
void
postern_transport_imap_wait_async (PosternTransportImap *self, guint max_seconds,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_return_if_fail (POSTERN_IS_TRANSPORT_IMAP (self));

  g_task_set_source_tag (task, postern_transport_imap_wait_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (MAX (max_seconds, 1)), NULL);
  g_task_run_in_thread (task, wait_thread);
}

/**
 * postern_transport_imap_wait_finish:
 *
 * Returns: %TRUE when it is time to sync; %FALSE with @error when the wait
 *   failed or was cancelled
 */
gboolean
postern_transport_imap_wait_finish (PosternTransportImap *self, GAsyncResult *result,
                                    GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static const char *
imap_get_name (PosternTransport *transport)
{
  return "imap";
}

static PosternLock
imap_get_lock (PosternTransport *transport)
{
  return POSTERN_TRANSPORT_IMAP (transport)->allow_plaintext ? POSTERN_LOCK_OPEN : POSTERN_LOCK_TLS;
}

static void
poll_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  g_autoptr (PosternImapSyncStats) stats
    = postern_transport_imap_sync_finish (POSTERN_TRANSPORT_IMAP (source), result, &error);

  if (stats == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, stats->fetched);
}

/* Receiving, for the transport interface, is a whole sync; what it
 * returns is how much new mail arrived. */
static void
imap_poll_async (PosternTransport *transport, GCancellable *cancellable,
                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (transport, cancellable, callback, user_data);

  g_task_set_source_tag (task, imap_poll_async);
  postern_transport_imap_sync_async (POSTERN_TRANSPORT_IMAP (transport), cancellable, poll_done,
                                     task);
}

static gssize
imap_poll_finish (PosternTransport *transport, GAsyncResult *result, GError **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static void
transport_iface_init (PosternTransportInterface *iface)
{
  iface->get_name = imap_get_name;
  iface->get_lock = imap_get_lock;
  iface->poll_async = imap_poll_async;
  iface->poll_finish = imap_poll_finish;
}
