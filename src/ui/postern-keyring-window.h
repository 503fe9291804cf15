/* postern-keyring-window.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The keyring manager: the profile's own keys and its contacts' keys with
 * how far each is trusted (verified, pinned on first use, waiting for a
 * key a scanned card named), the open key conflicts with a choice to keep
 * the pinned key or take the new one, and importing, exporting and
 * generating keys. The contact card dialog opens from here.
 */
#pragma once

#include <adwaita.h>

#include "postern-session.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_KEYRING_WINDOW (postern_keyring_window_get_type ())
G_DECLARE_FINAL_TYPE (PosternKeyringWindow, postern_keyring_window, POSTERN, KEYRING_WINDOW,
                      AdwWindow)

PosternKeyringWindow *postern_keyring_window_new (GtkWindow *parent, PosternSession *session);
void postern_keyring_window_reload (PosternKeyringWindow *self);

G_END_DECLS
