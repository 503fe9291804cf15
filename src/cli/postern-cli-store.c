/* postern-cli-store.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * import, list, show and search over the local store.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "postern-cli.h"

/* Messages delivered per batch: each batch costs a few syncs and one
 * commit, so bigger batches import faster, at the price of memory for the
 * pending bytes, which the byte cap bounds when the mail is large. */
#define IMPORT_BATCH 2048
#define IMPORT_BATCH_BYTES (24 * 1024 * 1024)

typedef struct
{
  PosternStore *store;
  const char *folder;
  GArray *batch; /* PosternDelivery */
  GPtrArray *flags;
  gsize batch_bytes;
  guint added;
  guint skipped;
} Importer;

static gboolean
importer_flush (Importer *imp, GError **error)
{
  gboolean ok;

  if (imp->batch->len == 0)
    return TRUE;
  ok = postern_store_deliver (imp->store, imp->folder, (PosternDelivery *) imp->batch->data,
                              imp->batch->len, error);
  for (guint i = 0; i < imp->batch->len; i++)
    {
      PosternDelivery *d = &g_array_index (imp->batch, PosternDelivery, i);
      if (ok)
        {
          if (d->stored)
            imp->added++;
          else
            imp->skipped++;
        }
      g_bytes_unref (d->bytes);
      postern_delivery_clear (d);
    }
  g_array_set_size (imp->batch, 0);
  g_ptr_array_set_size (imp->flags, 0);
  imp->batch_bytes = 0;
  return ok;
}

static gboolean
importer_add (Importer *imp, GBytes *bytes, char *flags, GError **error)
{
  PosternDelivery d = { g_bytes_ref (bytes), flags, POSTERN_LOCK_UNKNOWN, NULL, FALSE };

  if (flags != NULL)
    g_ptr_array_add (imp->flags, flags);
  g_array_append_val (imp->batch, d);
  imp->batch_bytes += g_bytes_get_size (bytes);
  if (imp->batch->len < IMPORT_BATCH && imp->batch_bytes < IMPORT_BATCH_BYTES)
    return TRUE;
  return importer_flush (imp, error);
}

static gboolean
import_mbox (Importer *imp, const char *path, GError **error)
{
  g_autoptr (GBytes) contents = NULL;
  g_autoptr (PosternMboxReader) reader = NULL;
  g_autoptr (GError) local_error = NULL;
  GBytes *message;
  const char *base;
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  gsize released = 0;

  /* The file is mapped, not read, and the messages are slices of the
   * mapping; once a batch is stored its pages are dropped from this
   * process, so an mbox of any size imports in the memory of one batch. */
  if (!postern_fs_read_file (path, &contents, error))
    return FALSE;
  reader = postern_mbox_reader_new (contents, &local_error);
  if (reader == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "%s: %s", path,
                   local_error->message);
      return FALSE;
    }
  base = g_bytes_get_data (contents, NULL);
  while ((message = postern_mbox_reader_next (reader)) != NULL)
    {
      gboolean ok = importer_add (imp, message, NULL, error);
      g_bytes_unref (message);
      if (!ok)
        return FALSE;
      if (imp->batch->len == 0 && base != NULL)
        {
          /* Everything before the reader's position is stored and unused;
           * the mapping is read-only, so dropping pages loses nothing. */
          gsize done = postern_mbox_reader_get_offset (reader) / page * page;
          if (done > released)
            madvise ((char *) base + released, done - released, MADV_DONTNEED);
          released = MAX (released, done);
        }
    }
  return TRUE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
import_maildir (Importer *imp, const char *path, GError **error)
{
  g_autoptr (PosternMaildir) source = postern_maildir_new (path);
  g_autoptr (GPtrArray) files = NULL;

  if (!postern_maildir_exists (source))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   _ ("%s is not a Maildir: it has no cur/ and new/ folders"), path);
      return FALSE;
    }
  files = postern_maildir_scan (source, error);
  if (files == NULL)
    return FALSE;
  /* Maildir names start with the delivery time: keep that order. */
  g_ptr_array_sort (files, compare_names);
  for (guint i = 0; i < files->len; i++)
    {
      const char *file = files->pdata[i];
      g_autofree char *full = postern_maildir_file_path (source, file);
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (GError) read_error = NULL;
      char *flags = postern_maildir_file_flags (file);
      char *data;
      gsize len;

      /* Read, not mapped: mail files are small, and unmapping each one
       * would interrupt every other thread's CPU to flush its TLB. */
      if (!g_file_get_contents (full, &data, &len, &read_error))
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "%s", read_error->message);
          g_free (flags);
          return FALSE;
        }
      bytes = g_bytes_new_take (data, len);
      if (*flags == '\0')
        g_clear_pointer (&flags, g_free);
      if (!importer_add (imp, bytes, flags, error))
        return FALSE;
    }
  return TRUE;
}

