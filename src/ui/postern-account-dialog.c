/* postern-account-dialog.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "postern-account-dialog.h"
#include "postern-secrets.h"

struct _PosternAccountDialog
{
  AdwWindow parent_instance;
  PosternSession *session;

  AdwEntryRow *name_row;
  AdwEntryRow *address_row;
  AdwEntryRow *imap_row;
  AdwEntryRow *smtp_row;
  AdwEntryRow *user_row;
  AdwPasswordEntryRow *password_row;
  AdwPreferencesPage *page;
  GtkLabel *error_label;

  /* While the keyring stores the password: the account waiting to be
   * added, and what stops the store when the dialog goes away. */
  PosternAccount *pending;
  GCancellable *cancellable;
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

static gboolean
saving (PosternAccountDialog *self)
{
  return self->pending != NULL;
}

static void
fields_changed (PosternAccountDialog *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "account.add",
                                 !saving (self) && nonempty (self->name_row)
                                   && strchr (text_of (self->address_row), '@'));
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
}

/* While the password is on its way to the keyring nothing can be edited and
 * the dialog stays: closing it then would leave a stored password without
 * its account. */
static void
set_saving (PosternAccountDialog *self, PosternAccount *account)
{
  g_set_object (&self->pending, account);
  gtk_widget_set_sensitive (GTK_WIDGET (self->page), !saving (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "window.close", !saving (self));
  fields_changed (self);
}

static void
show_error (PosternAccountDialog *self, const char *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

static void
finish_add (PosternAccountDialog *self, PosternAccount *account)
{
  g_autoptr (GError) error = NULL;

  if (!postern_session_add_account (self->session, account, &error))
    {
      show_error (self, error->message);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
password_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternAccount) account = NULL;
  PosternAccountDialog *self;

  /* Cancelled only by dispose: the dialog is gone, so is user_data. */
  if (!postern_secrets_store_password_finish (result, &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = POSTERN_ACCOUNT_DIALOG (user_data);
  account = g_object_ref (self->pending);
  set_saving (self, NULL);
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (
        _ ("The password could not be kept in the keyring, so the account was not added: %s"),
        error->message);
      show_error (self, message);
      return;
    }
  finish_add (self, account);
}

static PosternAccount *
account_from_fields (PosternAccountDialog *self, GError **error)
{
  g_autoptr (PosternAccount) account
    = postern_account_new (text_of (self->name_row), text_of (self->address_row), error);

  if (account == NULL)
    return NULL;
  if (nonempty (self->imap_row)
      && !postern_account_set_imap_url (account, text_of (self->imap_row), error))
    return NULL;
  if (nonempty (self->smtp_row)
      && !postern_account_set_smtp_url (account, text_of (self->smtp_row), error))
    return NULL;
  if (nonempty (self->user_row))
    postern_account_set_user (account, text_of (self->user_row));
  return g_steal_pointer (&account);
}

static void
add_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternAccountDialog *self = POSTERN_ACCOUNT_DIALOG (widget);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternAccount) account = account_from_fields (self, &error);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (account == NULL)
    {
      show_error (self, error->message);
      return;
    }
  /* An account without a password (a local one, or a server that asks for
   * none) is added at once. */
  if (password == NULL || *password == '\0')
    {
      finish_add (self, account);
      return;
    }
  /* As with `postern-cli account add --password-stdin`, the password goes to
   * the Secret Service first: an account whose password could not be kept
   * is not added, and the dialog keeps everything typed for another try. */
  set_saving (self, account);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  postern_secrets_store_password_async (postern_session_get_path (self->session),
                                        postern_account_get_name (account), password,
                                        self->cancellable, password_stored, self);
}

static gboolean
close_request (GtkWindow *window)
{
  if (saving (POSTERN_ACCOUNT_DIALOG (window)))
    return TRUE;
  return GTK_WINDOW_CLASS (postern_account_dialog_parent_class)->close_request (window);
}

static void
postern_account_dialog_dispose (GObject *object)
{
  PosternAccountDialog *self = POSTERN_ACCOUNT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->pending);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (postern_account_dialog_parent_class)->dispose (object);
}

static void
postern_account_dialog_class_init (PosternAccountDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = postern_account_dialog_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = close_request;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-account-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, address_row);
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, imap_row);
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, smtp_row);
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, user_row);
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, PosternAccountDialog, page);
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
