/* postern-smtorp-command.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-smtorp-command.h"

#define MAX_LOCAL_PART 64
#define MAX_DOMAIN 255

G_DEFINE_QUARK (postern-smtorp-command-error-quark, postern_smtorp_command_error)

void
postern_smtorp_command_free (PosternSmtorpCommand *command)
{
  if (command == NULL)
    return;
  g_free (command->domain);
  g_free (command->address);
  g_free (command);
}

static gboolean
fail (GError **error, PosternSmtorpCommandError code, const char *message)
{
  g_set_error_literal (error, POSTERN_SMTORP_COMMAND_ERROR, code, message);
  return FALSE;
}

/* A cursor over one line: the parser never reads past @end, and the line
 * need not be NUL-terminated. */
typedef struct
{
  const char *p;
  const char *end;
} Cursor;

static gboolean
at_end (const Cursor *c)
{
  return c->p >= c->end;
}

static gboolean
take_char (Cursor *c, char ch)
{
  if (at_end (c) || *c->p != ch)
    return FALSE;
  c->p++;
  return TRUE;
}

static gboolean
take_keyword (Cursor *c, const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (c->end - c->p) < n || g_ascii_strncasecmp (c->p, word, n) != 0)
    return FALSE;
  c->p += n;
  return TRUE;
}

static void
skip_spaces (Cursor *c)
{
  while (!at_end (c) && *c->p == ' ')
    c->p++;
}

