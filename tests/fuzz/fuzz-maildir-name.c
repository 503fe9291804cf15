/* fuzz-maildir-name.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Maildir file names, which any program delivering into a folder chooses:
 * the flags after ":2," and the lock level Postern records in its own names
 * (ID.LOCK.postern). The input is read as a name relative to the folder,
 * "new/…" or "cur/…" as a scan returns it. Names Postern writes itself
 * must read back as the lock and flags they were written with.
 */
#include "config.h"

#include <string.h>

#include "postern-fuzz.h"
#include "postern-maildir.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

static void
check_name (const char *file)
{
  g_autofree char *flags = postern_maildir_file_flags (file);
  PosternLock lock = postern_maildir_file_lock (file);

  postern_fuzz_check (flags != NULL);
  postern_fuzz_check (g_str_has_suffix (file, flags));
  postern_fuzz_check (lock >= POSTERN_LOCK_UNKNOWN && lock <= POSTERN_LOCK_ONION);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *name = postern_fuzz_strndup (data, size);
  g_autofree char *id = NULL;
  g_autofree char *flags = NULL;
  g_autofree char *lock_name = NULL;
  g_autofree char *file = NULL;
  g_autofree char *read_flags = NULL;
  PosternLock lock;

  check_name (name);

  /* Postern's own names, built the way postern_maildir_publish () builds
   * them: ID is a content hash in hex, and the flags are Maildir's letters.
   * Spend the input's first byte on the lock and the rest on both. */
  if (size < 1)
    return 0;
  lock = (PosternLock) (data[0] % (POSTERN_LOCK_ONION + 1));
  lock_name = g_ascii_strdown (postern_lock_to_string (lock), -1);
  id = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data + 1, size - 1);
  id[24] = '\0';
  flags = g_malloc0 (size);
  for (gsize i = 1, n = 0; i < size; i++)
    if (g_ascii_isalpha (data[i]))
      flags[n++] = (char) data[i];

  file = *flags != '\0' ? g_strdup_printf ("cur/%s.%s.postern:2,%s", id, lock_name, flags)
                        : g_strdup_printf ("new/%s.%s.postern", id, lock_name);
  check_name (file);
  postern_fuzz_check (postern_maildir_file_lock (file) == lock);
  read_flags = postern_maildir_file_flags (file);
  postern_fuzz_check (g_str_equal (read_flags, flags));
  return 0;
}
