/* postern-demo.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-demo.h"

#define DEMO_RESOURCES "/io/github/postern/Postern/demo"
#define DEMO_KEY_RESOURCE "/io/github/postern/Postern/demo-keys/release-bot.asc"
#define DEMO_ADDRESS "you@postern.example"

char *
postern_demo_get_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "postern-demo", NULL);
}

/* Sample files are named NN-topic.LOCK.STATE.eml: LOCK is how the message
 * is shown to have travelled, STATE "new" (unread) or "seen". */
static gboolean
parse_name (const char *name, PosternLock *lock, gboolean *seen)
{
  g_auto (GStrv) parts = g_strsplit (name, ".", -1);

  if (g_strv_length (parts) != 4 || !g_str_equal (parts[3], "eml"))
    return FALSE;
  *seen = g_str_equal (parts[2], "seen");
  if (g_str_equal (parts[1], "onion"))
    *lock = POSTERN_LOCK_ONION;
  else if (g_str_equal (parts[1], "sealed"))
    *lock = POSTERN_LOCK_SEALED;
  else if (g_str_equal (parts[1], "tls"))
    *lock = POSTERN_LOCK_TLS;
  else if (g_str_equal (parts[1], "open"))
    *lock = POSTERN_LOCK_OPEN;
  else
    *lock = POSTERN_LOCK_UNKNOWN;
  return TRUE;
}

static gboolean
fill_store (PosternStore *store, GError **error)
{
  g_auto (GStrv) names
    = g_resources_enumerate_children (DEMO_RESOURCES, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  g_autoptr (GArray) deliveries = g_array_new (FALSE, TRUE, sizeof (PosternDelivery));
  gboolean ok;

  if (names == NULL)
    return FALSE;
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat (DEMO_RESOURCES "/", names[i], NULL);
      PosternDelivery d = { NULL, NULL, POSTERN_LOCK_UNKNOWN, NULL, FALSE };
      gboolean seen = FALSE;

      if (!parse_name (names[i], &d.lock, &seen))
        continue;
      d.bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
      if (d.bytes == NULL)
        break;
      d.flags = seen ? "S" : NULL;
      g_array_append_val (deliveries, d);
    }
  ok = (error == NULL || *error == NULL)
       && postern_store_deliver (store, POSTERN_STORE_INBOX, (PosternDelivery *) deliveries->data,
                                 deliveries->len, error);
  for (guint i = 0; i < deliveries->len; i++)
    {
      PosternDelivery *d = &g_array_index (deliveries, PosternDelivery, i);
      g_bytes_unref (d->bytes);
      postern_delivery_clear (d);
    }
  return ok && postern_store_ensure_folder (store, POSTERN_STORE_SENT, error)
         && postern_store_ensure_folder (store, POSTERN_STORE_DRAFTS, error);
}

/* The demo's signed release mail checks out: its signer's key is in the
 * demo keyring, pinned for its address as if met before. */
static gboolean
import_demo_keys (PosternProfile *profile, GError **error)
{
  g_autoptr (PosternKeyring) keyring = postern_keyring_new_for_profile (profile);
  g_autoptr (GBytes) key
    = g_resources_lookup_data (DEMO_KEY_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  g_autoptr (GPtrArray) imported = NULL;

  if (key == NULL)
    return FALSE;
  imported = postern_keyring_import_sync (keyring, key, "demo", NULL, NULL, error);
  return imported != NULL;
}

static void
ensure_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *path = task_data;
  GError *error = NULL;
  g_autoptr (PosternProfile) profile = postern_profile_open (path, TRUE, &error);
  g_autoptr (GPtrArray) accounts = NULL;
  PosternStore *store;

  if (profile == NULL || (store = postern_profile_get_store (profile, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  accounts = postern_profile_list_accounts (profile, &error);
  if (accounts == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Made once; later runs find the account and leave the mail alone. */
  if (accounts->len == 0)
    {
      g_autoptr (PosternAccount) account = postern_account_new ("Demo", DEMO_ADDRESS, &error);
      g_autofree char *smtp = g_strconcat ("local:", postern_profile_get_path (profile), NULL);

      if (account == NULL || !postern_account_set_smtp_url (account, smtp, &error)
          || !fill_store (store, &error) || !import_demo_keys (profile, &error)
          || !postern_profile_add_account (profile, account, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  g_task_return_pointer (task, g_strdup (postern_profile_get_path (profile)), g_free);
}

/**
 * postern_demo_ensure_async:
 * @path: (nullable): where the demo profile lives; %NULL for the default
 *
 * Creates and fills the demo profile unless it already exists; finish
 * returns its path.
 */
void
postern_demo_ensure_async (const char *path, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_demo_ensure_async);
  g_task_set_task_data (task, path ? g_strdup (path) : postern_demo_get_default_path (), g_free);
  g_task_run_in_thread (task, ensure_thread);
}

char *
postern_demo_ensure_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
