/* postern-smtorp-onion.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-smtorp-identity.h"
#include "postern-smtorp-onion.h"

#define KEY_FILE "onion-key"
#define HOSTNAME_FILE "hostname"
#define KEY_PREFIX "ED25519-V3:"

static char *
read_key (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &text, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_strdup ("");
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot read the onion key: %s",
                   local_error->message);
      return NULL;
    }
  g_strstrip (text);
  /* Checked here, so that nothing else can ride along in the command. */
  if (!g_str_has_prefix (text, KEY_PREFIX) || strlen (text) > 200
      || strspn (text + strlen (KEY_PREFIX),
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
           != strlen (text + strlen (KEY_PREFIX)))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "%s does not hold an ED25519-V3 onion key", path);
      return NULL;
    }
  return g_steal_pointer (&text);
}

/**
 * postern_smtorp_onion_publish:
 * @tor: a started tor
 * @local_port: the SMTorP server's port on 127.0.0.1
 *
 * Publishes the profile's onion service, with its kept key or, the first
 * time, a new one that is stored before the name is used anywhere.
 *
 * Returns: (transfer full) (nullable): the onion name, without ".onion".
 */
char *
postern_smtorp_onion_publish (PosternTor *tor, const char *profile_path, guint16 local_port,
                              GCancellable *cancellable, GError **error)
{
  g_autofree char *dir = postern_smtorp_dir (profile_path);
  g_autofree char *key_path = g_build_filename (dir, KEY_FILE, NULL);
  g_autofree char *hostname_path = g_build_filename (dir, HOSTNAME_FILE, NULL);
  g_autofree char *key = read_key (key_path, error);
  g_autofree char *new_key = NULL;
  g_autofree char *onion = NULL;
  g_autofree char *hostname = NULL;

  if (key == NULL)
    return NULL;
  onion = postern_tor_add_onion (tor, *key ? key : NULL, POSTERN_SMTORP_ONION_PORT, local_port,
                                 &new_key, cancellable, error);
  memset (key, 0, strlen (key));
  if (onion == NULL)
    return NULL;
  if (new_key != NULL)
    {
      g_autofree char *line = g_strconcat (new_key, "\n", NULL);
      gboolean ok = postern_fs_mkdir_durable (dir, error)
                    && postern_fs_write_file_durable (key_path, line, strlen (line), error);
      memset (line, 0, strlen (line));
      memset (new_key, 0, strlen (new_key));
      if (!ok)
        return NULL;
    }
  hostname = g_strconcat (onion, ".onion\n", NULL);
  if (!postern_fs_write_file_durable (hostname_path, hostname, strlen (hostname), error))
    return NULL;
  return g_steal_pointer (&onion);
}

typedef struct
{
  PosternTor *tor;
  char *profile_path;
  guint16 port;
} Publish;

static void
publish_free (Publish *p)
{
  g_object_unref (p->tor);
  g_free (p->profile_path);
  g_free (p);
}

static void
start_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Publish *p = task_data;
  GError *error = NULL;
  char *onion = NULL;

  if (postern_tor_start_sync (p->tor, cancellable, &error))
    onion = postern_smtorp_onion_publish (p->tor, p->profile_path, p->port, cancellable, &error);
  if (onion == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, onion, g_free);
}

/**
 * postern_smtorp_onion_start_async:
 *
 * Starts @tor (bootstrapping it if need be) and then publishes the
 * profile's service, in a worker thread; #PosternTor::progress tells how
 * far tor got meanwhile.
 */
void
postern_smtorp_onion_start_async (PosternTor *tor, const char *profile_path, guint16 local_port,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Publish *p = g_new0 (Publish, 1);

  p->tor = g_object_ref (tor);
  p->profile_path = g_strdup (profile_path);
  p->port = local_port;
  g_task_set_source_tag (task, postern_smtorp_onion_start_async);
  g_task_set_task_data (task, p, (GDestroyNotify) publish_free);
  g_task_run_in_thread (task, start_thread);
}

/* Returns: (transfer full) (nullable): the onion name, without ".onion". */
char *
postern_smtorp_onion_start_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
