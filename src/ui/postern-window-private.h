/* postern-window-private.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's insides, shared with postern-window-actions.c.
 */
#pragma once

#include "postern-message-list.h"
#include "postern-message-model.h"
#include "postern-message-view.h"
#include "postern-onboarding.h"
#include "postern-sidebar.h"
#include "postern-tor-status.h"
#include "postern-window.h"

G_BEGIN_DECLS

struct _PosternWindow
{
  AdwApplicationWindow parent_instance;
  PosternSession *session;
  GCancellable *cancellable;        /* opening a profile, making the demo */
  GCancellable *search_cancellable; /* the search in flight */
  PosternMessageModel *folder_model;
  char *folder;
  gboolean searching;
  guint check_id;                     /* the periodic look for mail other programs delivered */
  GPtrArray *pending_compose;         /* PosternOutgoing asked for before a profile was open */
  PosternOnionService *onion_service; /* nullable: the profile's SMTorP server and tor */
  gboolean retrying;                  /* the Outbox's due retries are being tried */

  AdwWindowTitle *window_title;
  GtkSearchEntry *search_entry;
  AdwToastOverlay *toast_overlay;
  GtkStack *main_stack;
  AdwStatusPage *error_page;
  GtkSpinner *loading_spinner;
  PosternOnboarding *onboarding;
  GtkPaned *outer_paned;
  GtkPaned *inner_paned;
  PosternSidebar *sidebar;
  PosternTorStatus *tor_status;
  PosternMessageList *message_list;
  PosternMessageView *message_view;
};

void _postern_window_class_add_actions (GtkWidgetClass *widget_class);
void _postern_window_update_actions (PosternWindow *self);

G_END_DECLS