static gboolean
is_atext (char ch)
{
  return g_ascii_isalnum (ch) || (ch != '\0' && strchr ("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

/* Printable US-ASCII without space (RFC 5321's qtextSMTP and dcontent
 * draw on this range). */
static gboolean
is_graphic (char ch)
{
  return ch > ' ' && ch < 0x7f;
}

/* Dot-string (RFC 5321 §4.1.2): atoms joined by single dots. */
static gboolean
parse_dot_string (Cursor *c)
{
  for (;;)
    {
      const char *start = c->p;
      while (!at_end (c) && is_atext (*c->p))
        c->p++;
      if (c->p == start)
        return FALSE;
      if (at_end (c) || *c->p != '.')
        return TRUE;
      c->p++;
    }
}

/* Quoted-string: printable ASCII, with backslash escaping any of it. */
static gboolean
parse_quoted_string (Cursor *c)
{
  if (!take_char (c, '"'))
    return FALSE;
  while (!at_end (c))
    {
      char ch = *c->p++;
      if (ch == '"')
        return TRUE;
      if (ch == '\\')
        {
          if (at_end (c) || (*c->p < ' ' || *c->p >= 0x7f))
            return FALSE;
          c->p++;
        }
      else if (ch < ' ' || ch >= 0x7f)
        return FALSE;
    }
  return FALSE;
}

/* Domain (labels of letters, digits and hyphens) or an address literal in
 * brackets. */
static gboolean
parse_domain (Cursor *c)
{
  const char *start = c->p;

  if (take_char (c, '['))
    {
      while (!at_end (c) && is_graphic (*c->p) && *c->p != '[' && *c->p != ']' && *c->p != '\\')
        c->p++;
      if (c->p == start + 1 || !take_char (c, ']'))
        return FALSE;
      return (gsize) (c->p - start) <= MAX_DOMAIN;
    }
  for (;;)
    {
      const char *label = c->p;
      while (!at_end (c) && (g_ascii_isalnum (*c->p) || *c->p == '-'))
        c->p++;
      if (c->p == label || *label == '-' || c->p[-1] == '-' || c->p - label > 63)
        return FALSE;
      if (at_end (c) || *c->p != '.')
        break;
      c->p++;
    }
  return (gsize) (c->p - start) <= MAX_DOMAIN;
}

/* Path = "<" [ A-d-l ":" ] Mailbox ">" (RFC 5321 §4.1.2). The source route
 * is obsolete and must be accepted but ignored. @out_address gets the
 * mailbox; @allow_empty admits "<>" (the null reverse-path of MAIL), and
 * @allow_postmaster the bare "<Postmaster>" RCPT must accept. */
static gboolean
parse_path (Cursor *c, gboolean allow_empty, gboolean allow_postmaster, char **out_address)
{
  const char *open = c->p;
  const char *mailbox;

  if (!take_char (c, '<'))
    return FALSE;
  if (allow_empty && take_char (c, '>'))
    {
      *out_address = g_strdup ("");
      return TRUE;
    }
  if (!at_end (c) && *c->p == '@')
    {
      /* "@one.example,@two.example:" */
      for (;;)
        {
          if (!take_char (c, '@') || !parse_domain (c))
            return FALSE;
          if (take_char (c, ':'))
            break;
          if (!take_char (c, ','))
            return FALSE;
        }
    }
  mailbox = c->p;
  if (allow_postmaster && take_keyword (c, "postmaster") && take_char (c, '>'))
    {
      *out_address = g_strndup (mailbox, (gsize) (c->p - 1 - mailbox));
      return (gsize) (c->p - open) <= POSTERN_SMTORP_MAX_PATH;
    }
  c->p = mailbox;
  if (!at_end (c) && *c->p == '"' ? !parse_quoted_string (c) : !parse_dot_string (c))
    return FALSE;
  if (c->p - mailbox > MAX_LOCAL_PART)
    return FALSE;
  if (!take_char (c, '@') || !parse_domain (c))
    return FALSE;
  if (!take_char (c, '>'))
    return FALSE;
  if ((gsize) (c->p - open) > POSTERN_SMTORP_MAX_PATH)
    return FALSE;
  *out_address = g_strndup (mailbox, (gsize) (c->p - 1 - mailbox));
  return TRUE;
}

/* esmtp-param = esmtp-keyword ["=" esmtp-value] (RFC 5321 §4.1.2). */
static gboolean
parse_parameter (Cursor *c, char **out_keyword, char **out_value)
{
  const char *start = c->p;
  const char *eq;

  if (at_end (c) || !g_ascii_isalnum (*c->p))
    return FALSE;
  while (!at_end (c) && (g_ascii_isalnum (*c->p) || *c->p == '-'))
    c->p++;
  *out_keyword = g_strndup (start, (gsize) (c->p - start));
  *out_value = NULL;
  if (at_end (c) || *c->p == ' ')
    return TRUE;
  if (*c->p != '=')
    return FALSE;
  eq = ++c->p;
  while (!at_end (c) && is_graphic (*c->p) && *c->p != '=')
    c->p++;
  if (c->p == eq || (!at_end (c) && *c->p != ' '))
    return FALSE;
  *out_value = g_strndup (eq, (gsize) (c->p - eq));
  return TRUE;
}

static gboolean
parse_mail_parameters (Cursor *c, PosternSmtorpCommand *cmd, GError **error)
{
  gboolean seen_body = FALSE;

  while (!at_end (c))
    {
      g_autofree char *keyword = NULL;
      g_autofree char *value = NULL;

      if (!take_char (c, ' '))
        return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX,
                     "a space must separate the path from its parameters");
      skip_spaces (c);
      if (at_end (c))
        break;
      if (!parse_parameter (c, &keyword, &value))
        return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX, "malformed parameter");
      if (g_ascii_strcasecmp (keyword, "SIZE") == 0)
        {
          if (cmd->has_size)
            return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX, "SIZE given twice");
          if (value == NULL || strspn (value, "0123456789") != strlen (value)
              || strlen (value) > 20
              || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &cmd->size, NULL))
            return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX,
                         "SIZE needs a number of octets");
          cmd->has_size = TRUE;
        }
      else if (g_ascii_strcasecmp (keyword, "BODY") == 0)
        {
          if (seen_body)
            return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX, "BODY given twice");
          seen_body = TRUE;
          if (value != NULL && g_ascii_strcasecmp (value, "8BITMIME") == 0)
            cmd->body = POSTERN_SMTORP_BODY_8BITMIME;
          else if (value != NULL && g_ascii_strcasecmp (value, "7BIT") == 0)
            cmd->body = POSTERN_SMTORP_BODY_7BIT;
          else
            return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX,
                         "BODY is 7BIT or 8BITMIME");
        }
      else
        return fail (error, POSTERN_SMTORP_COMMAND_ERROR_PARAMETER,
                     "parameter not supported (only SIZE and BODY)");
    }
  return TRUE;
}

