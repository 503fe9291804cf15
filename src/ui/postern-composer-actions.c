/* postern-composer-actions.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The composer's actions (composer.*) and their shortcuts.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-composer-private.h"

static void
send_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  _postern_composer_send (POSTERN_COMPOSER (widget));
}

static void
remove_conflicts_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  _postern_composer_remove_conflicts (POSTERN_COMPOSER (widget));
}

#if GTK_CHECK_VERSION(4, 10, 0)
static void
files_chosen (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PosternComposer) self = user_data;
  g_autoptr (GListModel) files
    = gtk_file_dialog_open_multiple_finish (GTK_FILE_DIALOG (source), result, NULL);

  for (guint i = 0; files != NULL && i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr (GFile) file = g_list_model_get_item (files, i);
      _postern_composer_attach_file (self, file);
    }
}
#else
static void
chooser_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  g_autoptr (PosternComposer) self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr (GFile) file = g_list_model_get_item (files, i);
          _postern_composer_attach_file (self, file);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}
#endif

static void
attach_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternComposer *self = POSTERN_COMPOSER (widget);

#if GTK_CHECK_VERSION(4, 10, 0)
  g_autoptr (GtkFileDialog) dialog = gtk_file_dialog_new ();
  gtk_file_dialog_set_title (dialog, _ ("Attach Files"));
  gtk_file_dialog_open_multiple (dialog, GTK_WINDOW (self), NULL, files_chosen,
                                 g_object_ref (self));
#else
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (
    _ ("Attach Files"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Attach"), NULL);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (dialog), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (chooser_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
#endif
}

void
_postern_composer_class_add_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "composer.remove-conflicts", NULL,
                                   remove_conflicts_action);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "composer.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "composer.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "composer.attach", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}
