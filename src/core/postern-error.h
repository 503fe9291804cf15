/* postern-error.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define POSTERN_ERROR (postern_error_quark ())

/**
 * PosternError:
 * @POSTERN_ERROR_FAILED: a generic failure; the message says what
 * @POSTERN_ERROR_INVALID: input was malformed (an address, a setting, a query)
 * @POSTERN_ERROR_NOT_FOUND: the named message, account or setting does not exist
 * @POSTERN_ERROR_POLICY: refused by policy (mixed transports, key conflict, missing PoW)
 * @POSTERN_ERROR_IO: reading or writing the store failed; nothing stored was damaged
 * @POSTERN_ERROR_NOT_SUPPORTED: the transport or feature is not available here
 *
 * The core's error codes. The CLI maps @POSTERN_ERROR_POLICY to exit 3 and
 * everything else to exit 1.
 */
typedef enum
{
  POSTERN_ERROR_FAILED,
  POSTERN_ERROR_INVALID,
  POSTERN_ERROR_NOT_FOUND,
  POSTERN_ERROR_POLICY,
  POSTERN_ERROR_IO,
  POSTERN_ERROR_NOT_SUPPORTED,
} PosternError;

GQuark postern_error_quark (void);

G_END_DECLS
