/* postern-outgoing.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the composer holds, turned into an RFC 5322 message (GMime, in a
 * worker: attachments can be large), and mailto: URIs turned into what the
 * composer starts with.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char *from; /* "Name <addr>" or an address */
  char **to;  /* addresses */
  char *subject;
  char *body;             /* UTF-8 text */
  char *in_reply_to;      /* Message-ID (without <>) of the message answered, or NULL */
  char *references;       /* its References plus its Message-ID, or NULL */
  GPtrArray *attachments; /* PosternAttachment */
} PosternOutgoing;

PosternOutgoing *postern_outgoing_new (void);
void postern_outgoing_free (PosternOutgoing *outgoing);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternOutgoing, postern_outgoing_free)

GBytes *postern_outgoing_build (const PosternOutgoing *outgoing);
void postern_outgoing_build_async (PosternOutgoing *outgoing, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
GBytes *postern_outgoing_build_finish (GAsyncResult *result, GError **error);

PosternOutgoing *postern_outgoing_new_from_mailto (const char *uri, GError **error);

G_END_DECLS
