/* postern-imap-parser.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-imap-parser.h"

G_DEFINE_QUARK (postern-imap-error-quark, postern_imap_error)

/* Where the parse of one response stands. Every reader below returns FALSE
 * to stop: either the bytes ran out (@needed is then set and no error) or
 * the input is not IMAP (@error is set). */
typedef struct
{
  const guint8 *data;
  gsize len;
  gsize pos;
  gsize line_start; /* where the current line began: after the last literal */
  gsize needed;
  GError **error;
} Cursor;

void
postern_imap_value_free (PosternImapValue *value)
{
  if (value == NULL)
    return;
  g_free (value->atom);
  g_clear_pointer (&value->string, g_bytes_unref);
  g_clear_pointer (&value->list, g_ptr_array_unref);
  g_free (value);
}

static GPtrArray *
value_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) postern_imap_value_free);
}

gboolean
postern_imap_value_is_atom (const PosternImapValue *value, const char *name)
{
  return value != NULL && value->type == POSTERN_IMAP_ATOM
         && g_ascii_strcasecmp (value->atom, name) == 0;
}

/* IMAP numbers are unsigned decimal: 32 bits for most, 63 for a
 * mod-sequence, so anything that fits 64 bits is accepted here and the
 * caller narrows it. */
gboolean
postern_imap_value_get_number (const PosternImapValue *value, guint64 *out_number)
{
  if (value == NULL || value->type != POSTERN_IMAP_ATOM || value->atom[0] == '\0'
      || strlen (value->atom) > 20)
    return FALSE;
  for (const char *p = value->atom; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return g_ascii_string_to_unsigned (value->atom, 10, 0, G_MAXUINT64, out_number, NULL);
}

/* An astring or nstring as C text; NULL for NIL, a list, or a literal that
 * holds a NUL and so cannot be one. */
char *
postern_imap_value_dup_string (const PosternImapValue *value)
{
  gsize len;
  const char *data;

  if (value == NULL)
    return NULL;
  if (value->type == POSTERN_IMAP_ATOM)
    return g_strdup (value->atom);
  if (value->type != POSTERN_IMAP_STRING)
    return NULL;
  data = g_bytes_get_data (value->string, &len);
  if (len > 0 && memchr (data, '\0', len) != NULL)
    return NULL;
  return g_strndup (data, len);
}

void
postern_imap_response_free (PosternImapResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->tag);
  g_free (response->name);
  g_free (response->code);
  g_clear_pointer (&response->code_args, g_ptr_array_unref);
  g_free (response->text);
  g_clear_pointer (&response->args, g_ptr_array_unref);
  g_free (response);
}

/**
 * postern_imap_response_get_code_number:
 * @response: a response
 * @code: a response code such as "UIDVALIDITY"
 * @out_number: (out): its number
 *
 * Returns: %TRUE when @response carries @code with a number as its first
 *   argument
 */
gboolean
postern_imap_response_get_code_number (const PosternImapResponse *response, const char *code,
                                       guint64 *out_number)
{
  if (response->code == NULL || g_ascii_strcasecmp (response->code, code) != 0
      || response->code_args == NULL || response->code_args->len == 0)
    return FALSE;
  return postern_imap_value_get_number (response->code_args->pdata[0], out_number);
}

static gboolean
syntax_error (Cursor *c, const char *what)
{
  g_set_error (c->error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_SYNTAX,
               "the server's response is not IMAP: %s at byte %" G_GSIZE_FORMAT, what, c->pos);
  return FALSE;
}

static gboolean
too_big (Cursor *c, const char *what, guint64 size, guint64 limit)
{
  g_autofree char *limit_text = g_format_size_full (limit, G_FORMAT_SIZE_IEC_UNITS);

  if (size > 0)
    g_set_error (c->error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_TOO_BIG,
                 "the server sent %s of %" G_GUINT64_FORMAT " bytes; the limit is %s", what,
                 size, limit_text);
  else
    g_set_error (c->error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_TOO_BIG,
                 "the server sent %s over the limit of %s", what, limit_text);
  return FALSE;
}

