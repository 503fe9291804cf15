/* fuzz-dns-rdata.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * RDATA as a DNS server sends it: the first byte picks the record type
 * (SRV, TXT, or a bare domain name), the rest is the record.
 */
#include "config.h"

#include <string.h>

#include "postern-dns-record.h"
#include "postern-error.h"
#include "postern-fuzz.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

/* A decoded name is lower-case host-name labels joined by dots, and
 * encoding it again gives back the bytes it came from (lower-cased). */
static void
check_name (const char *name, const guint8 *wire, gsize used)
{
  gsize pos = 0;

  postern_fuzz_check (strlen (name) <= 253);
  if (g_str_equal (name, "."))
    {
      postern_fuzz_check (used == 1 && wire[0] == 0);
      return;
    }
  for (const char *p = name; *p; p++)
    postern_fuzz_check (g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-' || *p == '_'
                        || *p == '.');
  {
    g_auto (GStrv) labels = g_strsplit (name, ".", -1);
    for (guint i = 0; labels[i] != NULL; i++)
      {
        gsize n = strlen (labels[i]);
        postern_fuzz_check (n >= 1 && n <= 63);
        postern_fuzz_check (pos + 1 + n < used && wire[pos] == n);
        postern_fuzz_check (g_ascii_strncasecmp ((const char *) wire + pos + 1, labels[i], n) == 0);
        pos += 1 + n;
      }
  }
  postern_fuzz_check (pos + 1 == used && wire[pos] == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;

  if (size < 1)
    return 0;
  switch (data[0] % 3)
    {
      case 0:
        {
          g_autoptr (PosternSrvRecord) srv = postern_dns_parse_srv (data + 1, size - 1, &error);
          if (srv == NULL)
            {
              postern_fuzz_check (g_error_matches (error, POSTERN_ERROR, POSTERN_ERROR_INVALID));
              break;
            }
          postern_fuzz_check (size - 1 >= 7);
          postern_fuzz_check (srv->port == (data[5] << 8 | data[6]));
          check_name (srv->target, data + 7, size - 7);
          break;
        }
      case 1:
        {
          g_autofree char *text = postern_dns_parse_txt (data + 1, size - 1, &error);
          if (text == NULL)
            {
              postern_fuzz_check (g_error_matches (error, POSTERN_ERROR, POSTERN_ERROR_INVALID));
              break;
            }
          postern_fuzz_check (g_utf8_validate (text, -1, NULL));
          postern_fuzz_check (strlen (text) <= 3 * (size - 1));
          break;
        }
      default:
        {
          gsize used = 0;
          g_autofree char *name = postern_dns_name_from_wire (data + 1, size - 1, &used, &error);
          if (name == NULL)
            {
              postern_fuzz_check (g_error_matches (error, POSTERN_ERROR, POSTERN_ERROR_INVALID));
              break;
            }
          postern_fuzz_check (used >= 1 && used <= size - 1);
          check_name (name, data + 1, used);
          break;
        }
    }
  return 0;
}
