/* postern-onion-service.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The profile's SMTorP side while the app runs (DESIGN §6): the SMTorP
 * server on 127.0.0.1, the profile's tor (started or attached, shared with
 * the sending transport) and the onion service that publishes the server.
 * It reports tor's bootstrap progress and, once published, the user's own
 * SMTorP address, for the UI.
 *
 * Lives on the thread-default main context of the thread that made it;
 * tor's start and the publishing run in a worker thread.
 */
#pragma once

#include <gio/gio.h>

#include "postern-profile.h"

G_BEGIN_DECLS

typedef enum
{
  POSTERN_ONION_SERVICE_STOPPED,
  POSTERN_ONION_SERVICE_STARTING,
  POSTERN_ONION_SERVICE_READY,
  POSTERN_ONION_SERVICE_FAILED,
} PosternOnionServiceState;

#define POSTERN_TYPE_ONION_SERVICE (postern_onion_service_get_type ())
G_DECLARE_FINAL_TYPE (PosternOnionService, postern_onion_service, POSTERN, ONION_SERVICE, GObject)

gboolean postern_onion_service_wanted (PosternProfile *profile);
PosternOnionService *postern_onion_service_new (PosternProfile *profile);
void postern_onion_service_start (PosternOnionService *self);
void postern_onion_service_stop (PosternOnionService *self);
PosternOnionServiceState postern_onion_service_get_state (PosternOnionService *self);
guint postern_onion_service_get_progress (PosternOnionService *self, const char **out_summary);
const char *postern_onion_service_get_address (PosternOnionService *self);
const char *postern_onion_service_get_error (PosternOnionService *self);

G_END_DECLS
