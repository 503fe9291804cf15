/* postern-message-list-row.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One line of the message list: sender, date, lock and subject. It shows
 * an empty line while its item is a placeholder and fills in once loaded.
 */
#pragma once

#include <gtk/gtk.h>

#include "postern-message-item.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_MESSAGE_LIST_ROW (postern_message_list_row_get_type ())
G_DECLARE_FINAL_TYPE (PosternMessageListRow, postern_message_list_row, POSTERN, MESSAGE_LIST_ROW,
                      GtkWidget)

GtkWidget *postern_message_list_row_new (void);
void postern_message_list_row_set_item (PosternMessageListRow *self, PosternMessageItem *item);

G_END_DECLS
