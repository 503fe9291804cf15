/* postern-attachment-row.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-attachment-row.h"

struct _PosternAttachmentRow
{
  AdwActionRow parent_instance;
  PosternAttachment *attachment;

  GtkImage *type_icon;
  GtkButton *save_button;
  GtkButton *remove_button;
};

G_DEFINE_FINAL_TYPE (PosternAttachmentRow, postern_attachment_row, ADW_TYPE_ACTION_ROW)

enum
{
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
postern_attachment_row_dispose (GObject *object)
{
  PosternAttachmentRow *self = POSTERN_ATTACHMENT_ROW (object);

  g_clear_object (&self->attachment);
  G_OBJECT_CLASS (postern_attachment_row_parent_class)->dispose (object);
}

static void
saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_warning ("cannot save the attachment: %s", error->message);
}

static void
save_to (PosternAttachmentRow *self, GFile *file)
{
  GBytes *bytes = postern_attachment_get_bytes (self->attachment);

  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       NULL, saved, NULL);
}

#if GTK_CHECK_VERSION(4, 10, 0)
static void
save_chosen (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PosternAttachmentRow) self = user_data;
  g_autoptr (GFile) file = gtk_file_dialog_save_finish (GTK_FILE_DIALOG (source), result, NULL);

  if (file != NULL)
    save_to (self, file);
}
#else
static void
save_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  g_autoptr (PosternAttachmentRow) self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file != NULL)
        save_to (self, file);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}
#endif

static void
save_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternAttachmentRow *self = POSTERN_ATTACHMENT_ROW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  const char *name = postern_attachment_get_filename (self->attachment);

#if GTK_CHECK_VERSION(4, 10, 0)
  g_autoptr (GtkFileDialog) dialog = gtk_file_dialog_new ();
  gtk_file_dialog_set_title (dialog, _ ("Save Attachment"));
  gtk_file_dialog_set_initial_name (dialog, name);
  gtk_file_dialog_save (dialog, GTK_WINDOW (root), NULL, save_chosen, g_object_ref (self));
#else
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (
    _ ("Save Attachment"), GTK_WINDOW (root), GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Save"), NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (save_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
#endif
}

static void
remove_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_signal_emit (widget, signals[REMOVE], 0);
}

static void
postern_attachment_row_class_init (PosternAttachmentRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = postern_attachment_row_dispose;

  /**
   * PosternAttachmentRow::remove:
   *
   * The user asked to drop this attachment from the message being written.
   */
  signals[REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-attachment-row.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternAttachmentRow, type_icon);
  gtk_widget_class_bind_template_child (widget_class, PosternAttachmentRow, save_button);
  gtk_widget_class_bind_template_child (widget_class, PosternAttachmentRow, remove_button);
  gtk_widget_class_install_action (widget_class, "attachment.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "attachment.remove", NULL, remove_action);
}

static void
postern_attachment_row_init (PosternAttachmentRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
postern_attachment_row_new (PosternAttachment *attachment, gboolean removable)
{
  PosternAttachmentRow *self = g_object_new (POSTERN_TYPE_ATTACHMENT_ROW, NULL);
  const char *name = postern_attachment_get_filename (attachment);
  const char *type = postern_attachment_get_content_type (attachment);
  g_autofree char *size = g_format_size (postern_attachment_get_size (attachment));
  g_autofree char *subtitle = NULL;
  g_autofree char *description = g_content_type_get_description (type);
  g_autoptr (GIcon) icon = g_content_type_get_symbolic_icon (type);
  g_autofree char *save_label = g_strdup_printf (_ ("Save %s As…"), name);
  g_autofree char *remove_label = g_strdup_printf (_ ("Remove %s"), name);

  self->attachment = g_object_ref (attachment);
  subtitle = g_strdup_printf ("%s · %s", description ? description : type, size);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
  gtk_image_set_from_gicon (self->type_icon, icon);
  gtk_widget_set_visible (GTK_WIDGET (self->save_button), !removable);
  gtk_widget_set_visible (GTK_WIDGET (self->remove_button), removable);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->save_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  save_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->remove_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label, -1);
  return GTK_WIDGET (self);
}

PosternAttachment *
postern_attachment_row_get_attachment (PosternAttachmentRow *self)
{
  g_return_val_if_fail (POSTERN_IS_ATTACHMENT_ROW (self), NULL);
  return self->attachment;
}
