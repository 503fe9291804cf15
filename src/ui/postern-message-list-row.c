/* postern-message-list-row.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-lock-ui.h"
#include "postern-message-list-row.h"

struct _PosternMessageListRow
{
  GtkWidget parent_instance;
  PosternMessageItem *item;
  gulong loaded_id;

  GtkLabel *sender_label;
  GtkLabel *date_label;
  GtkImage *lock_image;
  GtkLabel *subject_label;
};

G_DEFINE_FINAL_TYPE (PosternMessageListRow, postern_message_list_row, GTK_TYPE_WIDGET)

static void
update (PosternMessageListRow *self)
{
  PosternLock lock;
  g_autoptr (GDateTime) now = NULL;
  g_autofree char *date = NULL;

  if (self->item == NULL || !postern_message_item_get_loaded (self->item))
    {
      gtk_label_set_label (self->sender_label, "");
      gtk_label_set_label (self->subject_label, "");
      gtk_label_set_label (self->date_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->lock_image), FALSE);
      return;
    }
  now = g_date_time_new_now_local ();
  date = postern_message_item_format_date (self->item, now);
  lock = postern_message_item_get_lock (self->item);
  gtk_label_set_label (self->sender_label, postern_message_item_get_sender (self->item));
  gtk_label_set_label (self->subject_label, postern_message_item_get_subject (self->item));
  gtk_label_set_label (self->date_label, date);
  gtk_image_set_from_icon_name (self->lock_image, postern_lock_get_icon_name (lock));
  gtk_widget_set_visible (GTK_WIDGET (self->lock_image), TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->lock_image),
                               postern_lock_get_received_description (lock));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->lock_image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  postern_lock_get_title (lock), -1);
  if (postern_message_item_get_unread (self->item))
    gtk_widget_add_css_class (GTK_WIDGET (self), "unread");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "unread");
}

static void
postern_message_list_row_dispose (GObject *object)
{
  PosternMessageListRow *self = POSTERN_MESSAGE_LIST_ROW (object);

  postern_message_list_row_set_item (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), POSTERN_TYPE_MESSAGE_LIST_ROW);
  /* The template's unnamed root child is ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (postern_message_list_row_parent_class)->dispose (object);
}

static void
postern_message_list_row_class_init (PosternMessageListRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = postern_message_list_row_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-message-list-row.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternMessageListRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, PosternMessageListRow, date_label);
  gtk_widget_class_bind_template_child (widget_class, PosternMessageListRow, lock_image);
  gtk_widget_class_bind_template_child (widget_class, PosternMessageListRow, subject_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "postern-message-row");
}

static void
postern_message_list_row_init (PosternMessageListRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
postern_message_list_row_new (void)
{
  return g_object_new (POSTERN_TYPE_MESSAGE_LIST_ROW, NULL);
}

void
postern_message_list_row_set_item (PosternMessageListRow *self, PosternMessageItem *item)
{
  g_return_if_fail (POSTERN_IS_MESSAGE_LIST_ROW (self));

  if (self->item == item)
    return;
  if (self->item != NULL)
    g_clear_signal_handler (&self->loaded_id, self->item);
  g_set_object (&self->item, item);
  if (item != NULL)
    self->loaded_id = g_signal_connect_swapped (item, "notify", G_CALLBACK (update), self);
  update (self);
}
