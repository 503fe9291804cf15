/* postern-message-document.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A stored message made ready to read: decoded headers, the text of its
 * body (HTML is turned into plain text: nothing remote is loaded and no
 * markup is interpreted), its attachments, the lock level it arrived with
 * and its signature state. Built from the raw bytes in a worker.
 */
#pragma once

#include <gio/gio.h>

#include "postern-core.h"
#include "postern-pgp-mime.h"
#include "postern-outgoing.h"

G_BEGIN_DECLS

/**
 * PosternSignatureState:
 * @POSTERN_SIGNATURE_NONE: the message is not signed
 * @POSTERN_SIGNATURE_UNVERIFIED: signed in a way Postern does not check
 *   (S/MIME), or the signature could not be read
 * @POSTERN_SIGNATURE_ENCRYPTED: encrypted content that could not be opened
 * @POSTERN_SIGNATURE_GOOD: a good OpenPGP signature by the key pinned for
 *   the sender
 * @POSTERN_SIGNATURE_GOOD_UNPINNED: a good signature, but by a key that is
 *   not the one pinned for the sender's address
 * @POSTERN_SIGNATURE_BAD: the signature does not hold (the message was
 *   changed on the way), or its key is revoked or expired
 * @POSTERN_SIGNATURE_UNKNOWN_KEY: signed by a key the keyring lacks
 */
typedef enum
{
  POSTERN_SIGNATURE_NONE,
  POSTERN_SIGNATURE_UNVERIFIED,
  POSTERN_SIGNATURE_ENCRYPTED,
  POSTERN_SIGNATURE_GOOD,
  POSTERN_SIGNATURE_GOOD_UNPINNED,
  POSTERN_SIGNATURE_BAD,
  POSTERN_SIGNATURE_UNKNOWN_KEY,
} PosternSignatureState;

#define POSTERN_TYPE_MESSAGE_DOCUMENT (postern_message_document_get_type ())
G_DECLARE_FINAL_TYPE (PosternMessageDocument, postern_message_document, POSTERN, MESSAGE_DOCUMENT,
                      GObject)

PosternMessageDocument *postern_message_document_new (GBytes *bytes, const PosternMessageRow *row);
PosternMessageDocument *postern_message_document_new_opened (const PosternPgpMimeResult *opened,
                                                             const GError *open_error,
                                                             GBytes *stored,
                                                             const PosternMessageRow *row);
const char *postern_message_document_get_id (PosternMessageDocument *self);
const char *postern_message_document_get_folder (PosternMessageDocument *self);
const char *postern_message_document_get_subject (PosternMessageDocument *self);
const char *postern_message_document_get_from (PosternMessageDocument *self);
const char *postern_message_document_get_to (PosternMessageDocument *self);
const char *postern_message_document_get_cc (PosternMessageDocument *self);
const char *postern_message_document_get_date (PosternMessageDocument *self);
const char *postern_message_document_get_body (PosternMessageDocument *self);
gboolean postern_message_document_get_body_is_html (PosternMessageDocument *self);
GListModel *postern_message_document_get_attachments (PosternMessageDocument *self);
PosternLock postern_message_document_get_lock (PosternMessageDocument *self);
PosternSignatureState postern_message_document_get_signature (PosternMessageDocument *self);
const char *postern_message_document_get_signer (PosternMessageDocument *self);
gboolean postern_message_document_get_decrypted (PosternMessageDocument *self);
const char *postern_message_document_get_html (PosternMessageDocument *self);

PosternOutgoing *postern_message_document_to_outgoing (PosternMessageDocument *self);
PosternOutgoing *postern_message_document_to_reply (PosternMessageDocument *self, gboolean all,
                                                    const char *own_address);

char *postern_html_to_readable_text (const char *html);

G_END_DECLS
