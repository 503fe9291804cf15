/* postern-mbox.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Splits an mbox file into messages. A message starts at a line beginning
 * with "From " that opens the file or follows an empty line; its stored
 * form has the From_ line and the separating empty line removed, and one
 * level of mboxrd quoting (">From " → "From ") undone.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PosternMboxReader PosternMboxReader;

PosternMboxReader *postern_mbox_reader_new (GBytes *contents, GError **error);
PosternMboxReader *postern_mbox_reader_new_for_path (const char *path, GError **error);
GBytes *postern_mbox_reader_next (PosternMboxReader *reader);
gsize postern_mbox_reader_get_offset (PosternMboxReader *reader);
void postern_mbox_reader_free (PosternMboxReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternMboxReader, postern_mbox_reader_free)

G_END_DECLS
