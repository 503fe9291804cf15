/* postern-composer-private.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The composer's insides, shared with postern-composer-actions.c.
 */
#pragma once

#include "postern-composer.h"

G_BEGIN_DECLS

struct _PosternComposer
{
  AdwWindow parent_instance;
  PosternSession *session;
  PosternAccount *account;
  GCancellable *cancellable;
  GPtrArray *chips;        /* PosternRecipientChip, in order */
  GListStore *attachments; /* PosternAttachment */
  char *draft_id;          /* the last saved draft, replaced by the next */
  char *in_reply_to;       /* threading headers of the message answered */
  char *references;
  guint autosave_id;
  gboolean dirty;
  gboolean saving;
  gboolean sending;

  GtkButton *send_button;
  GtkImage *send_lock_image;
  GtkRevealer *banner_revealer;
  GtkLabel *banner_label;
  GtkButton *banner_button;
  GtkLabel *from_label;
  GtkFlowBox *chips_box;
  GtkEntry *to_entry;
  GtkEntry *subject_entry;
  GtkTextView *body_view;
  GtkBox *attachments_box;
  GtkListBox *attachments_list;
  GtkLabel *status_label;
  AdwToastOverlay *toast_overlay;
};

void _postern_composer_class_add_actions (GtkWidgetClass *widget_class);
void _postern_composer_update (PosternComposer *self);
void _postern_composer_send (PosternComposer *self);
void _postern_composer_remove_conflicts (PosternComposer *self);
void _postern_composer_attach_file (PosternComposer *self, GFile *file);
void _postern_composer_save_draft (PosternComposer *self);

G_END_DECLS
