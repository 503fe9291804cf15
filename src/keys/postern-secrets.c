/* postern-secrets.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libsecret/secret.h>

#include "postern-error.h"
#include "postern-secrets.h"

/* The one schema Postern stores secrets under. */
static const SecretSchema *
password_schema (void)
{
  static const SecretSchema schema = {
    "io.github.postern.Password",
    SECRET_SCHEMA_NONE,
    {
      { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };
  return &schema;
}

/* libsecret's messages name D-Bus internals; say what failed instead, and
 * never anything about the secret itself. */
static void
set_secret_error (GError **error, const char *what, const GError *cause)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
               "cannot %s the password in the Secret Service (is a keyring such as "
               "gnome-keyring running?): %s",
               what, cause->message);
}

gboolean
postern_secrets_store_password (const char *profile_path, const char *account,
                                const char *password, GCancellable *cancellable,
                                GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *label = g_strdup_printf ("Postern account %s", account);

  /* Replacing an item in place makes gnome-keyring 42 register it twice
   * and drop off the bus; removing the old one first avoids that path. */
  if (!postern_secrets_clear_password (profile_path, account, cancellable, error))
    return FALSE;
  if (!secret_password_store_sync (password_schema (), SECRET_COLLECTION_DEFAULT, label, password,
                                   cancellable, &local_error, "profile", profile_path, "account",
                                   account, NULL))
    {
      set_secret_error (error, "store", local_error);
      return FALSE;
    }
  return TRUE;
}

char *
postern_secrets_lookup_password (const char *profile_path, const char *account,
                                 GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  char *password = secret_password_lookup_nonpageable_sync (
    password_schema (), cancellable, &local_error, "profile", profile_path, "account", account,
    NULL);

  if (local_error != NULL)
    {
      set_secret_error (error, "read", local_error);
      return NULL;
    }
  if (password == NULL)
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND,
                 "no password is stored for account \"%s\" (postern-cli account add … "
                 "--password-stdin)",
                 account);
  return password;
}

gboolean
postern_secrets_clear_password (const char *profile_path, const char *account,
                                GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  secret_password_clear_sync (password_schema (), cancellable, &local_error, "profile",
                              profile_path, "account", account, NULL);
  if (local_error != NULL)
    {
      set_secret_error (error, "remove", local_error);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  char *profile_path;
  char *account;
  char *password;
} SecretJob;

static void
secret_job_free (SecretJob *job)
{
  g_free (job->profile_path);
  g_free (job->account);
  if (job->password != NULL)
    secret_password_wipe (job->password);
  g_free (job->password);
  g_free (job);
}

static SecretJob *
secret_job_new (const char *profile_path, const char *account, const char *password)
{
  SecretJob *job = g_new0 (SecretJob, 1);

  job->profile_path = g_strdup (profile_path);
  job->account = g_strdup (account);
  job->password = g_strdup (password);
  return job;
}

static void
lookup_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  SecretJob *job = data;
  GError *error = NULL;
  char *password = postern_secrets_lookup_password (job->profile_path, job->account,
                                                    cancellable, &error);

  if (password == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, password, (GDestroyNotify) postern_secrets_free_password);
}

/* The sync libsecret calls run in a worker so the async API never blocks
 * the main loop, whichever main context the caller uses. */
void
postern_secrets_lookup_password_async (const char *profile_path, const char *account,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_secrets_lookup_password_async);
  g_task_set_task_data (task, secret_job_new (profile_path, account, NULL),
                        (GDestroyNotify) secret_job_free);
  g_task_run_in_thread (task, lookup_thread);
}

char *
postern_secrets_lookup_password_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
store_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  SecretJob *job = data;
  GError *error = NULL;

  if (postern_secrets_store_password (job->profile_path, job->account, job->password,
                                      cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
postern_secrets_store_password_async (const char *profile_path, const char *account,
                                      const char *password, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_secrets_store_password_async);
  g_task_set_task_data (task, secret_job_new (profile_path, account, password),
                        (GDestroyNotify) secret_job_free);
  g_task_run_in_thread (task, store_thread);
}

gboolean
postern_secrets_store_password_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
postern_secrets_free_password (char *password)
{
  if (password != NULL)
    secret_password_free (password);
}
