/* fuzz-autocrypt.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Autocrypt header of incoming mail is written by anyone who can send
 * us a message. The input is the header's value; a header that parses must
 * be consistent, and what postern_autocrypt_header_format () writes (the
 * header on our own mail) must parse back to the same header. The OpenPGP
 * packet reader behind the keydata check and the cut to one user ID is fed
 * the raw input as well.
 */
#include "config.h"

#include <string.h>

#include "postern-autocrypt.h"
#include "postern-error.h"
#include "postern-fuzz.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

/* Cutting a key to one address keeps a key, only ever shrinks it, and a
 * second cut changes nothing. */
static void
check_filter (GBytes *keydata, const char *addr)
{
  g_autoptr (GBytes) filtered = postern_autocrypt_filter_key (keydata, addr);
  g_autoptr (GBytes) again = NULL;

  if (filtered == NULL)
    return;
  postern_fuzz_check (g_bytes_get_size (filtered) > 0);
  postern_fuzz_check (g_bytes_get_size (filtered) <= g_bytes_get_size (keydata));
  again = postern_autocrypt_filter_key (filtered, addr);
  postern_fuzz_check (again != NULL && g_bytes_equal (again, filtered));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = postern_fuzz_strndup (data, size);
  g_autoptr (GBytes) raw = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternAutocryptHeader) header = NULL;
  g_autoptr (PosternAutocryptHeader) again = NULL;
  g_autofree char *written = NULL;

  check_filter (raw, "alice@example.test");

  header = postern_autocrypt_header_parse (text, &error);
  if (header == NULL)
    {
      postern_fuzz_check (g_error_matches (error, POSTERN_ERROR, POSTERN_ERROR_INVALID));
      postern_fuzz_check (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  postern_fuzz_check (error == NULL);
  postern_fuzz_check (header->addr != NULL && strchr (header->addr, '@') != NULL);
  postern_fuzz_check (strchr (header->addr, ';') == NULL);
  postern_fuzz_check (g_utf8_validate (header->addr, -1, NULL));
  postern_fuzz_check (header->keydata != NULL && g_bytes_get_size (header->keydata) > 0);
  postern_fuzz_check (g_bytes_get_size (header->keydata) <= POSTERN_AUTOCRYPT_MAX_KEYDATA);
  /* keydata is one key: it starts with a public key packet. */
  postern_fuzz_check ((((const guchar *) g_bytes_get_data (header->keydata, NULL))[0] & 0x80) != 0);
  check_filter (header->keydata, header->addr);

  /* Round trip through the written form, folded. */
  written = postern_autocrypt_header_format (header, "\r\n");
  postern_fuzz_check (g_utf8_validate (written, -1, NULL));
  for (const char *line = strstr (written, "\r\n"); line != NULL; line = strstr (line + 2, "\r\n"))
    {
      const char *end = strstr (line + 2, "\r\n");
      gsize len = end ? (gsize) (end - line - 2) : strlen (line + 2);
      /* Every keydata line: a space and at most 76 characters. */
      postern_fuzz_check (line[2] == ' ' && len <= 77);
    }
  again = postern_autocrypt_header_parse (written, &error);
  if (again == NULL)
    {
      g_printerr ("\"%s\" was written as \"%s\", which does not parse: %s\n", text, written,
                  error->message);
      postern_fuzz_check (again != NULL);
    }
  postern_fuzz_check (g_str_equal (again->addr, header->addr));
  postern_fuzz_check (again->prefer_encrypt == header->prefer_encrypt);
  postern_fuzz_check (g_bytes_equal (again->keydata, header->keydata));
  return 0;
}