static gboolean
line_too_long (Cursor *c)
{
  return too_big (c, "a line", 0, POSTERN_IMAP_MAX_LINE);
}

/* The bytes ran out. A line may not grow past the limit while we wait for
 * its end, or a server could make the buffer grow forever. */
static gboolean
need_more (Cursor *c)
{
  if (c->len - c->line_start > POSTERN_IMAP_MAX_LINE)
    return line_too_long (c);
  c->needed = c->len + 1;
  return FALSE;
}

static int
peek (Cursor *c)
{
  return c->pos < c->len ? c->data[c->pos] : -1;
}

/* Whether the line ends here, with CRLF or, leniently, a bare LF. */
static gboolean
check_eol (Cursor *c, gboolean *out_eol)
{
  int ch = peek (c);

  if (ch < 0)
    return need_more (c);
  if (ch == '\r' && c->pos + 1 >= c->len)
    return need_more (c);
  *out_eol = ch == '\n' || (ch == '\r' && c->data[c->pos + 1] == '\n');
  return TRUE;
}

static gboolean
eat_eol (Cursor *c)
{
  gboolean eol = FALSE;

  if (!check_eol (c, &eol))
    return FALSE;
  if (!eol)
    return syntax_error (c, "expected the end of the line");
  if (c->pos - c->line_start > POSTERN_IMAP_MAX_LINE)
    return line_too_long (c);
  c->pos += c->data[c->pos] == '\r' ? 2 : 1;
  c->line_start = c->pos;
  return TRUE;
}

static gboolean
eat_space (Cursor *c)
{
  int ch = peek (c);

  if (ch < 0)
    return need_more (c);
  if (ch != ' ')
    return syntax_error (c, "expected a space");
  c->pos++;
  return TRUE;
}

/* Atom characters, leniently: anything but a space, the characters that
 * open or close other tokens, and controls. Flags (\Seen, \*), sequence
 * sets (1:5,7) and mailbox names with % or * all read as atoms. Inside a
 * response code, ']' closes the code instead. */
static gboolean
is_atom_char (guint8 ch, gboolean in_code)
{
  if (ch <= 0x1f || ch == 0x7f || ch == ' ' || ch == '(' || ch == ')' || ch == '{' || ch == '"')
    return FALSE;
  return !(in_code && ch == ']');
}

static gboolean
read_atom (Cursor *c, gboolean in_code, char **out_atom)
{
  gsize start = c->pos;

  for (;;)
    {
      int ch = peek (c);

      if (ch < 0)
        return need_more (c);
      /* A fetch item such as BODY[HEADER.FIELDS (FROM)]<0> holds spaces and
       * parentheses inside its brackets. */
      if (ch == '[' && !in_code)
        {
          c->pos++;
          for (;;)
            {
              ch = peek (c);
              if (ch < 0)
                return need_more (c);
              if (ch == '\r' || ch == '\n')
                return syntax_error (c, "unterminated [ in an atom");
              c->pos++;
              if (ch == ']')
                break;
            }
          continue;
        }
      if (!is_atom_char ((guint8) ch, in_code))
        break;
      c->pos++;
    }
  if (c->pos == start)
    return syntax_error (c, "expected an atom");
  *out_atom = g_strndup ((const char *) c->data + start, c->pos - start);
  return TRUE;
}

static gboolean
read_quoted (Cursor *c, GBytes **out_string)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();

  g_assert (peek (c) == '"');
  c->pos++;
  for (;;)
    {
      int ch = peek (c);

      if (ch < 0)
        return need_more (c);
      if (ch == '\r' || ch == '\n')
        return syntax_error (c, "unterminated quoted string");
      c->pos++;
      if (ch == '"')
        break;
      if (ch == '\\')
        {
          ch = peek (c);
          if (ch < 0)
            return need_more (c);
          if (ch == '\r' || ch == '\n')
            return syntax_error (c, "unterminated quoted string");
          c->pos++;
        }
      {
        guint8 byte = (guint8) ch;
        g_byte_array_append (buf, &byte, 1);
      }
    }
  *out_string = g_byte_array_free_to_bytes (g_steal_pointer (&buf));
  return TRUE;
}

