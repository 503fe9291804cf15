/* postern-message-list.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The message list: a GtkListView over a model of PosternMessageItem
 * (the lazy folder model, or search results).
 */
#pragma once

#include <gtk/gtk.h>

#include "postern-message-item.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_MESSAGE_LIST (postern_message_list_get_type ())
G_DECLARE_FINAL_TYPE (PosternMessageList, postern_message_list, POSTERN, MESSAGE_LIST, GtkWidget)

void postern_message_list_set_model (PosternMessageList *self, GListModel *model,
                                     const char *empty_title, const char *empty_description);
GListModel *postern_message_list_get_model (PosternMessageList *self);
void postern_message_list_set_loading (PosternMessageList *self, gboolean loading);

G_END_DECLS