int
postern_cli_import (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  const char *folder = POSTERN_STORE_INBOX;
  Importer imp = { 0 };
  gboolean ok;

  if (!postern_cli_take_option (cli, "--folder", &folder, &error)
      || !postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 2
      || !(g_str_equal (cli->argv[0], "mbox") || g_str_equal (cli->argv[0], "maildir")))
    return postern_cli_usage (_ ("import mbox|maildir PATH [--folder F]"));
  if (!postern_store_folder_name_is_valid (folder))
    {
      g_autofree char *m = g_strdup_printf (_ ("invalid folder name \"%s\""), folder);
      return postern_cli_usage (m);
    }
  if (!g_file_test (cli->argv[1], G_FILE_TEST_EXISTS))
    {
      g_printerr (_ ("postern-cli: cannot import %s: %s\n"), cli->argv[1], g_strerror (ENOENT));
      return POSTERN_EXIT_FAILED;
    }

  profile = postern_cli_open_profile (cli, TRUE, &error);
  if (profile == NULL || (imp.store = postern_profile_get_store (profile, &error)) == NULL)
    return postern_cli_fail (error);

  imp.folder = folder;
  imp.batch = g_array_new (FALSE, TRUE, sizeof (PosternDelivery));
  imp.flags = g_ptr_array_new_with_free_func (g_free);
  if (g_str_equal (cli->argv[0], "mbox"))
    ok = import_mbox (&imp, cli->argv[1], &error);
  else
    ok = import_maildir (&imp, cli->argv[1], &error);
  /* What was read before an error is still stored. */
  if (!importer_flush (&imp, ok ? &error : NULL))
    ok = FALSE;
  g_array_unref (imp.batch);
  g_ptr_array_unref (imp.flags);

  g_print (_ ("imported %u new messages into %s (%u already stored)\n"), imp.added, folder,
           imp.skipped);
  if (!ok)
    return postern_cli_fail (error);
  return POSTERN_EXIT_OK;
}

