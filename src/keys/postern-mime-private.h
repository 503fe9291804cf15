/* postern-mime-private.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A message's header block as bytes, for changes that must leave every
 * other byte alone: taking the Content-* fields out of the outer message,
 * adding an Autocrypt field. GMime would re-fold what it rewrites. Not for
 * use outside src/keys.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One header field: bytes [start, end) of the message, continuation lines
 * and line ending included; the name is the first name_len bytes. */
typedef struct
{
  gsize start;
  gsize end;
  gsize name_len;
} PosternRawField;

typedef struct
{
  GBytes *bytes;
  const char *data;
  gsize len;
  GArray *fields;   /* PosternRawField, in order */
  gsize body_start; /* after the empty line; len when there is none */
  gboolean crlf;    /* whether lines end in CRLF */
} PosternRawMessage;

PosternRawMessage *_postern_raw_message_new (GBytes *bytes);
void _postern_raw_message_free (PosternRawMessage *raw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternRawMessage, _postern_raw_message_free)

gboolean _postern_raw_field_is (PosternRawMessage *raw, guint i, const char *name);
gboolean _postern_raw_field_is_content (PosternRawMessage *raw, guint i);
const char *_postern_raw_message_newline (PosternRawMessage *raw);
void _postern_append_with_newline (GString *out, const char *data, gsize len, gboolean crlf);

G_END_DECLS
