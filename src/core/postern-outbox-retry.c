/* postern-outbox-retry.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-outbox-retry.h"

#define RETRY_FILE "outbox-retry.ini"

/* Callers hold the Outbox lock; this one keeps threads of one process
 * apart as well. */
static GMutex retry_lock;

/* Seconds to wait after @attempts failures: 1 minute, doubling, at most
 * 1 hour. */
gint64
postern_outbox_retry_delay (guint attempts)
{
  gint64 delay = POSTERN_OUTBOX_RETRY_FIRST;

  for (guint i = 1; i < attempts && delay < POSTERN_OUTBOX_RETRY_MAX; i++)
    delay *= 2;
  return MIN (delay, POSTERN_OUTBOX_RETRY_MAX);
}

static GKeyFile *
load (const char *path)
{
  GKeyFile *keyfile = g_key_file_new ();

  /* A missing or damaged schedule only means trying sooner. */
  g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, NULL);
  return keyfile;
}

static gboolean
save (const char *path, GKeyFile *keyfile, GError **error)
{
  gsize len;
  g_autofree char *data = g_key_file_to_data (keyfile, &len, NULL);

  return postern_fs_write_file_durable (path, data, len, error);
}

/* Records one more failed attempt of @id at @now. */
gboolean
postern_outbox_retry_failed (const char *profile_path, const char *id, gint64 now, GError **error)
{
  g_autofree char *path = g_build_filename (profile_path, RETRY_FILE, NULL);
  g_autoptr (GKeyFile) keyfile = NULL;
  gboolean ok;
  gint attempts;

  g_mutex_lock (&retry_lock);
  keyfile = load (path);
  attempts = g_key_file_get_integer (keyfile, id, "attempts", NULL) + 1;
  g_key_file_set_integer (keyfile, id, "attempts", attempts);
  g_key_file_set_int64 (keyfile, id, "next", now + postern_outbox_retry_delay ((guint) attempts));
  ok = save (path, keyfile, error);
  g_mutex_unlock (&retry_lock);
  return ok;
}

gboolean
postern_outbox_retry_forget (const char *profile_path, const char *id, GError **error)
{
  g_autofree char *path = g_build_filename (profile_path, RETRY_FILE, NULL);
  g_autoptr (GKeyFile) keyfile = NULL;
  gboolean ok = TRUE;

  g_mutex_lock (&retry_lock);
  keyfile = load (path);
  if (g_key_file_remove_group (keyfile, id, NULL))
    ok = save (path, keyfile, error);
  g_mutex_unlock (&retry_lock);
  return ok;
}

/* Returns: when @id is next due (seconds since the epoch), 0 for at once. */
gint64
postern_outbox_retry_next (const char *profile_path, const char *id)
{
  g_autofree char *path = g_build_filename (profile_path, RETRY_FILE, NULL);
  g_autoptr (GKeyFile) keyfile = NULL;
  gint64 next;

  g_mutex_lock (&retry_lock);
  keyfile = load (path);
  next = g_key_file_get_int64 (keyfile, id, "next", NULL);
  g_mutex_unlock (&retry_lock);
  return next;
}
