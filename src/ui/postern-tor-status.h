/* postern-tor-status.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tor at the foot of the sidebar, for profiles that use SMTorP: a progress
 * bar while tor bootstraps and the onion service is published, then the
 * user's own SMTorP address (selectable, with a copy button), or why it
 * failed. Hidden for every other profile.
 */
#pragma once

#include <gtk/gtk.h>

#include "postern-core.h"
#include "postern-onion-service.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_TOR_STATUS (postern_tor_status_get_type ())
G_DECLARE_FINAL_TYPE (PosternTorStatus, postern_tor_status, POSTERN, TOR_STATUS, GtkWidget)

GtkWidget *postern_tor_status_new (void);
void postern_tor_status_set_service (PosternTorStatus *self, PosternOnionService *service);

G_END_DECLS
