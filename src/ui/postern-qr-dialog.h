/* postern-qr-dialog.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The contact card dialog: shows the user's own card (their key, their
 * addresses, the QR code), exports it as PNG, SVG or a printable PDF,
 * prints it, and takes in someone else's card from an image file, the
 * clipboard, a dropped file or pasted text.
 */
#pragma once

#include <adwaita.h>

#include "postern-session.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_QR_DIALOG (postern_qr_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PosternQrDialog, postern_qr_dialog, POSTERN, QR_DIALOG, AdwWindow)

PosternQrDialog *postern_qr_dialog_new (GtkWindow *parent, PosternSession *session);

G_END_DECLS
