/* postern-outbox.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The durable outbox. A message to send is fsynced into the Outbox folder
 * before any transport sees it; it moves to Sent (one atomic rename) only
 * after the transport confirmed. A send that was interrupted is simply
 * still in the Outbox and goes out on the next flush.
 */
#pragma once

#include <gio/gio.h>

#include "postern-profile.h"
#include "postern-router.h"

G_BEGIN_DECLS

/* What happened to one queued message on a flush. */
typedef struct
{
  char *id;
  GPtrArray *routes; /* element-type PosternRoute */
  GError *error;     /* NULL when sent */
} PosternOutboxResult;

void postern_outbox_result_free (PosternOutboxResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternOutboxResult, postern_outbox_result_free)

#define POSTERN_TYPE_OUTBOX (postern_outbox_get_type ())
G_DECLARE_FINAL_TYPE (PosternOutbox, postern_outbox, POSTERN, OUTBOX, GObject)

PosternOutbox *postern_outbox_new (PosternProfile *profile, PosternAccount *account);
GBytes *postern_outbox_prepare (GBytes *message, const char *sender, GError **error);
char **postern_outbox_get_recipients (GBytes *message, GError **error);
char *postern_outbox_enqueue (PosternOutbox *self, GBytes *message, GPtrArray **out_routes,
                              GError **error);
GPtrArray *postern_outbox_flush_sync (PosternOutbox *self, GCancellable *cancellable,
                                      GError **error);
GPtrArray *postern_outbox_retry_sync (PosternOutbox *self, GCancellable *cancellable,
                                      GError **error);
guint postern_outbox_get_pending (PosternOutbox *self);

G_END_DECLS
