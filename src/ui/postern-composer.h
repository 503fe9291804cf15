/* postern-composer.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The composer: recipients as chips (each routed asynchronously to its
 * transport and lock), subject, body and attachments. Send shows the lock
 * the message would get and is blocked, with a banner naming the
 * conflicting recipients, when they would mix transports. Drafts are saved
 * to the store as one types; Send queues in the durable outbox.
 */
#pragma once

#include <adwaita.h>

#include "postern-outgoing.h"
#include "postern-session.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_COMPOSER (postern_composer_get_type ())
G_DECLARE_FINAL_TYPE (PosternComposer, postern_composer, POSTERN, COMPOSER, AdwWindow)

PosternComposer *postern_composer_new (GtkWindow *parent, PosternSession *session,
                                       const PosternOutgoing *initial);
void postern_composer_add_recipient (PosternComposer *self, const char *address);
void postern_composer_set_draft_id (PosternComposer *self, const char *draft_id);

G_END_DECLS