/* {N}CRLF followed by N bytes (~{N} for a binary literal). The size is
 * checked before anything waits for, or holds, those bytes. */
static gboolean
read_literal (Cursor *c, GBytes **out_string)
{
  guint64 size = 0;
  guint digits = 0;
  gsize end;

  if (peek (c) == '~')
    c->pos++;
  if (peek (c) < 0)
    return need_more (c);
  if (peek (c) != '{')
    return syntax_error (c, "expected a literal");
  c->pos++;
  for (;;)
    {
      int ch = peek (c);

      if (ch < 0)
        return need_more (c);
      if (!g_ascii_isdigit (ch))
        break;
      /* More digits than any allowed size has: refuse before overflow. */
      if (++digits > 10)
        return too_big (c, "a literal", 0, POSTERN_IMAP_MAX_LITERAL);
      size = size * 10 + (guint64) (ch - '0');
      c->pos++;
    }
  if (digits == 0)
    return syntax_error (c, "literal without a size");
  if (peek (c) == '+')
    c->pos++;
  if (peek (c) < 0)
    return need_more (c);
  if (peek (c) != '}')
    return syntax_error (c, "expected } after the literal size");
  c->pos++;
  if (size > POSTERN_IMAP_MAX_LITERAL)
    return too_big (c, "a literal", size, POSTERN_IMAP_MAX_LITERAL);
  if (!eat_eol (c))
    return FALSE;
  if (c->pos + size > POSTERN_IMAP_MAX_RESPONSE)
    return too_big (c, "a response", 0, POSTERN_IMAP_MAX_RESPONSE);
  end = c->pos + (gsize) size;
  if (end > c->len)
    {
      /* The literal, then at least the end of the line. */
      c->needed = end + 1;
      return FALSE;
    }
  *out_string = g_bytes_new (c->data + c->pos, (gsize) size);
  c->pos = end;
  c->line_start = end;
  return TRUE;
}

static gboolean read_value (Cursor *c, gboolean in_code, guint depth, PosternImapValue **out);

static gboolean
read_list (Cursor *c, gboolean in_code, guint depth, PosternImapValue **out)
{
  g_autoptr (GPtrArray) items = value_array_new ();
  PosternImapValue *value;

  if (depth >= POSTERN_IMAP_MAX_DEPTH)
    return syntax_error (c, "lists nested too deeply");
  g_assert (peek (c) == '(');
  c->pos++;
  for (;;)
    {
      PosternImapValue *item = NULL;
      int ch = peek (c);

      if (ch < 0)
        return need_more (c);
      /* Some servers pad lists with extra spaces; they say nothing. */
      if (ch == ' ')
        {
          c->pos++;
          continue;
        }
      if (ch == ')')
        {
          c->pos++;
          break;
        }
      if (ch == '\r' || ch == '\n')
        return syntax_error (c, "unterminated list");
      if (!read_value (c, in_code, depth + 1, &item))
        return FALSE;
      g_ptr_array_add (items, item);
    }
  value = g_new0 (PosternImapValue, 1);
  value->type = POSTERN_IMAP_LIST;
  value->list = g_steal_pointer (&items);
  *out = value;
  return TRUE;
}

static gboolean
read_value (Cursor *c, gboolean in_code, guint depth, PosternImapValue **out)
{
  int ch = peek (c);
  PosternImapValue *value;

  if (ch < 0)
    return need_more (c);
  if (ch == '(')
    return read_list (c, in_code, depth, out);

  value = g_new0 (PosternImapValue, 1);
  if (ch == '"' || ch == '{'
      || (ch == '~' && c->pos + 1 < c->len && c->data[c->pos + 1] == '{'))
    {
      value->type = POSTERN_IMAP_STRING;
      if (!(ch == '"' ? read_quoted (c, &value->string) : read_literal (c, &value->string)))
        goto fail;
    }
  else if (ch == '~' && c->pos + 1 >= c->len)
    {
      need_more (c);
      goto fail;
    }
  else
    {
      value->type = POSTERN_IMAP_ATOM;
      if (!read_atom (c, in_code, &value->atom))
        goto fail;
      if (g_ascii_strcasecmp (value->atom, "NIL") == 0)
        {
          g_clear_pointer (&value->atom, g_free);
          value->type = POSTERN_IMAP_NIL;
        }
    }
  *out = value;
  return TRUE;

fail:
  postern_imap_value_free (value);
  return FALSE;
}

