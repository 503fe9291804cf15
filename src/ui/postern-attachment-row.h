/* postern-attachment-row.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One attachment of a message being read: its name, type and size, and a
 * button to save it. In the composer the same row offers to remove it.
 */
#pragma once

#include <adwaita.h>

#include "postern-attachment.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_ATTACHMENT_ROW (postern_attachment_row_get_type ())
G_DECLARE_FINAL_TYPE (PosternAttachmentRow, postern_attachment_row, POSTERN, ATTACHMENT_ROW,
                      AdwActionRow)

GtkWidget *postern_attachment_row_new (PosternAttachment *attachment, gboolean removable);
PosternAttachment *postern_attachment_row_get_attachment (PosternAttachmentRow *self);

G_END_DECLS
