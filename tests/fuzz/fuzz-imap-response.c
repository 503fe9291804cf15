/* fuzz-imap-response.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The IMAP response parser over arbitrary bytes, as the IMAP client reads
 * what a server sends: take responses off the front of the input one by
 * one. Besides not crashing, the parser must only move forward and stay in
 * the input, must say "incomplete" (never something else) for every cut-off
 * prefix of a response it accepts, with a need that does not overshoot the
 * whole response, and must only fail with its own error domain. FETCH
 * responses go through the fetch item reader, and mailbox names through the
 * modified UTF-7 decoder.
 */
#include "config.h"

#include <string.h>

#include "postern-fuzz.h"
#include "postern-imap-parser.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

/* Every helper over every value, as the client may call them. */
static void
walk (const PosternImapValue *value, guint depth)
{
  g_autofree char *text = NULL;
  guint64 n;

  postern_fuzz_check (depth <= POSTERN_IMAP_MAX_DEPTH);
  text = postern_imap_value_dup_string (value);
  switch (value->type)
    {
    case POSTERN_IMAP_ATOM:
      postern_fuzz_check (value->atom != NULL && *value->atom != '\0');
      postern_fuzz_check (text != NULL);
      if (postern_imap_value_get_number (value, &n))
        postern_fuzz_check (g_ascii_isdigit (value->atom[0]));
      {
        g_autofree char *decoded = postern_imap_mailbox_decode (value->atom);
        postern_fuzz_check (decoded == NULL || g_utf8_validate (decoded, -1, NULL));
      }
      break;
    case POSTERN_IMAP_STRING:
      postern_fuzz_check (value->string != NULL);
      postern_fuzz_check (g_bytes_get_size (value->string) <= POSTERN_IMAP_MAX_LITERAL
                          || g_bytes_get_size (value->string) <= POSTERN_IMAP_MAX_LINE);
      postern_fuzz_check (!postern_imap_value_get_number (value, &n));
      break;
    case POSTERN_IMAP_LIST:
      postern_fuzz_check (text == NULL);
      for (guint i = 0; i < value->list->len; i++)
        walk (value->list->pdata[i], depth + 1);
      break;
    case POSTERN_IMAP_NIL:
      postern_fuzz_check (text == NULL);
      break;
    default:
      postern_fuzz_check (!"unknown value type");
    }
}

static void
check_response (const PosternImapResponse *r)
{
  guint64 n;

  switch (r->kind)
    {
    case POSTERN_IMAP_RESPONSE_TAGGED:
      postern_fuzz_check (r->tag != NULL && *r->tag != '\0');
      postern_fuzz_check (r->status == POSTERN_IMAP_STATUS_OK || r->status == POSTERN_IMAP_STATUS_NO
                          || r->status == POSTERN_IMAP_STATUS_BAD);
      postern_fuzz_check (r->text != NULL && r->args == NULL);
      break;
    case POSTERN_IMAP_RESPONSE_UNTAGGED:
      postern_fuzz_check (r->tag == NULL && r->name != NULL);
      /* A status response has text, a data response values. */
      postern_fuzz_check ((r->status == POSTERN_IMAP_STATUS_NONE) == (r->args != NULL));
      postern_fuzz_check ((r->status == POSTERN_IMAP_STATUS_NONE) == (r->text == NULL));
      break;
    case POSTERN_IMAP_RESPONSE_CONTINUATION:
      postern_fuzz_check (r->tag == NULL && r->name == NULL && r->text != NULL);
      break;
    default:
      postern_fuzz_check (!"unknown response kind");
    }
  if (r->name != NULL)
    {
      g_autofree char *upper = g_ascii_strup (r->name, -1);
      postern_fuzz_check (g_str_equal (upper, r->name));
    }
  postern_fuzz_check ((r->code == NULL) == (r->code_args == NULL));
  if (r->code_args != NULL)
    for (guint i = 0; i < r->code_args->len; i++)
      walk (r->code_args->pdata[i], 0);
  if (r->args != NULL)
    for (guint i = 0; i < r->args->len; i++)
      walk (r->args->pdata[i], 0);
  if (r->text != NULL)
    postern_fuzz_check (strchr (r->text, '\n') == NULL);
  (void) postern_imap_response_get_code_number (r, "UIDVALIDITY", &n);

  if (g_strcmp0 (r->name, "FETCH") == 0 && r->has_number)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PosternImapFetch) fetch = postern_imap_fetch_parse (r, &error);

      postern_fuzz_check ((fetch == NULL) == (error != NULL));
      if (fetch != NULL)
        {
          postern_fuzz_check (fetch->seq == r->number);
          if (fetch->body != NULL)
            postern_fuzz_check (g_bytes_get_size (fetch->body) <= POSTERN_IMAP_MAX_LITERAL
                                || g_bytes_get_size (fetch->body) <= POSTERN_IMAP_MAX_LINE);
        }
      else
        postern_fuzz_check (g_error_matches (error, POSTERN_IMAP_ERROR,
                                             POSTERN_IMAP_ERROR_SYNTAX));
    }
}

/* A prefix of an accepted response is never a response, nor an error. */
static void
check_prefix (const uint8_t *data, gsize prefix, gsize whole)
{
  g_autoptr (PosternImapResponse) response = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0, needed = 0;
  PosternImapParseResult result;

  result = postern_imap_parse_response (data, prefix, &response, &consumed, &needed, &error);
  postern_fuzz_check (result == POSTERN_IMAP_PARSE_INCOMPLETE);
  postern_fuzz_check (needed > prefix && needed <= whole);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gsize offset = 0;
  guint count = 0;

  while (offset < size)
    {
      g_autoptr (PosternImapResponse) response = NULL;
      g_autoptr (GError) error = NULL;
      gsize consumed = 0, needed = 0;
      PosternImapParseResult result;
      const uint8_t *rest = data + offset;
      gsize left = size - offset;

      result = postern_imap_parse_response (rest, left, &response, &consumed, &needed, &error);
      if (result == POSTERN_IMAP_PARSE_ERROR)
        {
          postern_fuzz_check (error != NULL && error->domain == POSTERN_IMAP_ERROR);
          postern_fuzz_check (response == NULL);
          break;
        }
      postern_fuzz_check (error == NULL);
      if (result == POSTERN_IMAP_PARSE_INCOMPLETE)
        {
          postern_fuzz_check (needed > left);
          postern_fuzz_check (response == NULL);
          break;
        }
      postern_fuzz_check (result == POSTERN_IMAP_PARSE_OK);
      postern_fuzz_check (response != NULL);
      postern_fuzz_check (consumed > 0 && consumed <= left);
      check_response (response);

      /* Every prefix for short responses; a few for long ones. */
      if (consumed <= 256)
        for (gsize j = 0; j < consumed; j++)
          check_prefix (rest, j, consumed);
      else
        {
          check_prefix (rest, 0, consumed);
          check_prefix (rest, consumed / 2, consumed);
          check_prefix (rest, consumed - 1, consumed);
        }

      offset += consumed;
      postern_fuzz_check (++count <= size);
    }

  /* The raw input as a mailbox name: decoded or refused, never invalid. */
  {
    g_autofree char *name = postern_fuzz_strndup (data, size);
    g_autofree char *decoded = postern_imap_mailbox_decode (name);
    postern_fuzz_check (decoded == NULL || g_utf8_validate (decoded, -1, NULL));
  }
  return 0;
}
