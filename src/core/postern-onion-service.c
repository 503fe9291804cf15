/* postern-onion-service.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-account.h"
#include "postern-error.h"
#include "postern-onion-service.h"
#include "postern-smtorp-identity.h"
#include "postern-smtorp-onion.h"
#include "postern-smtorp-server.h"
#include "postern-tor.h"

struct _PosternOnionService
{
  GObject parent_instance;
  PosternProfile *profile;
  PosternSmtorpServer *server;
  PosternTor *tor;
  GCancellable *cancellable;
  PosternOnionServiceState state;
  guint progress;
  char *summary;
  char *address;
  char *error;
};

G_DEFINE_FINAL_TYPE (PosternOnionService, postern_onion_service, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
postern_onion_service_dispose (GObject *object)
{
  PosternOnionService *self = POSTERN_ONION_SERVICE (object);

  postern_onion_service_stop (self);
  g_clear_object (&self->profile);
  G_OBJECT_CLASS (postern_onion_service_parent_class)->dispose (object);
}

static void
postern_onion_service_finalize (GObject *object)
{
  PosternOnionService *self = POSTERN_ONION_SERVICE (object);

  g_free (self->summary);
  g_free (self->address);
  g_free (self->error);
  G_OBJECT_CLASS (postern_onion_service_parent_class)->finalize (object);
}

static void
postern_onion_service_class_init (PosternOnionServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = postern_onion_service_dispose;
  G_OBJECT_CLASS (klass)->finalize = postern_onion_service_finalize;

  /**
   * PosternOnionService::changed:
   *
   * The state, the progress, the address or the error changed.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
postern_onion_service_init (PosternOnionService *self)
{
}

/**
 * postern_onion_service_wanted:
 *
 * Whether the profile uses SMTorP: it published an onion service before,
 * or one of its accounts has an onion address. Other profiles never start
 * tor on their own.
 */
gboolean
postern_onion_service_wanted (PosternProfile *profile)
{
  g_autofree char *dir = postern_smtorp_dir (postern_profile_get_path (profile));
  g_autofree char *key = g_build_filename (dir, "onion-key", NULL);
  g_autoptr (GPtrArray) accounts = NULL;

  if (g_file_test (key, G_FILE_TEST_EXISTS))
    return TRUE;
  accounts = postern_profile_list_accounts (profile, NULL);
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      const char *address = postern_account_get_address (accounts->pdata[i]);
      if (address != NULL && g_str_has_suffix (address, ".onion"))
        return TRUE;
    }
  return FALSE;
}

PosternOnionService *
postern_onion_service_new (PosternProfile *profile)
{
  PosternOnionService *self = g_object_new (POSTERN_TYPE_ONION_SERVICE, NULL);

  self->profile = g_object_ref (profile);
  return self;
}

static void
set_state (PosternOnionService *self, PosternOnionServiceState state, const char *error)
{
  self->state = state;
  g_free (self->error);
  self->error = g_strdup (error);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_progress (PosternTor *tor, guint percent, const char *summary, gpointer data)
{
  PosternOnionService *self = data;

  self->progress = percent;
  g_free (self->summary);
  self->summary = g_strdup (summary);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
published (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PosternOnionService) self = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *onion = postern_smtorp_onion_start_finish (result, &error);
  g_autoptr (PosternSmtorpIdentity) identity = NULL;
  g_autofree char *user = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (onion != NULL)
    identity = postern_smtorp_identity_load (postern_profile_get_path (self->profile), &error);
  if (identity != NULL)
    user = postern_profile_get_setting (self->profile, "smtorp.user", &error);
  if (user != NULL)
    self->address = postern_smtorp_identity_build_address (identity, user, onion, &error);
  if (self->address == NULL)
    {
      set_state (self, POSTERN_ONION_SERVICE_FAILED, error->message);
      return;
    }
  set_state (self, POSTERN_ONION_SERVICE_READY, NULL);
}

/**
 * postern_onion_service_start:
 *
 * Starts the server, then tor, then publishes; #PosternOnionService::changed
 * follows each step. Failures end in %POSTERN_ONION_SERVICE_FAILED with a
 * message.
 */
void
postern_onion_service_start (PosternOnionService *self)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (POSTERN_IS_ONION_SERVICE (self));
  if (self->state == POSTERN_ONION_SERVICE_STARTING || self->state == POSTERN_ONION_SERVICE_READY)
    return;
  self->server = postern_smtorp_server_new (postern_profile_get_path (self->profile), &error);
  if (self->server == NULL || !postern_smtorp_server_listen (self->server, 0, &error))
    {
      g_clear_object (&self->server);
      set_state (self, POSTERN_ONION_SERVICE_FAILED, error->message);
      return;
    }
  self->tor = postern_tor_get_shared (self->profile, &error);
  if (self->tor == NULL)
    {
      set_state (self, POSTERN_ONION_SERVICE_FAILED, error->message);
      return;
    }
  g_signal_connect (self->tor, "progress", G_CALLBACK (on_progress), self);
  self->cancellable = g_cancellable_new ();
  self->progress = 0;
  set_state (self, POSTERN_ONION_SERVICE_STARTING, NULL);

  postern_smtorp_onion_start_async (self->tor, postern_profile_get_path (self->profile),
                                    postern_smtorp_server_get_port (self->server),
                                    self->cancellable, published, g_object_ref (self));
}

/* The onion service goes with tor's control connection. */
void
postern_onion_service_stop (PosternOnionService *self)
{
  g_return_if_fail (POSTERN_IS_ONION_SERVICE (self));
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->tor != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->tor, on_progress, self);
      postern_tor_stop (self->tor);
      g_clear_object (&self->tor);
    }
  if (self->server != NULL)
    postern_smtorp_server_stop (self->server);
  g_clear_object (&self->server);
  g_clear_pointer (&self->address, g_free);
  self->state = POSTERN_ONION_SERVICE_STOPPED;
}

PosternOnionServiceState
postern_onion_service_get_state (PosternOnionService *self)
{
  return self->state;
}

guint
postern_onion_service_get_progress (PosternOnionService *self, const char **out_summary)
{
  if (out_summary != NULL)
    *out_summary = self->summary;
  return self->progress;
}

/* Returns: (nullable): the user's SMTorP address, once published. */
const char *
postern_onion_service_get_address (PosternOnionService *self)
{
  return self->address;
}

/* Returns: (nullable): why it failed. */
const char *
postern_onion_service_get_error (PosternOnionService *self)
{
  return self->error;
}