static gboolean
parse_envelope (Cursor *c, PosternSmtorpCommand *cmd, GError **error)
{
  gboolean mail = cmd->verb == POSTERN_SMTORP_MAIL;

  if (!take_char (c, ' ') || !take_keyword (c, mail ? "FROM:" : "TO:"))
    return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX,
                 mail ? "the syntax is MAIL FROM:<address>" : "the syntax is RCPT TO:<address>");
  /* RFC 5321 has no space after the colon, but many clients send one. */
  skip_spaces (c);
  if (!parse_path (c, mail, !mail, &cmd->address))
    return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX,
                 mail ? "the sender is not a valid <address>"
                      : "the recipient is not a valid <address>");
  if (mail)
    return parse_mail_parameters (c, cmd, error);
  skip_spaces (c);
  if (!at_end (c))
    return fail (error, POSTERN_SMTORP_COMMAND_ERROR_PARAMETER,
                 "RCPT takes no parameters here");
  return TRUE;
}

static gboolean
parse_hello (Cursor *c, PosternSmtorpCommand *cmd, GError **error)
{
  const char *start;

  if (!take_char (c, ' '))
    return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX, "EHLO needs the client's name");
  skip_spaces (c);
  start = c->p;
  /* Clients name themselves in many ways (underscores, bare words); what
   * matters is one printable token, which is all the server keeps. */
  while (!at_end (c) && is_graphic (*c->p))
    c->p++;
  if (c->p == start || c->p - start > MAX_DOMAIN)
    return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX, "EHLO needs the client's name");
  cmd->domain = g_strndup (start, (gsize) (c->p - start));
  skip_spaces (c);
  if (!at_end (c))
    return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX, "EHLO takes one name");
  return TRUE;
}

/**
 * postern_smtorp_command_parse:
 * @line: one command line, with or without its CRLF (need not be
 *   NUL-terminated)
 * @len: its length in octets
 *
 * Returns: (transfer full): the command, or %NULL with an error in
 *   %POSTERN_SMTORP_COMMAND_ERROR whose code says how to reply (see
 *   postern_smtorp_command_error_reply()).
 */
