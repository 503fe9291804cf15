/* postern-smtp-reply.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SMTP replies (RFC 5321 §4.2): one or more lines "CODE-text" ending with
 * "CODE text", read from the network one line at a time. Pure functions,
 * so they are fuzzed on their own.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest reply line accepted; RFC 5321 allows 512 octets. */
#define POSTERN_SMTP_MAX_LINE 4096
/* Most lines one reply may have (EHLO lists capabilities one per line). */
#define POSTERN_SMTP_MAX_LINES 128

typedef struct
{
  guint code;         /* 200..599 */
  char *enhanced;     /* "5.1.1" when the server sent an enhanced status code, else NULL */
  GPtrArray *lines;   /* the text of each line, without code and separator */
  gboolean complete;  /* the last line has been seen */
} PosternSmtpReply;

PosternSmtpReply *postern_smtp_reply_new (void);
void postern_smtp_reply_free (PosternSmtpReply *reply);
gboolean postern_smtp_reply_feed_line (PosternSmtpReply *reply, const char *line, gsize len,
                                       GError **error);
char *postern_smtp_reply_to_string (const PosternSmtpReply *reply);
gboolean postern_smtp_reply_has_capability (const PosternSmtpReply *ehlo, const char *name,
                                            const char **out_params);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternSmtpReply, postern_smtp_reply_free)

G_END_DECLS
