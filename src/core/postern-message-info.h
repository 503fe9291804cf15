/* postern-message-info.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the index needs to know about a message, read from its raw bytes with
 * GMime: decoded headers and the text of its body, converted to UTF-8 from
 * whatever charset it was written in. Parsing never fails: a malformed
 * message yields whatever could be recovered, so it can still be stored and
 * listed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *id;         /* 24 hex digits of SHA-256 over the raw bytes: stable */
  char *message_id; /* Message-ID without angle brackets, or NULL */
  char *sender;     /* decoded From, UTF-8 */
  char *recipients; /* decoded To and Cc, UTF-8 */
  char *subject;    /* decoded Subject, UTF-8 */
  char *body_text;  /* decoded text of the body parts, UTF-8, capped */
  gint64 date;      /* Unix time from Date:, 0 when absent or unreadable */
  gsize size;
} PosternMessageInfo;

/* Text beyond this many bytes of a message body is not indexed. Fuzzing
 * builds (tests/fuzz) lower the cap so that inputs of the size a fuzzer
 * tries reach the code that cuts the text. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define POSTERN_MESSAGE_INFO_BODY_MAX (4 * 1024)
#else
#define POSTERN_MESSAGE_INFO_BODY_MAX (256 * 1024)
#endif

void postern_core_init (void);

char *postern_message_compute_id (const void *data, gsize len);
PosternMessageInfo *postern_message_info_parse (const void *data, gsize len);
void postern_message_info_free (PosternMessageInfo *info);
char *postern_html_to_text (const char *html, gssize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternMessageInfo, postern_message_info_free)

G_END_DECLS
