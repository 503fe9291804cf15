/* postern-onboarding.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first-run page, shown while the profile has no account: add one, or
 * try the demo profile. Its buttons fire win.add-account and win.try-demo.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define POSTERN_TYPE_ONBOARDING (postern_onboarding_get_type ())
G_DECLARE_FINAL_TYPE (PosternOnboarding, postern_onboarding, POSTERN, ONBOARDING, GtkWidget)

void postern_onboarding_set_busy (PosternOnboarding *self, gboolean busy);

G_END_DECLS
