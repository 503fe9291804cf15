/* postern-transport.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one interface every way of moving mail implements. The core picks a
 * transport per recipient (PosternRouter) and hands it whole messages; the
 * UI never names a concrete transport.
 */
#pragma once

#include <gio/gio.h>

#include "postern-types.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_TRANSPORT (postern_transport_get_type ())
G_DECLARE_INTERFACE (PosternTransport, postern_transport, POSTERN, TRANSPORT, GObject)

/**
 * PosternTransportInterface:
 * @get_name: the transport's stable name ("smtp", "smtorp", …)
 * @get_lock: the lock level mail sent through it gets
 * @send_async: deliver a message to @recipients; on success every recipient
 *   has it (a partial success is an error and the message is retried)
 * @send_finish: finishes @send_async
 * @poll_async: fetch waiting mail into the store (transports that receive)
 * @poll_finish: finishes @poll_async, returning how many messages arrived
 *
 * Implementations must implement @get_name and @get_lock; every other vfunc
 * that is left %NULL fails with %POSTERN_ERROR_NOT_SUPPORTED.
 */
struct _PosternTransportInterface
{
  GTypeInterface parent_iface;

  const char *(*get_name) (PosternTransport *self);
  PosternLock (*get_lock) (PosternTransport *self);
  void (*send_async) (PosternTransport *self, GBytes *message, const char *const *recipients,
                      GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data);
  gboolean (*send_finish) (PosternTransport *self, GAsyncResult *result, GError **error);
  void (*poll_async) (PosternTransport *self, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data);
  gssize (*poll_finish) (PosternTransport *self, GAsyncResult *result, GError **error);
};

const char *postern_transport_get_name (PosternTransport *self);
PosternLock postern_transport_get_lock (PosternTransport *self);
void postern_transport_send_async (PosternTransport *self, GBytes *message,
                                   const char *const *recipients, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean postern_transport_send_finish (PosternTransport *self, GAsyncResult *result,
                                        GError **error);
gboolean postern_transport_send_sync (PosternTransport *self, GBytes *message,
                                      const char *const *recipients, GCancellable *cancellable,
                                      GError **error);
void postern_transport_poll_async (PosternTransport *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gssize postern_transport_poll_finish (PosternTransport *self, GAsyncResult *result,
                                      GError **error);

G_END_DECLS
