/* postern-error.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "postern-error.h"
#include "postern-types.h"

G_DEFINE_QUARK (postern-error-quark, postern_error)

static const char *const lock_names[] = {
  [POSTERN_LOCK_UNKNOWN] = "UNKNOWN", [POSTERN_LOCK_OPEN] = "OPEN",
  [POSTERN_LOCK_TLS] = "TLS",         [POSTERN_LOCK_SEALED] = "SEALED",
  [POSTERN_LOCK_ONION] = "ONION",
};

const char *
postern_lock_to_string (PosternLock lock)
{
  if ((guint) lock >= G_N_ELEMENTS (lock_names))
    return "UNKNOWN";
  return lock_names[lock];
}

gboolean
postern_lock_from_string (const char *str, PosternLock *out_lock)
{
  g_return_val_if_fail (out_lock != NULL, FALSE);

  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (lock_names); i++)
    if (g_ascii_strcasecmp (str, lock_names[i]) == 0)
      {
        *out_lock = (PosternLock) i;
        return TRUE;
      }
  return FALSE;
}
