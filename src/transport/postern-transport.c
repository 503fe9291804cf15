/* postern-transport.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-error.h"
#include "postern-transport.h"

G_DEFINE_INTERFACE (PosternTransport, postern_transport, G_TYPE_OBJECT)

static void
postern_transport_default_init (PosternTransportInterface *iface)
{
}

const char *
postern_transport_get_name (PosternTransport *self)
{
  g_return_val_if_fail (POSTERN_IS_TRANSPORT (self), NULL);
  return POSTERN_TRANSPORT_GET_IFACE (self)->get_name (self);
}

PosternLock
postern_transport_get_lock (PosternTransport *self)
{
  g_return_val_if_fail (POSTERN_IS_TRANSPORT (self), POSTERN_LOCK_UNKNOWN);
  return POSTERN_TRANSPORT_GET_IFACE (self)->get_lock (self);
}

static void
report_not_supported (PosternTransport *self, gpointer source_tag, const char *what,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_task_report_new_error (self, callback, user_data, source_tag, POSTERN_ERROR,
                           POSTERN_ERROR_NOT_SUPPORTED, "the %s transport cannot %s",
                           postern_transport_get_name (self), what);
}

void
postern_transport_send_async (PosternTransport *self, GBytes *message,
                              const char *const *recipients, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  PosternTransportInterface *iface;

  g_return_if_fail (POSTERN_IS_TRANSPORT (self));
  g_return_if_fail (message != NULL && recipients != NULL);

  iface = POSTERN_TRANSPORT_GET_IFACE (self);
  if (iface->send_async == NULL)
    report_not_supported (self, postern_transport_send_async, "send", callback, user_data);
  else
    iface->send_async (self, message, recipients, cancellable, callback, user_data);
}

gboolean
postern_transport_send_finish (PosternTransport *self, GAsyncResult *result, GError **error)
{
  PosternTransportInterface *iface = POSTERN_TRANSPORT_GET_IFACE (self);

  if (g_async_result_is_tagged (result, postern_transport_send_async))
    return g_task_propagate_boolean (G_TASK (result), error);
  return iface->send_finish (self, result, error);
}

typedef struct
{
  GMainLoop *loop;
  GAsyncResult *result;
} SyncData;

static void
sync_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SyncData *data = user_data;
  data->result = g_object_ref (result);
  g_main_loop_quit (data->loop);
}

/* For the CLI and tests: runs the async send on a private main context. */
gboolean
postern_transport_send_sync (PosternTransport *self, GBytes *message,
                             const char *const *recipients, GCancellable *cancellable,
                             GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (context, FALSE);
  SyncData data = { loop, NULL };
  gboolean ok;

  g_main_context_push_thread_default (context);
  postern_transport_send_async (self, message, recipients, cancellable, sync_done, &data);
  g_main_loop_run (loop);
  g_main_context_pop_thread_default (context);
  ok = postern_transport_send_finish (self, data.result, error);
  g_object_unref (data.result);
  return ok;
}

void
postern_transport_poll_async (PosternTransport *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  PosternTransportInterface *iface;

  g_return_if_fail (POSTERN_IS_TRANSPORT (self));

  iface = POSTERN_TRANSPORT_GET_IFACE (self);
  if (iface->poll_async == NULL)
    report_not_supported (self, postern_transport_poll_async, "receive", callback, user_data);
  else
    iface->poll_async (self, cancellable, callback, user_data);
}

gssize
postern_transport_poll_finish (PosternTransport *self, GAsyncResult *result, GError **error)
{
  PosternTransportInterface *iface = POSTERN_TRANSPORT_GET_IFACE (self);

  if (g_async_result_is_tagged (result, postern_transport_poll_async))
    return g_task_propagate_int (G_TASK (result), error);
  return iface->poll_finish (self, result, error);
}
