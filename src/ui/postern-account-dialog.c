/* postern-account-dialog.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "postern-account-dialog.h"

struct _PosternAccountDialog
{
  AdwWindow parent_instance;
  PosternSession *session;

  AdwEntryRow *name_row;
  AdwEntryRow *address_row;
  AdwEntryRow *imap_row;
  AdwEntryRow *smtp_row;
  AdwEntryRow *user_row;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE (PosternAccountDialog, postern_account_dialog, ADW_TYPE_WINDOW)

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static const char *
nonempty (AdwEntryRow *row)
{
  const char *text = text_of (row);
  return text && *text ? text : NULL;
}

static void
fields_changed (PosternAccountDialog *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "account.add",
                                 nonempty (self->name_row)
                                   && strchr (text_of (self->address_row), '@'));
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
}

static void
add_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternAccountDialog *self = POSTERN_ACCOUNT_DIALOG (widget);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternAccount) account
    = postern_account_new (text_of (self->name_row), text_of (self->address_row), &error);

  if (account != NULL && nonempty (self->imap_row))
    postern_account_set_imap_url (account, text_of (self->imap_row), &error);
  if (account != NULL && error == NULL && nonempty (self->smtp_row))
    postern_account_set_smtp_url (account, text_of (self->smtp_row), &error);
  if (account != NULL && error == NULL && nonempty (self->user_row))
    postern_account_set_user (account, text_of (self->user_row));
  if (account != NULL && error == NULL)
    postern_session_add_account (self->session, account, &error);
  if (error != NULL)
    {
      gtk_label_set_label (self->error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
postern_account_dialog_dispose (GObject *object)
{
  PosternAccountDialog *self = POSTERN_ACCOUNT_DIALOG (object);

  g_clear_object (&self->session);
  G_OBJECT_CLASS (postern_account_dialog_parent_class)->dispose (object);
}

static void
postern_account_dialog_class_init (PosternAccountDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = postern_account_dialog_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-account-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, address_row);
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, imap_row);
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, smtp_row);
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, user_row);
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, fields_changed);
  gtk_widget_class_install_action (widget_class, "account.add", NULL, add_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
postern_account_dialog_init (PosternAccountDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  fields_changed (self);
}

PosternAccountDialog *
postern_account_dialog_new (GtkWindow *parent, PosternSession *session)
{
  PosternAccountDialog *self
    = g_object_new (POSTERN_TYPE_ACCOUNT_DIALOG, "transient-for", parent, NULL);

  self->session = g_object_ref (session);
  return self;
}