/* Values separated by spaces up to the end of the line. */
static gboolean
read_values (Cursor *c, GPtrArray *values)
{
  for (;;)
    {
      PosternImapValue *value = NULL;
      gboolean eol = FALSE;

      if (!check_eol (c, &eol))
        return FALSE;
      if (eol)
        return TRUE;
      if (!eat_space (c))
        return FALSE;
      /* Trailing or doubled spaces. */
      if (!check_eol (c, &eol))
        return FALSE;
      if (eol || peek (c) == ' ')
        continue;
      if (!read_value (c, FALSE, 0, &value))
        return FALSE;
      g_ptr_array_add (values, value);
    }
}

static gboolean
read_text (Cursor *c, char **out_text)
{
  gsize start = c->pos;

  for (;;)
    {
      int ch = peek (c);

      if (ch < 0)
        return need_more (c);
      if (ch == '\n' || (ch == '\r' && c->pos + 1 < c->len && c->data[c->pos + 1] == '\n'))
        break;
      if (ch == '\r' && c->pos + 1 >= c->len)
        return need_more (c);
      c->pos++;
    }
  *out_text = g_strndup ((const char *) c->data + start, c->pos - start);
  return TRUE;
}

/* Codes whose arguments are IMAP values; any other code's arguments are
 * free text ("atom [SP 1*<any TEXT-CHAR except ]>]"). */
static gboolean
code_has_values (const char *code)
{
  static const char *const codes[] = {
    "APPENDUID", "BADCHARSET", "CAPABILITY", "COPYUID",  "HIGHESTMODSEQ", "MODIFIED",
    "PERMANENTFLAGS", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "MAILBOXID", NULL,
  };
  return g_strv_contains (codes, code);
}

static gboolean
read_code_values (Cursor *c, GPtrArray *args)
{
  for (;;)
    {
      PosternImapValue *value = NULL;
      int ch = peek (c);

      if (ch < 0)
        return need_more (c);
      if (ch == ']')
        return TRUE;
      if (ch == ' ')
        {
          c->pos++;
          continue;
        }
      if (ch == '\r' || ch == '\n')
        return syntax_error (c, "unterminated response code");
      if (!read_value (c, TRUE, 0, &value))
        return FALSE;
      g_ptr_array_add (args, value);
    }
}

static gboolean
read_code_text (Cursor *c, GPtrArray *args)
{
  gsize start = c->pos;
  PosternImapValue *value;

  for (;;)
    {
      int ch = peek (c);

      if (ch < 0)
        return need_more (c);
      if (ch == '\r' || ch == '\n')
        return syntax_error (c, "unterminated response code");
      if (ch == ']')
        break;
      c->pos++;
    }
  value = g_new0 (PosternImapValue, 1);
  value->type = POSTERN_IMAP_STRING;
  value->string = g_bytes_new (c->data + start, c->pos - start);
  g_ptr_array_add (args, value);
  return TRUE;
}

static gboolean
read_code (Cursor *c, PosternImapResponse *response)
{
  g_autofree char *name = NULL;
  g_autofree char *upper = NULL;
  g_autoptr (GPtrArray) args = value_array_new ();

  g_assert (peek (c) == '[');
  c->pos++;
  if (!read_atom (c, TRUE, &name))
    return FALSE;
  upper = g_ascii_strup (name, -1);
  if (peek (c) == ' ')
    {
      c->pos++;
      if (!(code_has_values (upper) ? read_code_values (c, args) : read_code_text (c, args)))
        return FALSE;
    }
  if (peek (c) < 0)
    return need_more (c);
  if (peek (c) != ']')
    return syntax_error (c, "expected ] after the response code");
  c->pos++;
  response->code = g_steal_pointer (&upper);
  response->code_args = g_steal_pointer (&args);
  return TRUE;
}

