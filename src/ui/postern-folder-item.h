/* postern-folder-item.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One folder as the sidebar lists it: its name and its counts.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define POSTERN_TYPE_FOLDER_ITEM (postern_folder_item_get_type ())
G_DECLARE_FINAL_TYPE (PosternFolderItem, postern_folder_item, POSTERN, FOLDER_ITEM, GObject)

PosternFolderItem *postern_folder_item_new (const char *name, guint unread, guint total);
const char *postern_folder_item_get_name (PosternFolderItem *self);
const char *postern_folder_item_get_title (PosternFolderItem *self);
const char *postern_folder_item_get_icon_name (PosternFolderItem *self);
guint postern_folder_item_get_unread (PosternFolderItem *self);
guint postern_folder_item_get_total (PosternFolderItem *self);
void postern_folder_item_set_counts (PosternFolderItem *self, guint unread, guint total);

G_END_DECLS
