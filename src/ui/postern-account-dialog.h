/* postern-account-dialog.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Adds a mail account to the profile: name, address and servers. The
 * password is asked for when the account first connects and kept in the
 * keyring, never in the profile.
 */
#pragma once

#include <adwaita.h>

#include "postern-session.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_ACCOUNT_DIALOG (postern_account_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PosternAccountDialog, postern_account_dialog, POSTERN, ACCOUNT_DIALOG,
                      AdwWindow)

PosternAccountDialog *postern_account_dialog_new (GtkWindow *parent, PosternSession *session);

G_END_DECLS
