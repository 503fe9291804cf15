/* postern-outbox-retry.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * When a queued message is next worth trying (DESIGN §6: an offline onion
 * service is retried with backoff). Each failed attempt doubles the wait,
 * from 1 minute up to 1 hour; a message sent (or gone from the Outbox) is
 * forgotten. Kept in PROFILE/outbox-retry.ini, so the schedule survives a
 * restart. A user's explicit send or sync tries everything at once; the
 * app's own retries wait for the schedule.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define POSTERN_OUTBOX_RETRY_FIRST 60
#define POSTERN_OUTBOX_RETRY_MAX 3600

gint64 postern_outbox_retry_delay (guint attempts);
gboolean postern_outbox_retry_failed (const char *profile_path, const char *id, gint64 now,
                                      GError **error);
gboolean postern_outbox_retry_forget (const char *profile_path, const char *id, GError **error);
gint64 postern_outbox_retry_next (const char *profile_path, const char *id);

G_END_DECLS
