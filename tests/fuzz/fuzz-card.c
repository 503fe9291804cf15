/* fuzz-card.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The contact card parser, fed what a scanned QR code, a .vcf file or the
 * clipboard can hold: vCards of any version and OPENPGP4FPR: links. A card
 * must hold a valid fingerprint and at least one normalized address, and
 * both forms Postern writes must parse back to the same card, since that
 * text is what other people's phones and apps will read.
 */
#include "config.h"

#include <string.h>

#include "postern-card.h"
#include "postern-error.h"
#include "postern-fuzz.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

static void
check_card (PosternCard *card)
{
  const char *const *addresses = postern_card_get_addresses (card);
  const char *fpr = postern_card_get_fingerprint (card);
  const char *name = postern_card_get_name (card);
  guint n = 0;

  postern_fuzz_check (fpr != NULL && (strlen (fpr) == 40 || strlen (fpr) == 64));
  for (const char *p = fpr; *p != '\0'; p++)
    postern_fuzz_check (g_ascii_isxdigit (*p) && !g_ascii_islower (*p));
  postern_fuzz_check (addresses != NULL && addresses[0] != NULL);
  for (; addresses[n] != NULL; n++)
    {
      postern_fuzz_check (g_utf8_validate (addresses[n], -1, NULL));
      postern_fuzz_check (strchr (addresses[n], '@') != NULL);
      for (guint j = 0; j < n; j++)
        postern_fuzz_check (!g_str_equal (addresses[j], addresses[n]));
    }
  postern_fuzz_check (n <= POSTERN_CARD_MAX_ADDRESSES);
  if (name != NULL)
    {
      postern_fuzz_check (*name != '\0' && g_utf8_validate (name, -1, NULL));
      postern_fuzz_check (strchr (name, '\n') == NULL && strchr (name, '\r') == NULL);
    }
}

static void
check_round_trip (PosternCard *card, PosternCardForm form)
{
  g_autofree char *text = postern_card_to_text (card, form);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternCard) again = postern_card_parse (text, -1, &error);

  if (again == NULL)
    {
      g_printerr ("written as \"%s\", which does not parse: %s\n", text, error->message);
      postern_fuzz_check (again != NULL);
    }
  check_card (again);
  postern_fuzz_check (
    g_str_equal (postern_card_get_fingerprint (again), postern_card_get_fingerprint (card)));
  postern_fuzz_check (
    g_strv_equal (postern_card_get_addresses (again), postern_card_get_addresses (card)));
  /* A vCard must have FN: a card without a name gets its first address. */
  if (postern_card_get_name (card) != NULL || form == POSTERN_CARD_FORM_OPENPGP4FPR)
    postern_fuzz_check (g_strcmp0 (postern_card_get_name (again), postern_card_get_name (card))
                        == 0);
  else
    postern_fuzz_check (
      g_strcmp0 (postern_card_get_name (again), postern_card_get_addresses (card)[0]) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternCard) card = postern_card_parse ((const char *) data, (gssize) size, &error);

  if (card == NULL)
    {
      postern_fuzz_check (g_error_matches (error, POSTERN_ERROR, POSTERN_ERROR_INVALID));
      postern_fuzz_check (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  postern_fuzz_check (error == NULL);
  check_card (card);
  check_round_trip (card, POSTERN_CARD_FORM_VCARD);
  check_round_trip (card, POSTERN_CARD_FORM_OPENPGP4FPR);
  return 0;
}
