/* postern-smtorp-command.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The commands an SMTorP server accepts (RFC 5321 with SIZE, RFC 1870, and
 * 8BITMIME, RFC 6152): EHLO/HELO, MAIL FROM:<…> [SIZE=n] [BODY=7BIT|8BITMIME],
 * RCPT TO:<…>, DATA, RSET, NOOP and QUIT, one line at a time. Pure
 * functions without I/O, so they are fuzzed on their own.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest line, CRLF included (RFC 5321 §4.5.3.1.6 for text lines; the
 * server holds commands to the same bound). */
#define POSTERN_SMTORP_MAX_LINE 1000
/* Longest forward- or reverse-path with its angle brackets (§4.5.3.1.3). */
#define POSTERN_SMTORP_MAX_PATH 256

#define POSTERN_SMTORP_COMMAND_ERROR (postern_smtorp_command_error_quark ())

/**
 * PosternSmtorpCommandError:
 * @POSTERN_SMTORP_COMMAND_ERROR_UNKNOWN: not a command (reply 500 5.5.1)
 * @POSTERN_SMTORP_COMMAND_ERROR_NOT_IMPLEMENTED: a command this server does
 *   not offer, such as VRFY or STARTTLS (502 5.5.1)
 * @POSTERN_SMTORP_COMMAND_ERROR_SYNTAX: a known command with bad arguments
 *   (501 5.5.4)
 * @POSTERN_SMTORP_COMMAND_ERROR_PARAMETER: an unknown MAIL or RCPT parameter
 *   (555 5.5.4)
 * @POSTERN_SMTORP_COMMAND_ERROR_TOO_LONG: the line is longer than
 *   %POSTERN_SMTORP_MAX_LINE (500 5.5.2)
 */
typedef enum
{
  POSTERN_SMTORP_COMMAND_ERROR_UNKNOWN,
  POSTERN_SMTORP_COMMAND_ERROR_NOT_IMPLEMENTED,
  POSTERN_SMTORP_COMMAND_ERROR_SYNTAX,
  POSTERN_SMTORP_COMMAND_ERROR_PARAMETER,
  POSTERN_SMTORP_COMMAND_ERROR_TOO_LONG,
} PosternSmtorpCommandError;

typedef enum
{
  POSTERN_SMTORP_EHLO,
  POSTERN_SMTORP_HELO,
  POSTERN_SMTORP_MAIL,
  POSTERN_SMTORP_RCPT,
  POSTERN_SMTORP_DATA,
  POSTERN_SMTORP_RSET,
  POSTERN_SMTORP_NOOP,
  POSTERN_SMTORP_QUIT,
} PosternSmtorpVerb;

typedef enum
{
  POSTERN_SMTORP_BODY_UNSPECIFIED,
  POSTERN_SMTORP_BODY_7BIT,
  POSTERN_SMTORP_BODY_8BITMIME,
} PosternSmtorpBody;

typedef struct
{
  PosternSmtorpVerb verb;
  char *domain;     /* EHLO, HELO: the client's name or address literal */
  char *address;    /* MAIL, RCPT: the addr-spec without brackets; "" for MAIL FROM:<> */
  gboolean has_size; /* MAIL: SIZE= was given */
  guint64 size;      /* MAIL: its value */
  PosternSmtorpBody body; /* MAIL: BODY= */
} PosternSmtorpCommand;

GQuark postern_smtorp_command_error_quark (void);
PosternSmtorpCommand *postern_smtorp_command_parse (const char *line, gsize len, GError **error);
void postern_smtorp_command_free (PosternSmtorpCommand *command);
const char *postern_smtorp_command_error_reply (const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternSmtorpCommand, postern_smtorp_command_free)

G_END_DECLS
