/* postern-fuzz.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the libFuzzer targets in tests/fuzz share: the entry points libFuzzer
 * calls (declared here so -Werror=missing-prototypes holds), a check that
 * aborts, so a broken invariant is reported and saved like a crash, and the
 * common set-up.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

G_BEGIN_DECLS

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Not g_assert: that disappears under G_DISABLE_ASSERT, and a fuzzer whose
 * checks are compiled out still runs, finding nothing. */
#define postern_fuzz_check(expr)                                                                  \
  G_STMT_START                                                                                    \
  {                                                                                               \
    if (G_UNLIKELY (!(expr)))                                                                     \
      {                                                                                           \
        g_printerr ("%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #expr);                 \
        abort ();                                                                                 \
      }                                                                                           \
  }                                                                                               \
  G_STMT_END

/* A g_critical () means a g_return_if_fail () tripped or a library was
 * misused: for the parsers that is a bug on any input, so it aborts. */
static inline void
postern_fuzz_init (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
}

/* The input as a C string. Parsers that take a NUL-terminated string never
 * see a NUL inside it, so the copy stops at the first one. */
static inline char *
postern_fuzz_strndup (const uint8_t *data, size_t size)
{
  return g_strndup ((const char *) data, size);
}

G_END_DECLS
