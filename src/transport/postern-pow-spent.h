/* postern-pow-spent.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The spent-stamp record of a receiving server: a stamp is accepted once,
 * remembered until it would have expired anyway, and refused after that
 * (docs/protocols/smtorp.md §3.4). Claims are durable before they return.
 */
#pragma once

#include <glib-object.h>

#include "postern-pow.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_POW_SPENT (postern_pow_spent_get_type ())
G_DECLARE_FINAL_TYPE (PosternPowSpent, postern_pow_spent, POSTERN, POW_SPENT, GObject)

PosternPowSpent *postern_pow_spent_open (const char *path, GError **error);
gboolean postern_pow_spent_claim (PosternPowSpent *self, const PosternPowStamp *stamp,
                                  gint64 now, GError **error);
guint postern_pow_spent_count (PosternPowSpent *self);

G_END_DECLS