/* resp-text: an optional [CODE args] and free text, then the line end. */
static gboolean
read_resp_text (Cursor *c, PosternImapResponse *response)
{
  gboolean eol = FALSE;

  if (!check_eol (c, &eol))
    return FALSE;
  if (!eol)
    {
      if (!eat_space (c))
        return FALSE;
      if (peek (c) < 0)
        return need_more (c);
      if (peek (c) == '[')
        {
          if (!read_code (c, response))
            return FALSE;
          if (peek (c) < 0)
            return need_more (c);
          if (peek (c) == ' ')
            c->pos++;
        }
    }
  if (!read_text (c, &response->text))
    return FALSE;
  return eat_eol (c);
}

static PosternImapStatus
status_from_name (const char *name)
{
  static const struct
  {
    const char *name;
    PosternImapStatus status;
  } statuses[] = {
    { "OK", POSTERN_IMAP_STATUS_OK },           { "NO", POSTERN_IMAP_STATUS_NO },
    { "BAD", POSTERN_IMAP_STATUS_BAD },         { "PREAUTH", POSTERN_IMAP_STATUS_PREAUTH },
    { "BYE", POSTERN_IMAP_STATUS_BYE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (g_str_equal (name, statuses[i].name))
      return statuses[i].status;
  return POSTERN_IMAP_STATUS_NONE;
}

static gboolean
parse (Cursor *c, PosternImapResponse *r)
{
  int ch = peek (c);
  g_autofree char *name = NULL;

  if (ch < 0)
    return need_more (c);

  if (ch == '+')
    {
      gboolean eol = FALSE;

      r->kind = POSTERN_IMAP_RESPONSE_CONTINUATION;
      c->pos++;
      if (!check_eol (c, &eol))
        return FALSE;
      if (!eol && peek (c) == ' ')
        c->pos++;
      return read_text (c, &r->text) && eat_eol (c);
    }

  if (ch == '*')
    {
      r->kind = POSTERN_IMAP_RESPONSE_UNTAGGED;
      c->pos++;
      if (!eat_space (c))
        return FALSE;
      if (peek (c) < 0)
        return need_more (c);
      if (g_ascii_isdigit (peek (c)))
        {
          g_autofree char *digits = NULL;
          guint64 n;

          if (!read_atom (c, TRUE, &digits))
            return FALSE;
          if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT32, &n, NULL))
            return syntax_error (c, "expected a message number");
          r->has_number = TRUE;
          r->number = (guint32) n;
          if (!eat_space (c))
            return FALSE;
        }
      if (!read_atom (c, TRUE, &name))
        return FALSE;
      r->name = g_ascii_strup (name, -1);
      r->status = r->has_number ? POSTERN_IMAP_STATUS_NONE : status_from_name (r->name);
      if (r->status != POSTERN_IMAP_STATUS_NONE)
        return read_resp_text (c, r);
      r->args = value_array_new ();
      return read_values (c, r->args) && eat_eol (c);
    }

  r->kind = POSTERN_IMAP_RESPONSE_TAGGED;
  if (!read_atom (c, TRUE, &r->tag))
    return FALSE;
  if (!eat_space (c) || !read_atom (c, TRUE, &name))
    return FALSE;
  r->name = g_ascii_strup (name, -1);
  r->status = status_from_name (r->name);
  if (r->status != POSTERN_IMAP_STATUS_OK && r->status != POSTERN_IMAP_STATUS_NO
      && r->status != POSTERN_IMAP_STATUS_BAD)
    return syntax_error (c, "a tagged response must be OK, NO or BAD");
  return read_resp_text (c, r);
}

/**
 * postern_imap_parse_response:
 * @data: (array length=len): the bytes received and not yet consumed
 * @len: how many
 * @out_response: (out): the response, on %POSTERN_IMAP_PARSE_OK
 * @out_consumed: (out): the bytes it took, on %POSTERN_IMAP_PARSE_OK
 * @out_needed: (out): on %POSTERN_IMAP_PARSE_INCOMPLETE, a length greater
 *   than @len that the buffer must reach before parsing can get further
 * @error: return location for a #GError, set on %POSTERN_IMAP_PARSE_ERROR
 *
 * Parses the first response in @data. A response is one line, or several
 * when it holds literals; @out_needed lets a reader fetch a whole literal
 * at once instead of re-parsing as it trickles in.
 */
