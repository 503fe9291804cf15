/* postern-message-view.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reader: headers, how the message arrived (lock level and signature
 * state), the text body and the attachments.
 */
#pragma once

#include <gtk/gtk.h>

#include "postern-message-item.h"
#include "postern-session.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_MESSAGE_VIEW (postern_message_view_get_type ())
G_DECLARE_FINAL_TYPE (PosternMessageView, postern_message_view, POSTERN, MESSAGE_VIEW, GtkWidget)

void postern_message_view_set_session (PosternMessageView *self, PosternSession *session);
void postern_message_view_show (PosternMessageView *self, PosternMessageItem *item);
PosternMessageDocument *postern_message_view_get_document (PosternMessageView *self);

G_END_DECLS
