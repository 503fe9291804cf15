/* fuzz-message-info.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the store reads from every message it is handed, whoever sent it:
 * postern_message_info_parse () (GMime underneath) over arbitrary bytes, and
 * the HTML-to-text pass it runs on text/html parts, here fed the raw input
 * directly so it sees markup no MIME parser has tidied. The index must only
 * ever receive UTF-8, and the body text stays under its cap.
 */
#include "config.h"

#include <string.h>

#include "postern-fuzz.h"
#include "postern-message-info.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  postern_core_init ();
  return 0;
}

static void
check_text (const char *text)
{
  if (text != NULL)
    postern_fuzz_check (g_utf8_validate (text, -1, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (PosternMessageInfo) info = NULL;
  g_autofree char *plain = NULL;

  /* An empty Maildir file arrives as no data at all: a GMappedFile of an
   * empty file has NULL contents. */
  info = postern_message_info_parse (size > 0 ? data : NULL, size);
  postern_fuzz_check (info != NULL);
  postern_fuzz_check (info->size == size);
  postern_fuzz_check (info->id != NULL && strlen (info->id) == 24);
  for (const char *c = info->id; *c != '\0'; c++)
    postern_fuzz_check (g_ascii_isxdigit (*c));
  check_text (info->message_id);
  check_text (info->sender);
  check_text (info->recipients);
  check_text (info->subject);
  check_text (info->body_text);
  if (info->body_text != NULL)
    postern_fuzz_check (strlen (info->body_text) <= POSTERN_MESSAGE_INFO_BODY_MAX);

  /* Not NUL-terminated on purpose: the length must bound every read. */
  plain = postern_html_to_text ((const char *) data, (gssize) size);
  postern_fuzz_check (plain != NULL);
  /* Tags shrink to one space and entities to their character. */
  postern_fuzz_check (strlen (plain) <= size);
  return 0;
}
