/* postern-file-chooser.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-file-chooser.h"

typedef struct
{
  PosternFileChosen done;
  gpointer user_data;
} Chooser;

#if GTK_CHECK_VERSION(4, 10, 0)
static void
chosen (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autofree Chooser *chooser = data;
  g_autoptr (GFile) file = NULL;

  if (g_object_get_data (source, "save") != NULL)
    file = gtk_file_dialog_save_finish (GTK_FILE_DIALOG (source), result, NULL);
  else
    file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (source), result, NULL);
  chooser->done (file, chooser->user_data);
}
#else
static void
responded (GtkNativeDialog *dialog, int response, gpointer data)
{
  g_autofree Chooser *chooser = data;
  g_autoptr (GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  chooser->done (file, chooser->user_data);
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}
#endif

static void
choose (GtkWindow *parent, const char *title, gboolean save, const char *initial_name,
        PosternFileChosen done, gpointer user_data)
{
  Chooser *chooser = g_new0 (Chooser, 1);

  chooser->done = done;
  chooser->user_data = user_data;
#if GTK_CHECK_VERSION(4, 10, 0)
  g_autoptr (GtkFileDialog) dialog = gtk_file_dialog_new ();
  gtk_file_dialog_set_title (dialog, title);
  if (save)
    {
      g_object_set_data (G_OBJECT (dialog), "save", GINT_TO_POINTER (1));
      gtk_file_dialog_set_initial_name (dialog, initial_name);
      gtk_file_dialog_save (dialog, parent, NULL, chosen, chooser);
    }
  else
    gtk_file_dialog_open (dialog, parent, NULL, chosen, chooser);
#else
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (
    title, parent, save ? GTK_FILE_CHOOSER_ACTION_SAVE : GTK_FILE_CHOOSER_ACTION_OPEN,
    save ? _ ("_Save") : _ ("_Open"), NULL);
  if (save && initial_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), initial_name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (responded), chooser);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
#endif
}

/**
 * postern_file_chooser_open:
 * @done: called once, with the file or %NULL
 */
void
postern_file_chooser_open (GtkWindow *parent, const char *title, PosternFileChosen done,
                           gpointer user_data)
{
  choose (parent, title, FALSE, NULL, done, user_data);
}

void
postern_file_chooser_save (GtkWindow *parent, const char *title, const char *initial_name,
                           PosternFileChosen done, gpointer user_data)
{
  choose (parent, title, TRUE, initial_name, done, user_data);
}
