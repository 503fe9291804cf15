/* postern-window-actions.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's actions (win.*) and their shortcuts.
 */
#include "config.h"

#include "postern-account-dialog.h"
#include "postern-keyring-window.h"
#include "postern-qr-dialog.h"
#include "postern-window-private.h"

static void
search_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternWindow *self = POSTERN_WINDOW (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
compose_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  postern_window_compose (POSTERN_WINDOW (widget), NULL);
}

static void
add_account_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternWindow *self = POSTERN_WINDOW (widget);
  PosternAccountDialog *dialog;

  if (self->session == NULL)
    return;
  dialog = postern_account_dialog_new (GTK_WINDOW (self), self->session);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
keyring_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternWindow *self = POSTERN_WINDOW (widget);

  if (self->session == NULL)
    return;
  gtk_window_present (GTK_WINDOW (postern_keyring_window_new (GTK_WINDOW (self), self->session)));
}

static void
contact_card_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternWindow *self = POSTERN_WINDOW (widget);

  if (self->session == NULL)
    return;
  gtk_window_present (GTK_WINDOW (postern_qr_dialog_new (GTK_WINDOW (self), self->session)));
}

static void
try_demo_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  postern_window_open_demo (POSTERN_WINDOW (widget));
}

static void
refresh_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternWindow *self = POSTERN_WINDOW (widget);

  postern_sidebar_refresh (self->sidebar);
  if (self->folder_model != NULL)
    postern_message_model_reload (self->folder_model);
}

void
_postern_window_class_add_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.compose", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.add-account", NULL, add_account_action);
  gtk_widget_class_install_action (widget_class, "win.try-demo", NULL, try_demo_action);
  gtk_widget_class_install_action (widget_class, "win.keyring", NULL, keyring_action);
  gtk_widget_class_install_action (widget_class, "win.contact-card", NULL, contact_card_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.keyring", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.compose",
                                       NULL);
}

/* Actions that need an open profile are off until one is. */
void
_postern_window_update_actions (PosternWindow *self)
{
  gboolean open = self->session != NULL;
  gboolean has_accounts
    = open && g_list_model_get_n_items (postern_session_get_accounts (self->session)) > 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.compose", has_accounts);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", has_accounts);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-account", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.try-demo", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.keyring", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.contact-card", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh", has_accounts);
  gtk_widget_set_sensitive (GTK_WIDGET (self->search_entry), has_accounts);
}
