/* fuzz-ves.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The VES decryptor on mutated encrypted messages (the seeds are real ones,
 * made with the all-zero key this target decrypts with). Besides not
 * crashing: a message that fails to decrypt writes nothing at all.
 */
#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "postern-fuzz.h"
#include "postern-ves.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint8 key[POSTERN_VES_KEY_BYTES] = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternVesSealed) sealed = NULL;
  g_autoptr (GOutputStream) out = NULL;
  int fd = memfd_create ("fuzz-ves", MFD_CLOEXEC);

  if (fd < 0 || write (fd, data, size) != (ssize_t) size)
    __builtin_trap ();
  sealed = postern_ves_sealed_open (fd, &error);
  close (fd);
  if (sealed == NULL)
    return 0;
  out = g_memory_output_stream_new_resizable ();
  if (!postern_ves_sealed_decrypt (sealed, key, out, NULL, &error)
      && g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)) != 0)
    __builtin_trap ();
  return 0;
}
