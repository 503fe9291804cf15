/* postern-sidebar.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The accounts of the profile and its folders with their unread counts.
 */
#pragma once

#include <gtk/gtk.h>

#include "postern-session.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_SIDEBAR (postern_sidebar_get_type ())
G_DECLARE_FINAL_TYPE (PosternSidebar, postern_sidebar, POSTERN, SIDEBAR, GtkWidget)

void postern_sidebar_set_session (PosternSidebar *self, PosternSession *session);
void postern_sidebar_refresh (PosternSidebar *self);
void postern_sidebar_select_folder (PosternSidebar *self, const char *folder);
const char *postern_sidebar_get_selected_folder (PosternSidebar *self);
gint64 postern_sidebar_get_total (PosternSidebar *self, const char *folder);

G_END_DECLS