PosternImapParseResult
postern_imap_parse_response (const guint8 *data, gsize len, PosternImapResponse **out_response,
                             gsize *out_consumed, gsize *out_needed, GError **error)
{
  g_autoptr (PosternImapResponse) response = g_new0 (PosternImapResponse, 1);
  g_autoptr (GError) local_error = NULL;
  Cursor c = { data, len, 0, 0, 0, &local_error };

  if (parse (&c, response))
    {
      *out_response = g_steal_pointer (&response);
      *out_consumed = c.pos;
      return POSTERN_IMAP_PARSE_OK;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return POSTERN_IMAP_PARSE_ERROR;
    }
  g_assert (c.needed > len);
  *out_needed = c.needed;
  return POSTERN_IMAP_PARSE_INCOMPLETE;
}

void
postern_imap_fetch_free (PosternImapFetch *fetch)
{
  if (fetch == NULL)
    return;
  g_strfreev (fetch->flags);
  g_clear_pointer (&fetch->body, g_bytes_unref);
  g_free (fetch);
}

static gboolean
fetch_error (GError **error, const char *what)
{
  g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_SYNTAX,
               "the server sent a malformed FETCH response: %s", what);
  return FALSE;
}

static gboolean
fetch_item (PosternImapFetch *fetch, const char *key, const PosternImapValue *value,
            GError **error)
{
  guint64 n;

  if (g_ascii_strcasecmp (key, "UID") == 0)
    {
      if (!postern_imap_value_get_number (value, &n) || n == 0 || n > G_MAXUINT32)
        return fetch_error (error, "UID is not a number");
      fetch->uid = (guint32) n;
    }
  else if (g_ascii_strcasecmp (key, "FLAGS") == 0)
    {
      g_autoptr (GStrvBuilder) flags = g_strv_builder_new ();

      if (value->type != POSTERN_IMAP_LIST)
        return fetch_error (error, "FLAGS is not a list");
      for (guint i = 0; i < value->list->len; i++)
        {
          g_autofree char *flag = postern_imap_value_dup_string (value->list->pdata[i]);
          if (flag == NULL)
            return fetch_error (error, "a flag is not an atom");
          g_strv_builder_add (flags, flag);
        }
      g_strfreev (fetch->flags);
      fetch->flags = g_strv_builder_end (flags);
    }
  else if (g_ascii_strcasecmp (key, "MODSEQ") == 0)
    {
      if (value->type != POSTERN_IMAP_LIST || value->list->len != 1
          || !postern_imap_value_get_number (value->list->pdata[0], &fetch->modseq))
        return fetch_error (error, "MODSEQ is not (number)");
      fetch->has_modseq = TRUE;
    }
  else if (g_ascii_strcasecmp (key, "RFC822.SIZE") == 0)
    {
      if (!postern_imap_value_get_number (value, &fetch->size))
        return fetch_error (error, "RFC822.SIZE is not a number");
      fetch->has_size = TRUE;
    }
  else if (g_ascii_strcasecmp (key, "BODY[]") == 0 || g_ascii_strcasecmp (key, "RFC822") == 0
           || g_ascii_strcasecmp (key, "BINARY[]") == 0)
    {
      /* Only the whole message; a partial BODY[]<n> carries a suffix and is
       * skipped below like every item we did not ask for. */
      g_clear_pointer (&fetch->body, g_bytes_unref);
      if (value->type == POSTERN_IMAP_STRING)
        fetch->body = g_bytes_ref (value->string);
      else if (value->type != POSTERN_IMAP_NIL)
        return fetch_error (error, "the body is not a string");
    }
  return TRUE;
}

/**
 * postern_imap_fetch_parse:
 * @response: an untagged FETCH response
 * @error: return location for a #GError
 *
 * Reads the items a sync needs from a FETCH response; other items (such
 * as ENVELOPE or BODYSTRUCTURE) are skipped.
 *
 * Returns: (transfer full): the items, or %NULL if @response is not a
 *   well-formed FETCH response
 */
