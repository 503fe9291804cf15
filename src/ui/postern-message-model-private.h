/* postern-message-model-private.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the tests look at inside the lazy model.
 */
#pragma once

#include "postern-message-model.h"

G_BEGIN_DECLS

#define POSTERN_MESSAGE_MODEL_PAGE_SIZE 200
#define POSTERN_MESSAGE_MODEL_MAX_PAGES 8

guint _postern_message_model_get_n_cached_pages (PosternMessageModel *self);
guint64 _postern_message_model_get_rows_read (PosternMessageModel *self);

G_END_DECLS
