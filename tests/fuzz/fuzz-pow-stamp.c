/* fuzz-pow-stamp.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Proof-of-work stamps as they arrive in a message header: X-Smtorp-Pow
 * and X-Hashcash lines, folded or bare. Whatever parses must print back to
 * a header that parses to the same stamp, and verifying must never crash;
 * a cheap policy keeps each run fast.
 */
#include "config.h"

#include <string.h>

#include "postern-fuzz.h"
#include "postern-pow.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (PosternPowStamp) stamp = NULL;
  g_autoptr (PosternPowStamp) again = NULL;
  g_autofree char *header = NULL;
  PosternPowPolicy policy;

  stamp = postern_pow_stamp_parse (text, NULL);
  if (stamp == NULL)
    return 0;
  postern_fuzz_check (stamp->resource != NULL && stamp->canonical != NULL);
  header = postern_pow_stamp_to_header (stamp);
  again = postern_pow_stamp_parse (header, NULL);
  postern_fuzz_check (again != NULL);
  postern_fuzz_check (g_str_equal (again->canonical, stamp->canonical));

  /* Verification with the smallest Argon2 memory keeps a run cheap; the
   * parser caps what a stamp may ask for anyway. */
  postern_pow_policy_init_default (&policy);
  policy.argon2_min_m = 8;
  policy.argon2_max_m = 64;
  policy.argon2_max_t = 1;
  postern_pow_verify (stamp, stamp->resource, &policy, stamp->date, NULL);
  return 0;
}