PosternImapFetch *
postern_imap_fetch_parse (const PosternImapResponse *response, GError **error)
{
  g_autoptr (PosternImapFetch) fetch = NULL;
  const PosternImapValue *items;

  if (response->kind != POSTERN_IMAP_RESPONSE_UNTAGGED || g_strcmp0 (response->name, "FETCH") != 0
      || !response->has_number)
    {
      fetch_error (error, "not a FETCH response");
      return NULL;
    }
  if (response->args == NULL || response->args->len != 1
      || ((PosternImapValue *) response->args->pdata[0])->type != POSTERN_IMAP_LIST)
    {
      fetch_error (error, "expected one list of items");
      return NULL;
    }
  items = response->args->pdata[0];
  if (items->list->len % 2 != 0)
    {
      fetch_error (error, "an item without a value");
      return NULL;
    }

  fetch = g_new0 (PosternImapFetch, 1);
  fetch->seq = response->number;
  for (guint i = 0; i < items->list->len; i += 2)
    {
      const PosternImapValue *key = items->list->pdata[i];

      if (key->type != POSTERN_IMAP_ATOM)
        {
          fetch_error (error, "an item name is not an atom");
          return NULL;
        }
      if (!fetch_item (fetch, key->atom, items->list->pdata[i + 1], error))
        return NULL;
    }
  return g_steal_pointer (&fetch);
}

static int
base64_value (guint8 ch)
{
  if (ch >= 'A' && ch <= 'Z')
    return ch - 'A';
  if (ch >= 'a' && ch <= 'z')
    return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9')
    return ch - '0' + 52;
  if (ch == '+')
    return 62;
  if (ch == ',')
    return 63;
  return -1;
}

/**
 * postern_imap_mailbox_decode:
 * @name: a mailbox name as the server sends it
 *
 * Decodes IMAP's modified UTF-7 (RFC 3501 §5.1.3): "&" opens a run of
 * UTF-16 in a base64 with "," for "/", "-" closes it, "&-" is "&".
 *
 * Returns: (transfer full) (nullable): the name in UTF-8, or %NULL when
 *   @name is not valid modified UTF-7
 */
char *
postern_imap_mailbox_decode (const char *name)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const guint8 *p = (const guint8 *) name;

  while (*p != '\0')
    {
      guint32 bits = 0;
      guint nbits = 0;
      gunichar high = 0;
      gboolean any = FALSE;

      if (*p != '&')
        {
          g_string_append_c (out, (char) *p++);
          continue;
        }
      p++;
      if (*p == '-')
        {
          g_string_append_c (out, '&');
          p++;
          continue;
        }
      for (;; p++)
        {
          int v;

          if (*p == '-')
            break;
          v = base64_value (*p);
          if (v < 0)
            return NULL;
          bits = (bits << 6) | (guint32) v;
          nbits += 6;
          if (nbits < 16)
            continue;
          nbits -= 16;
          {
            gunichar unit = (bits >> nbits) & 0xffff;

            bits &= (1u << nbits) - 1;
            any = TRUE;
            if (unit >= 0xd800 && unit <= 0xdbff)
              {
                if (high != 0)
                  return NULL;
                high = unit;
                continue;
              }
            if (unit >= 0xdc00 && unit <= 0xdfff)
              {
                if (high == 0)
                  return NULL;
                unit = 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00);
                high = 0;
              }
            else if (high != 0)
              return NULL;
            /* A shifted run must not hide what plain text can say. */
            if (unit == 0 || (unit >= 0x20 && unit <= 0x7e))
              return NULL;
            {
              char utf8[6];
              g_string_append_len (out, utf8, g_unichar_to_utf8 (unit, utf8));
            }
          }
        }
      /* Ends with "-", whole UTF-16 units and zero padding. */
      if (!any || high != 0 || nbits >= 6 || bits != 0)
        return NULL;
      p++;
    }
  if (!g_utf8_validate (out->str, (gssize) out->len, NULL))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}
