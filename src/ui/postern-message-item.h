/* postern-message-item.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One entry of the message list. The lazy model hands out items before
 * their page of rows has been read; such an item is a placeholder until
 * postern_message_item_set_row() fills it and "loaded" turns TRUE.
 */
#pragma once

#include <glib-object.h>

#include "postern-core.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_MESSAGE_ITEM (postern_message_item_get_type ())
G_DECLARE_FINAL_TYPE (PosternMessageItem, postern_message_item, POSTERN, MESSAGE_ITEM, GObject)

PosternMessageItem *postern_message_item_new (const PosternMessageRow *row);
gboolean postern_message_item_get_loaded (PosternMessageItem *self);
const PosternMessageRow *postern_message_item_get_row (PosternMessageItem *self);
void postern_message_item_set_row (PosternMessageItem *self, const PosternMessageRow *row);
const char *postern_message_item_get_id (PosternMessageItem *self);
const char *postern_message_item_get_folder (PosternMessageItem *self);
const char *postern_message_item_get_subject (PosternMessageItem *self);
const char *postern_message_item_get_sender (PosternMessageItem *self);
PosternLock postern_message_item_get_lock (PosternMessageItem *self);
gboolean postern_message_item_get_unread (PosternMessageItem *self);
void postern_message_item_set_unread (PosternMessageItem *self, gboolean unread);
char *postern_message_item_format_date (PosternMessageItem *self, GDateTime *now);

G_END_DECLS
