/* postern-folder-row.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sidebar row: a folder's icon, title and unread count.
 */
#pragma once

#include <gtk/gtk.h>

#include "postern-folder-item.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_FOLDER_ROW (postern_folder_row_get_type ())
G_DECLARE_FINAL_TYPE (PosternFolderRow, postern_folder_row, POSTERN, FOLDER_ROW, GtkListBoxRow)

GtkWidget *postern_folder_row_new (PosternFolderItem *item);
PosternFolderItem *postern_folder_row_get_item (PosternFolderRow *self);

G_END_DECLS
