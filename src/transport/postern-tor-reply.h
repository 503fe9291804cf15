/* postern-tor-reply.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replies and events of tor's control protocol (torspec control-spec §2.3,
 * §4): lines "CODE-text" and "CODE+text" (the latter followed by a data
 * block ending in a lone "."), closed by "CODE text". Events are replies
 * with code 650. Also the argument syntax inside a line: bare words and
 * KEY=VALUE pairs whose VALUE may be a C-style quoted string. Pure
 * functions that read what tor sends, so they are fuzzed on their own.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest line accepted: tor's own lines are far shorter, except data. */
#define POSTERN_TOR_MAX_LINE 65536
/* Most lines (data lines included) one reply may have. */
#define POSTERN_TOR_MAX_LINES 4096
/* Most bytes one reply may have. */
#define POSTERN_TOR_MAX_REPLY (1024 * 1024)

typedef struct
{
  guint code;        /* 100..699 */
  GPtrArray *lines;  /* each line's text, without code and separator; a data
                        line's block follows its text after a "\n" */
  gboolean complete; /* the closing line has been seen */
  gboolean in_data;  /* inside a "+" line's data block */
  gsize n_lines;     /* every line fed, data lines included */
  gsize n_bytes;     /* and their length */
  GString *block;    /* the data block being read */
} PosternTorReply;

PosternTorReply *postern_tor_reply_new (void);
void postern_tor_reply_free (PosternTorReply *reply);
gboolean postern_tor_reply_feed_line (PosternTorReply *reply, const char *line, gsize len,
                                      GError **error);
const char *postern_tor_reply_get_value (const PosternTorReply *reply, const char *key);
char *postern_tor_reply_to_string (const PosternTorReply *reply);

/* The words of one line: bare words in order, KEY=VALUE pairs by key. */
typedef struct
{
  GPtrArray *words;  /* char *, unquoted */
  GHashTable *pairs; /* KEY → VALUE, unquoted; the first of a repeated key */
} PosternTorArgs;

PosternTorArgs *postern_tor_args_parse (const char *text, GError **error);
void postern_tor_args_free (PosternTorArgs *args);
const char *postern_tor_args_get (const PosternTorArgs *args, const char *key);
char *postern_tor_unquote (const char *text, const char **out_end, GError **error);
char *postern_tor_quote (const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternTorReply, postern_tor_reply_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternTorArgs, postern_tor_args_free)

G_END_DECLS
