/* postern-attachment.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One attachment: its name, type and decoded bytes. The reader lists the
 * attachments of a message and the composer those it will send.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define POSTERN_TYPE_ATTACHMENT (postern_attachment_get_type ())
G_DECLARE_FINAL_TYPE (PosternAttachment, postern_attachment, POSTERN, ATTACHMENT, GObject)

PosternAttachment *postern_attachment_new (const char *filename, const char *content_type,
                                           GBytes *bytes);
const char *postern_attachment_get_filename (PosternAttachment *self);
const char *postern_attachment_get_content_type (PosternAttachment *self);
GBytes *postern_attachment_get_bytes (PosternAttachment *self);
gsize postern_attachment_get_size (PosternAttachment *self);

G_END_DECLS
