/* postern-types.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Forward type declarations and the enums every room shares. Keeping them
 * here breaks include cycles between the core, keys and transport headers.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _PosternProfile PosternProfile;
typedef struct _PosternAccount PosternAccount;
typedef struct _PosternStore PosternStore;
typedef struct _PosternIndex PosternIndex;
typedef struct _PosternMaildir PosternMaildir;
typedef struct _PosternOutbox PosternOutbox;
typedef struct _PosternRouter PosternRouter;
typedef struct _PosternTransport PosternTransport;

/**
 * PosternLock:
 * @POSTERN_LOCK_UNKNOWN: how the message travelled is not known (imported mail)
 * @POSTERN_LOCK_OPEN: no transport security at all
 * @POSTERN_LOCK_TLS: TLS to the provider only; the provider reads everything
 * @POSTERN_LOCK_SEALED: content end-to-end encrypted; routing metadata visible
 * @POSTERN_LOCK_ONION: content and metadata hidden in transit (SMTorP)
 *
 * The lock levels shown on recipients, on the Send button and on received
 * mail. Values are ordered from weakest to strongest so they compare.
 */
typedef enum
{
  POSTERN_LOCK_UNKNOWN = 0,
  POSTERN_LOCK_OPEN,
  POSTERN_LOCK_TLS,
  POSTERN_LOCK_SEALED,
  POSTERN_LOCK_ONION,
} PosternLock;

const char *postern_lock_to_string (PosternLock lock);
gboolean postern_lock_from_string (const char *str, PosternLock *out_lock);

G_END_DECLS
