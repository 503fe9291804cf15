/* fuzz-address.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one address parser, fed what a From: header, a QR card or the
 * composer's recipient field can hold: legacy user@domain and SMTorP
 * user@[FP.]ONION.onion, with or without "Name <…>". A parsed address must
 * be self-consistent, and what postern_address_to_string () writes must
 * parse back to the same address, since that text is what gets stored and
 * put into headers.
 */
#include "config.h"

#include <string.h>

#include "postern-address.h"
#include "postern-error.h"
#include "postern-fuzz.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

static void
check_address (PosternAddress *address)
{
  const char *local = postern_address_get_local_part (address);
  const char *domain = postern_address_get_domain (address);
  const char *spec = postern_address_get_addr_spec (address);
  const char *name = postern_address_get_display_name (address);
  const char *onion = postern_address_get_onion (address);
  const char *fp = postern_address_get_fingerprint (address);
  g_autofree char *expected_spec = NULL;

  postern_fuzz_check (local != NULL && *local != '\0');
  postern_fuzz_check (domain != NULL && *domain != '\0');
  expected_spec = g_strconcat (local, "@", domain, NULL);
  postern_fuzz_check (g_strcmp0 (spec, expected_spec) == 0);
  postern_fuzz_check (g_utf8_validate (spec, -1, NULL));
  if (name != NULL)
    postern_fuzz_check (g_utf8_validate (name, -1, NULL));
  for (const char *c = domain; *c != '\0'; c++)
    postern_fuzz_check (!g_ascii_isupper (*c));

  if (postern_address_get_kind (address) == POSTERN_ADDRESS_ONION)
    {
      postern_fuzz_check (g_str_has_suffix (domain, ".onion"));
      postern_fuzz_check (onion != NULL && strlen (onion) == POSTERN_ONION_LEN);
      postern_fuzz_check (onion[POSTERN_ONION_LEN - 1] == 'd');
      if (fp != NULL)
        postern_fuzz_check (strlen (fp) >= 4 && strlen (fp) <= 51);
    }
  else
    {
      postern_fuzz_check (postern_address_get_kind (address) == POSTERN_ADDRESS_LEGACY);
      postern_fuzz_check (onion == NULL && fp == NULL);
      postern_fuzz_check (!g_str_has_suffix (domain, ".onion"));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = postern_fuzz_strndup (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternAddress) address = NULL;
  g_autoptr (PosternAddress) again = NULL;
  g_autofree char *written = NULL;

  address = postern_address_parse (text, &error);
  if (address == NULL)
    {
      postern_fuzz_check (g_error_matches (error, POSTERN_ERROR, POSTERN_ERROR_INVALID));
      postern_fuzz_check (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  postern_fuzz_check (error == NULL);
  check_address (address);

  /* Round trip through the written form. */
  written = postern_address_to_string (address);
  again = postern_address_parse (written, &error);
  if (again == NULL)
    {
      g_printerr ("\"%s\" was written as \"%s\", which does not parse: %s\n", text, written,
                  error->message);
      postern_fuzz_check (again != NULL);
    }
  check_address (again);
  postern_fuzz_check (postern_address_get_kind (again) == postern_address_get_kind (address));
  postern_fuzz_check (g_str_equal (postern_address_get_addr_spec (again),
                                   postern_address_get_addr_spec (address)));
  postern_fuzz_check (g_strcmp0 (postern_address_get_display_name (again),
                                 postern_address_get_display_name (address))
                      == 0);
  postern_fuzz_check (g_strcmp0 (postern_address_get_fingerprint (again),
                                 postern_address_get_fingerprint (address))
                      == 0);
  return 0;
}