static char *
format_date (gint64 date)
{
  struct tm tm;
  time_t t = (time_t) date;

  /* What g_date_time_format_iso8601() gives for UTC, for a tenth of the
   * cost, which shows in a search printing a hundred rows: nothing outside
   * the years 1 to 9999 that GDateTime covers. */
  if (date == 0 || date < -62135596800LL || date > 253402300799LL || gmtime_r (&t, &tm) == NULL)
    return g_strdup ("");
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
add_string_member (JsonBuilder *json, const char *name, const char *value)
{
  json_builder_set_member_name (json, name);
  json_builder_add_string_value (json, value ? value : "");
}

/* @text cut or padded to @width characters; printf's %-30.30s counts
 * bytes and would cut a UTF-8 sequence in half. */
static char *
column (const char *text, glong width)
{
  const char *source = text ? text : "";
  /* GLib 2.74's g_utf8_substring walks past the end when @width exceeds
   * the text's length, so never ask it for more than there is. */
  glong available = g_utf8_strlen (source, -1);
  g_autofree char *cut = g_utf8_substring (source, 0, MIN (width, available));
  glong len = g_utf8_strlen (cut, -1);
  g_autofree char *pad = g_strnfill ((gsize) (width - len), ' ');

  return g_strconcat (cut, pad, NULL);
}

/* One line per message for people; one JSON array for programs. */
static void
print_rows (GPtrArray *rows, gboolean as_json)
{
  g_autoptr (JsonBuilder) json = json_builder_new ();

  json_builder_begin_array (json);
  for (guint i = 0; i < rows->len; i++)
    {
      PosternMessageRow *row = rows->pdata[i];
      g_autofree char *date = format_date (row->date);

      if (!as_json)
        {
          g_autofree char *sender = column (row->sender, 30);
          g_print ("%s  %s  %s  %s  [%s]\n", row->id, *date ? date : "-", sender,
                   row->subject ? row->subject : "", postern_lock_to_string (row->lock));
          continue;
        }
      json_builder_begin_object (json);
      add_string_member (json, "id", row->id);
      add_string_member (json, "folder", row->folder);
      add_string_member (json, "from", row->sender);
      add_string_member (json, "to", row->recipients);
      add_string_member (json, "subject", row->subject);
      add_string_member (json, "date", date);
      add_string_member (json, "lock", postern_lock_to_string (row->lock));
      add_string_member (json, "message_id", row->message_id);
      json_builder_end_object (json);
    }
  json_builder_end_array (json);
  if (as_json)
    {
      g_autoptr (JsonNode) root = json_builder_get_root (json);
      postern_cli_print_json (root);
    }
}

static PosternStore *
open_store (PosternCli *cli, PosternProfile **out_profile, GError **error)
{
  *out_profile = postern_cli_open_profile (cli, FALSE, error);
  return *out_profile ? postern_profile_get_store (*out_profile, error) : NULL;
}

int
postern_cli_list (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_auto (GStrv) folders = NULL;
  gboolean as_json = postern_cli_take_flag (cli, "--json");
  PosternStore *store;
  const char *folder;

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc > 1)
    return postern_cli_usage (_ ("list [FOLDER] [--json]"));
  folder = cli->argc == 1 ? cli->argv[0] : POSTERN_STORE_INBOX;
  store = open_store (cli, &profile, &error);
  if (store == NULL)
    return postern_cli_fail (error);
  folders = postern_store_list_folders (store);
  if (!postern_store_folder_name_is_valid (folder)
      || (!g_strv_contains ((const char *const *) folders, folder)
          && !g_str_equal (folder, POSTERN_STORE_INBOX)))
    {
      g_printerr (_ ("postern-cli: no folder named \"%s\"\n"), folder);
      return POSTERN_EXIT_FAILED;
    }
  rows = postern_store_list (store, folder, 0, 0, &error);
  if (rows == NULL)
    return postern_cli_fail (error);
  print_rows (rows, as_json);
  return POSTERN_EXIT_OK;
}

int
postern_cli_show (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (PosternPgpMimeResult) readable = NULL;
  PosternStore *store;
  gsize len;
  const char *data;

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1)
    return postern_cli_usage (_ ("show ID"));
  store = open_store (cli, &profile, &error);
  if (store == NULL
      || (bytes
          = postern_pgp_mime_load_readable_sync (profile, cli->argv[0], &readable, NULL, &error))
           == NULL)
    return postern_cli_fail (error);
  if (readable->decrypt_error != NULL)
    g_printerr (_ ("postern-cli: %s; written as stored\n"), readable->decrypt_error->message);

  data = g_bytes_get_data (bytes, &len);
  if (len > 0 && fwrite (data, 1, len, stdout) != len)
    {
      g_printerr (_ ("postern-cli: cannot write the message: %s\n"), g_strerror (errno));
      return POSTERN_EXIT_FAILED;
    }
  if (fflush (stdout) != 0)
    {
      g_printerr (_ ("postern-cli: cannot write the message: %s\n"), g_strerror (errno));
      return POSTERN_EXIT_FAILED;
    }
  return POSTERN_EXIT_OK;
}

int
postern_cli_search (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autofree char *query = NULL;
  gboolean as_json = postern_cli_take_flag (cli, "--json");
  const char *limit_text = NULL;
  guint64 limit = 100;
  PosternStore *store;

  if (!postern_cli_take_option (cli, "--limit", &limit_text, &error)
      || !postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (limit_text != NULL
      && !g_ascii_string_to_unsigned (limit_text, 10, 0, G_MAXUINT, &limit, NULL))
    return postern_cli_usage (_ ("--limit takes a number (0: no limit)"));
  if (cli->argc == 0)
    return postern_cli_usage (_ ("search QUERY [--json]"));
  query = g_strjoinv (" ", cli->argv);
  store = open_store (cli, &profile, &error);
  if (store == NULL || (rows = postern_store_search (store, query, (guint) limit, &error)) == NULL)
    return postern_cli_fail (error);
  print_rows (rows, as_json);
  return POSTERN_EXIT_OK;
}
