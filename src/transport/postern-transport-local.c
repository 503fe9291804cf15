/* postern-transport-local.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-autocrypt.h"
#include "postern-pgp-mime.h"
#include "postern-profile.h"
#include "postern-transport-local.h"

struct _PosternTransportLocal
{
  GObject parent_instance;
  char *profile_path;
};

static void transport_iface_init (PosternTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PosternTransportLocal, postern_transport_local, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (POSTERN_TYPE_TRANSPORT,
                                                      transport_iface_init))

static void
postern_transport_local_finalize (GObject *object)
{
  PosternTransportLocal *self = POSTERN_TRANSPORT_LOCAL (object);

  g_clear_pointer (&self->profile_path, g_free);
  G_OBJECT_CLASS (postern_transport_local_parent_class)->finalize (object);
}

static void
postern_transport_local_class_init (PosternTransportLocalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_transport_local_finalize;
}

static void
postern_transport_local_init (PosternTransportLocal *self)
{
}

PosternTransportLocal *
postern_transport_local_new (const char *profile_path)
{
  PosternTransportLocal *self = g_object_new (POSTERN_TYPE_TRANSPORT_LOCAL, NULL);

  self->profile_path = g_strdup (profile_path);
  return self;
}

static const char *
local_get_name (PosternTransport *transport)
{
  return "local";
}

/* Nothing crosses a network, but whoever runs the machine reads the mail,
 * just as a provider does with TLS-only mail. */
static PosternLock
local_get_lock (PosternTransport *transport)
{
  return POSTERN_LOCK_TLS;
}

static void
send_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PosternTransportLocal *self = source;
  GError *error = NULL;
  g_autoptr (PosternProfile) profile = postern_profile_open (self->profile_path, FALSE, &error);
  PosternStore *store = profile ? postern_profile_get_store (profile, &error) : NULL;

  /* The receiving store drops a copy it already holds, so a retried
   * delivery never doubles the message. */
  if (store == NULL
      || !postern_store_add (store, POSTERN_STORE_INBOX, task_data, NULL,
                             postern_pgp_mime_is_encrypted (task_data) ? POSTERN_LOCK_SEALED
                                                                       : POSTERN_LOCK_TLS,
                             NULL, &error))
    g_task_return_error (task, error);
  else
    {
      postern_autocrypt_learn_incoming (profile, task_data);
      g_task_return_boolean (task, TRUE);
    }
}

static void
local_send_async (PosternTransport *transport, GBytes *message, const char *const *recipients,
                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (transport, cancellable, callback, user_data);

  g_task_set_source_tag (task, local_send_async);
  g_task_set_task_data (task, g_bytes_ref (message), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, send_thread);
}

static gboolean
local_send_finish (PosternTransport *transport, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
transport_iface_init (PosternTransportInterface *iface)
{
  iface->get_name = local_get_name;
  iface->get_lock = local_get_lock;
  iface->send_async = local_send_async;
  iface->send_finish = local_send_finish;
}
