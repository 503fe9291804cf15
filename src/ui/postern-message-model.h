/* postern-message-model.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GListModel over one folder of the store that reads lazily: n_items
 * comes from the index's count, and get_item() hands out placeholders whose
 * page of rows (PAGE_SIZE at a time) is read in a worker. Only a window of
 * pages stays cached, so a folder of any size opens and scrolls in
 * constant memory.
 */
#pragma once

#include <gio/gio.h>

#include "postern-session.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_MESSAGE_MODEL (postern_message_model_get_type ())
G_DECLARE_FINAL_TYPE (PosternMessageModel, postern_message_model, POSTERN, MESSAGE_MODEL, GObject)

PosternMessageModel *postern_message_model_new (PosternSession *session, const char *folder);
const char *postern_message_model_get_folder (PosternMessageModel *self);
gboolean postern_message_model_get_loading (PosternMessageModel *self);
void postern_message_model_reload (PosternMessageModel *self);

G_END_DECLS
