/* postern-recipient-chip.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One recipient in the composer: the address, a spinner while the router
 * works out how mail to it would travel, then the lock of that route.
 */
#pragma once

#include <gtk/gtk.h>

#include "postern-core.h"

G_BEGIN_DECLS

typedef enum
{
  POSTERN_RECIPIENT_RESOLVING,
  POSTERN_RECIPIENT_ROUTED,
  POSTERN_RECIPIENT_INVALID,
} PosternRecipientState;

#define POSTERN_TYPE_RECIPIENT_CHIP (postern_recipient_chip_get_type ())
G_DECLARE_FINAL_TYPE (PosternRecipientChip, postern_recipient_chip, POSTERN, RECIPIENT_CHIP,
                      GtkWidget)

GtkWidget *postern_recipient_chip_new (const char *address);
const char *postern_recipient_chip_get_address (PosternRecipientChip *self);
PosternRecipientState postern_recipient_chip_get_state (PosternRecipientChip *self);
const PosternRoute *postern_recipient_chip_get_route (PosternRecipientChip *self);
void postern_recipient_chip_set_route (PosternRecipientChip *self, const PosternRoute *route);
void postern_recipient_chip_set_invalid (PosternRecipientChip *self, const char *reason);
void postern_recipient_chip_set_conflict (PosternRecipientChip *self, gboolean conflict);
gboolean postern_recipient_chip_get_conflict (PosternRecipientChip *self);

G_END_DECLS
