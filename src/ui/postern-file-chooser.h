/* postern-file-chooser.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One file to open or save, asked for with GtkFileDialog on GTK 4.10 and
 * later and GtkFileChooserNative on 4.8, behind one call.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* @file is %NULL when the user cancelled. */
typedef void (*PosternFileChosen) (GFile *file, gpointer user_data);

void postern_file_chooser_open (GtkWindow *parent, const char *title, PosternFileChosen done,
                                gpointer user_data);
void postern_file_chooser_save (GtkWindow *parent, const char *title, const char *initial_name,
                                PosternFileChosen done, gpointer user_data);

G_END_DECLS