PosternSmtorpCommand *
postern_smtorp_command_parse (const char *line, gsize len, GError **error)
{
  static const char *const not_implemented[]
    = { "VRFY", "EXPN", "HELP", "STARTTLS", "AUTH", "BDAT", "ETRN", "TURN", "ATRN", "BURL" };
  static const struct
  {
    const char *name;
    PosternSmtorpVerb verb;
  } verbs[] = {
    { "EHLO", POSTERN_SMTORP_EHLO }, { "HELO", POSTERN_SMTORP_HELO },
    { "MAIL", POSTERN_SMTORP_MAIL }, { "RCPT", POSTERN_SMTORP_RCPT },
    { "DATA", POSTERN_SMTORP_DATA }, { "RSET", POSTERN_SMTORP_RSET },
    { "NOOP", POSTERN_SMTORP_NOOP }, { "QUIT", POSTERN_SMTORP_QUIT },
  };
  g_autoptr (PosternSmtorpCommand) cmd = NULL;
  Cursor c;
  gsize verb_len = 0;
  gboolean found = FALSE;

  g_return_val_if_fail (line != NULL || len == 0, NULL);

  if (len >= 1 && line[len - 1] == '\n')
    len--;
  if (len >= 1 && line[len - 1] == '\r')
    len--;
  if (len + 2 > POSTERN_SMTORP_MAX_LINE)
    return fail (error, POSTERN_SMTORP_COMMAND_ERROR_TOO_LONG, "line too long"), NULL;
  /* Commands are US-ASCII; a control character, NUL or 8-bit octet can
   * only be an attack on whoever reads the line next. */
  for (gsize i = 0; i < len; i++)
    if ((guchar) line[i] < ' ' || (guchar) line[i] >= 0x7f)
      return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX,
                   "commands are printable US-ASCII"),
             NULL;
  /* Trailing white space is a common client quirk, never meaningful. */
  while (len > 0 && line[len - 1] == ' ')
    len--;

  c.p = line;
  c.end = line + len;
  while (verb_len < len && line[verb_len] != ' ')
    verb_len++;

  cmd = g_new0 (PosternSmtorpCommand, 1);
  for (guint i = 0; i < G_N_ELEMENTS (verbs) && !found; i++)
    if (verb_len == 4 && g_ascii_strncasecmp (line, verbs[i].name, 4) == 0)
      {
        cmd->verb = verbs[i].verb;
        found = TRUE;
      }
  if (!found)
    {
      for (guint i = 0; i < G_N_ELEMENTS (not_implemented); i++)
        if (verb_len == strlen (not_implemented[i])
            && g_ascii_strncasecmp (line, not_implemented[i], verb_len) == 0)
          return fail (error, POSTERN_SMTORP_COMMAND_ERROR_NOT_IMPLEMENTED,
                       "command not implemented"),
                 NULL;
      return fail (error, POSTERN_SMTORP_COMMAND_ERROR_UNKNOWN, "command not recognized"), NULL;
    }
  c.p += 4;

  switch (cmd->verb)
    {
    case POSTERN_SMTORP_EHLO:
    case POSTERN_SMTORP_HELO:
      if (!parse_hello (&c, cmd, error))
        return NULL;
      break;
    case POSTERN_SMTORP_MAIL:
    case POSTERN_SMTORP_RCPT:
      if (!parse_envelope (&c, cmd, error))
        return NULL;
      break;
    case POSTERN_SMTORP_NOOP:
      /* NOOP may carry any string, which is ignored (§4.1.1.9). */
      break;
    case POSTERN_SMTORP_DATA:
    case POSTERN_SMTORP_RSET:
    case POSTERN_SMTORP_QUIT:
    default:
      if (!at_end (&c))
        return fail (error, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX,
                     "this command takes no arguments"),
               NULL;
      break;
    }
  return g_steal_pointer (&cmd);
}

/**
 * postern_smtorp_command_error_reply:
 * @error: an error from postern_smtorp_command_parse()
 *
 * Returns: the reply code and enhanced status code for @error, such as
 *   "501 5.5.4", to which the server adds the error's message.
 */
const char *
postern_smtorp_command_error_reply (const GError *error)
{
  if (error == NULL || error->domain != POSTERN_SMTORP_COMMAND_ERROR)
    return "451 4.3.0";
  switch ((PosternSmtorpCommandError) error->code)
    {
    case POSTERN_SMTORP_COMMAND_ERROR_NOT_IMPLEMENTED:
      return "502 5.5.1";
    case POSTERN_SMTORP_COMMAND_ERROR_SYNTAX:
      return "501 5.5.4";
    case POSTERN_SMTORP_COMMAND_ERROR_PARAMETER:
      return "555 5.5.4";
    case POSTERN_SMTORP_COMMAND_ERROR_TOO_LONG:
      return "500 5.5.2";
    case POSTERN_SMTORP_COMMAND_ERROR_UNKNOWN:
    default:
      return "500 5.5.1";
    }
}
