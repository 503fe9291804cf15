/* fuzz-mbox.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The mbox reader over arbitrary bytes, as `postern-cli import mbox` reads a
 * file: split it into every message it holds, and check that the reader only
 * moves forward, stays inside the input and never invents bytes.
 */
#include "config.h"

#include <string.h>

#include "postern-fuzz.h"
#include "postern-mbox.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* Static: the reader must read only the bytes it was given, and ASan
   * guards the end of libFuzzer's own copy of the input. An empty input is
   * given as an empty file arrives, mapped by postern_fs_read_file (): a
   * GMappedFile of an empty file has no contents at all, NULL. */
  g_autoptr (GBytes) contents = size > 0 ? g_bytes_new_static (data, size) : g_bytes_new (NULL, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternMboxReader) reader = NULL;
  GBytes *message;
  gsize offset, count = 0;

  reader = postern_mbox_reader_new (contents, &error);
  if (reader == NULL)
    {
      postern_fuzz_check (error != NULL);
      return 0;
    }
  postern_fuzz_check (error == NULL);

  offset = postern_mbox_reader_get_offset (reader);
  postern_fuzz_check (offset <= 3); /* at most a byte order mark skipped */

  while ((message = postern_mbox_reader_next (reader)) != NULL)
    {
      gsize next = postern_mbox_reader_get_offset (reader);
      gsize len;
      const char *bytes = g_bytes_get_data (message, &len);

      /* Each message consumes at least its From_ line, so reading ends. */
      postern_fuzz_check (next > offset);
      postern_fuzz_check (next <= size);
      /* Undoing ">From " quoting only removes bytes. */
      postern_fuzz_check (len <= next - offset);
      /* The From_ line that opened the message is not part of it. */
      postern_fuzz_check (len == 0 || bytes != (const char *) data + offset);
      postern_fuzz_check (++count <= size);

      g_bytes_unref (message);
      offset = next;
    }
  postern_fuzz_check (offset == size);
  /* Once done, it stays done. */
  postern_fuzz_check (postern_mbox_reader_next (reader) == NULL);
  return 0;
}
