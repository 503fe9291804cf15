/* postern-folder-row.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-folder-row.h"

struct _PosternFolderRow
{
  GtkListBoxRow parent_instance;
  PosternFolderItem *item;
  GtkImage *icon;
  GtkLabel *title_label;
  GtkLabel *unread_label;
};

G_DEFINE_FINAL_TYPE (PosternFolderRow, postern_folder_row, GTK_TYPE_LIST_BOX_ROW)

static void
update (PosternFolderRow *self)
{
  guint unread = postern_folder_item_get_unread (self->item);
  const char *title = postern_folder_item_get_title (self->item);
  g_autofree char *count = unread ? g_strdup_printf ("%u", unread) : g_strdup ("");
  g_autofree char *name = NULL;

  gtk_image_set_from_icon_name (self->icon, postern_folder_item_get_icon_name (self->item));
  gtk_label_set_label (self->title_label, title);
  gtk_label_set_label (self->unread_label, count);
  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), unread > 0);
  /* The row speaks for itself: "Inbox, 3 unread". */
  name = unread
           ? g_strdup_printf (ngettext ("%s, %u unread", "%s, %u unread", unread), title, unread)
           : g_strdup (title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

static void
postern_folder_row_dispose (GObject *object)
{
  PosternFolderRow *self = POSTERN_FOLDER_ROW (object);

  g_clear_object (&self->item);
  G_OBJECT_CLASS (postern_folder_row_parent_class)->dispose (object);
}

static void
postern_folder_row_class_init (PosternFolderRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = postern_folder_row_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-folder-row.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternFolderRow, icon);
  gtk_widget_class_bind_template_child (widget_class, PosternFolderRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, PosternFolderRow, unread_label);
}

static void
postern_folder_row_init (PosternFolderRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
postern_folder_row_new (PosternFolderItem *item)
{
  PosternFolderRow *self = g_object_new (POSTERN_TYPE_FOLDER_ROW, NULL);

  self->item = g_object_ref (item);
  g_signal_connect_object (item, "notify", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
  return GTK_WIDGET (self);
}

PosternFolderItem *
postern_folder_row_get_item (PosternFolderRow *self)
{
  g_return_val_if_fail (POSTERN_IS_FOLDER_ROW (self), NULL);
  return self->item;
}
