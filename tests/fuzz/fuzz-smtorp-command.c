/* fuzz-smtorp-command.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What an SMTorP client sends the server: the input is split into lines at
 * LF, as the server reads them, and each line is parsed as a command.
 */
#include "config.h"

#include <string.h>

#include "postern-fuzz.h"
#include "postern-smtorp-command.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

static gboolean
is_clean (const char *s)
{
  for (const char *p = s; *p; p++)
    if ((guchar) *p < ' ' || (guchar) *p >= 0x7f)
      return FALSE;
  return TRUE;
}

static void
check_line (const char *line, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternSmtorpCommand) cmd = postern_smtorp_command_parse (line, len, &error);
  gsize bare = len;

  if (bare > 0 && line[bare - 1] == '\n')
    bare--;
  if (bare > 0 && line[bare - 1] == '\r')
    bare--;

  if (cmd == NULL)
    {
      const char *reply = postern_smtorp_command_error_reply (error);
      postern_fuzz_check (error != NULL && error->domain == POSTERN_SMTORP_COMMAND_ERROR);
      postern_fuzz_check (reply[0] == '5' && strlen (reply) == 9);
      postern_fuzz_check (is_clean (error->message));
      return;
    }
  /* Nothing longer than the limit is ever accepted. */
  postern_fuzz_check (bare + 2 <= POSTERN_SMTORP_MAX_LINE);
  postern_fuzz_check (cmd->verb <= POSTERN_SMTORP_QUIT);
  postern_fuzz_check (memchr (line, '\0', bare) == NULL);
  switch (cmd->verb)
    {
    case POSTERN_SMTORP_EHLO:
    case POSTERN_SMTORP_HELO:
      postern_fuzz_check (cmd->domain != NULL && *cmd->domain != '\0' && is_clean (cmd->domain));
      postern_fuzz_check (strchr (cmd->domain, ' ') == NULL);
      break;
    case POSTERN_SMTORP_MAIL:
    case POSTERN_SMTORP_RCPT:
      postern_fuzz_check (cmd->address != NULL && is_clean (cmd->address));
      postern_fuzz_check (strlen (cmd->address) + 2 <= POSTERN_SMTORP_MAX_PATH);
      /* Only MAIL has the null path; a mailbox always has its "@" but
       * for RCPT's <Postmaster>. */
      if (cmd->verb == POSTERN_SMTORP_RCPT)
        postern_fuzz_check (*cmd->address != '\0');
      if (*cmd->address != '\0' && g_ascii_strcasecmp (cmd->address, "postmaster") != 0)
        postern_fuzz_check (strrchr (cmd->address, '@') != NULL);
      if (cmd->verb == POSTERN_SMTORP_RCPT)
        postern_fuzz_check (!cmd->has_size && cmd->body == POSTERN_SMTORP_BODY_UNSPECIFIED);
      break;
    default:
      postern_fuzz_check (cmd->address == NULL && cmd->domain == NULL);
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *p = (const char *) data;
  const char *end = p + size;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (size_t) (end - p));
      const char *line_end = nl != NULL ? nl + 1 : end;

      /* Not NUL-terminated: the parser must stay within the length. */
      check_line (p, (gsize) (line_end - p));
      p = line_end;
    }
  return 0;
}
