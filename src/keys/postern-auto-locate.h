/* postern-auto-locate.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trust on first use when writing: the first time the user writes to a
 * legacy address with no pinned key (or none usable) and no open key
 * conflict, its key is looked up on the network (PosternKeyLocator: WKD,
 * DANE, HKP) and, when found, pinned, so the message can go sealed. A
 * lookup is made at most once per POSTERN_AUTO_LOCATE_INTERVAL per
 * address, whatever it found, so that routing does not go to the network
 * on every keystroke; a key that differs from a pin is never taken
 * silently (the locator makes it a conflict). The profile's
 * keys.auto-locate setting turns this off.
 */
#pragma once

#include <gio/gio.h>

#include "postern-keyring.h"
#include "postern-profile.h"

G_BEGIN_DECLS

/* One day: keys are published rarely, and a domain that has none today
 * most likely has none in an hour either. */
#define POSTERN_AUTO_LOCATE_INTERVAL (24 * 60 * 60)

gboolean postern_auto_locate_enabled (PosternProfile *profile);
gboolean postern_auto_locate_sync (PosternProfile *profile, PosternKeyring *keyring,
                                   const char *address, gboolean *out_looked_up,
                                   GCancellable *cancellable, GError **error);

G_END_DECLS
