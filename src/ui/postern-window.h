/* postern-window.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main window: accounts and folders, the message list and the reader,
 * or the first-run page while the profile has no account.
 */
#pragma once

#include <adwaita.h>

#include "postern-application.h"
#include "postern-outgoing.h"
#include "postern-session.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_WINDOW (postern_window_get_type ())
G_DECLARE_FINAL_TYPE (PosternWindow, postern_window, POSTERN, WINDOW, AdwApplicationWindow)

PosternWindow *postern_window_new (PosternApplication *application);
void postern_window_open_profile (PosternWindow *self, const char *path);
void postern_window_open_demo (PosternWindow *self);
PosternSession *postern_window_get_session (PosternWindow *self);
void postern_window_show_toast (PosternWindow *self, const char *text);
void postern_window_compose (PosternWindow *self, const PosternOutgoing *initial);
void postern_window_edit_draft (PosternWindow *self, PosternMessageDocument *draft);

G_END_DECLS
