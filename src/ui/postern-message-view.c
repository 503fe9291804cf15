/* postern-message-view.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "postern-attachment-row.h"
#include "postern-lock-ui.h"
#include "postern-html-view.h"
#include "postern-message-view.h"

struct _PosternMessageView
{
  GtkWidget parent_instance;
  PosternSession *session;
  GCancellable *cancellable;
  PosternMessageDocument *document;

  GtkStack *stack;
  GtkSpinner *spinner;
  AdwStatusPage *error_page;
  GtkScrolledWindow *scroller;
  GtkLabel *subject_label;
  GtkLabel *from_label;
  GtkLabel *to_label;
  GtkLabel *to_caption;
  GtkLabel *cc_label;
  GtkLabel *cc_caption;
  GtkLabel *date_label;
  GtkLabel *date_caption;
  GtkImage *lock_image;
  GtkLabel *lock_label;
  GtkImage *signature_image;
  GtkLabel *signature_label;
  GtkLabel *html_label;
  PosternHtmlView *html_view;
  GtkBox *attachments_box;
  GtkListBox *attachments_list;
  GtkTextView *body_view;
  GtkButton *edit_draft_button;
};

G_DEFINE_FINAL_TYPE (PosternMessageView, postern_message_view, GTK_TYPE_WIDGET)

enum
{
  EDIT_DRAFT,
  REPLY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
reply_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternMessageView *self = POSTERN_MESSAGE_VIEW (widget);

  if (self->document != NULL)
    g_signal_emit (self, signals[REPLY], 0, self->document,
                   g_str_equal (action_name, "message.reply-all"));
}

static void
edit_draft_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PosternMessageView *self = POSTERN_MESSAGE_VIEW (widget);

  if (self->document != NULL)
    g_signal_emit (self, signals[EDIT_DRAFT], 0, self->document);
}

static void
cancel_load (PosternMessageView *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

static void
postern_message_view_dispose (GObject *object)
{
  PosternMessageView *self = POSTERN_MESSAGE_VIEW (object);

  cancel_load (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), POSTERN_TYPE_MESSAGE_VIEW);
  /* The template's unnamed root child is ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->document);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (postern_message_view_parent_class)->dispose (object);
}

static void html_as_text_changed (PosternMessageView *self);

static void
postern_message_view_class_init (PosternMessageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = postern_message_view_dispose;

  /**
   * PosternMessageView::edit-draft:
   * @draft: the draft shown, to go on writing
   */
  signals[EDIT_DRAFT]
    = g_signal_new ("edit-draft", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, POSTERN_TYPE_MESSAGE_DOCUMENT);
  gtk_widget_class_install_action (widget_class, "message.edit-draft", NULL, edit_draft_action);
  /**
   * PosternMessageView::reply:
   * @message: the message shown
   * @all: whether to answer all its recipients
   */
  signals[REPLY]
    = g_signal_new ("reply", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, POSTERN_TYPE_MESSAGE_DOCUMENT, G_TYPE_BOOLEAN);
  gtk_widget_class_install_action (widget_class, "message.reply", NULL, reply_action);
  gtk_widget_class_install_action (widget_class, "message.reply-all", NULL, reply_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "message.reply",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "message.reply-all", NULL);
  g_type_ensure (POSTERN_TYPE_HTML_VIEW);
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-message-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PosternMessageView, name)
  BIND (stack);
  BIND (spinner);
  BIND (error_page);
  BIND (scroller);
  BIND (subject_label);
  BIND (from_label);
  BIND (to_label);
  BIND (to_caption);
  BIND (cc_label);
  BIND (cc_caption);
  BIND (date_label);
  BIND (date_caption);
  BIND (lock_image);
  BIND (lock_label);
  BIND (signature_image);
  BIND (signature_label);
  BIND (html_label);
  BIND (html_view);
  gtk_widget_class_bind_template_callback (widget_class, html_as_text_changed);
  BIND (attachments_box);
  BIND (attachments_list);
  BIND (body_view);
  BIND (edit_draft_button);
#undef BIND
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "postern-message-view");
}

static void
postern_message_view_init (PosternMessageView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
postern_message_view_set_session (PosternMessageView *self, PosternSession *session)
{
  g_return_if_fail (POSTERN_IS_MESSAGE_VIEW (self));
  cancel_load (self);
  g_set_object (&self->session, session);
  postern_message_view_show (self, NULL);
}

static void
set_optional (GtkLabel *label, GtkLabel *caption, const char *text)
{
  gboolean have = text != NULL && *text != '\0';

  gtk_label_set_label (label, have ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), have);
  gtk_widget_set_visible (GTK_WIDGET (caption), have);
}

static GtkWidget *
create_attachment_row (gpointer item, gpointer user_data)
{
  return postern_attachment_row_new (item, FALSE);
}

/* The signer's fingerprint in groups of four, as gpg and key cards show it. */
static char *
grouped_fingerprint (const char *fingerprint)
{
  GString *out = g_string_new (NULL);

  for (const char *p = fingerprint ? fingerprint : ""; *p; p++)
    {
      if (out->len > 0 && (p - fingerprint) % 4 == 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* One line on how the message was protected on its way: decrypted or not,
 * and what its signature proves. */
static char *
describe_protection (PosternMessageDocument *doc, const char **icon)
{
  g_autofree char *signer = grouped_fingerprint (postern_message_document_get_signer (doc));
  const char *prefix = postern_message_document_get_decrypted (doc) ? _ ("Encrypted to you. ") : "";

  switch (postern_message_document_get_signature (doc))
    {
      case POSTERN_SIGNATURE_GOOD:
        *icon = "emblem-ok-symbolic";
        return g_strdup_printf (_ ("%sSigned by the sender’s pinned key %s"), prefix, signer);
      case POSTERN_SIGNATURE_GOOD_UNPINNED:
        *icon = "dialog-warning-symbolic";
        return g_strdup_printf (
          _ ("%sSigned by key %s, which is not the key pinned for the sender"), prefix, signer);
      case POSTERN_SIGNATURE_BAD:
        *icon = "dialog-error-symbolic";
        return g_strdup_printf (
          _ ("%sThe signature does not hold: the message was changed, or the key is revoked"),
          prefix);
      case POSTERN_SIGNATURE_UNKNOWN_KEY:
        *icon = "dialog-question-symbolic";
        return g_strdup_printf (_ ("%sSigned by key %s, which is not in your keyring"), prefix,
                                signer);
      case POSTERN_SIGNATURE_UNVERIFIED:
        *icon = "dialog-information-symbolic";
        return g_strdup_printf (_ ("%sSigned — the signature could not be checked"), prefix);
      case POSTERN_SIGNATURE_ENCRYPTED:
        *icon = "dialog-warning-symbolic";
        return g_strdup (_ ("Encrypted — no key here can open it"));
      case POSTERN_SIGNATURE_NONE:
      default:
        *icon = "action-unavailable-symbolic";
        return g_strdup_printf (_ ("%sNot signed"), prefix);
    }
}

/* The text body is shown unless the HTML one is rendered (and the user
 * did not ask for text instead). */
static void
html_as_text_changed (PosternMessageView *self)
{
  gboolean rendered = gtk_widget_get_visible (GTK_WIDGET (self->html_view))
                      && !postern_html_view_get_as_text (self->html_view);

  gtk_widget_set_visible (GTK_WIDGET (self->body_view), !rendered);
}

static void
show_body (PosternMessageView *self, PosternMessageDocument *doc)
{
  const char *html = postern_message_document_get_html (doc);
  gboolean render = html != NULL && postern_html_view_is_supported ();

  gtk_widget_set_visible (GTK_WIDGET (self->html_label),
                          postern_message_document_get_body_is_html (doc) && !render);
  gtk_widget_set_visible (GTK_WIDGET (self->html_view), render);
  if (render)
    postern_html_view_set_html (self->html_view, html);
  html_as_text_changed (self);
}

static void
show_document (PosternMessageView *self, PosternMessageDocument *doc)
{
  PosternLock lock = postern_message_document_get_lock (doc);
  GListModel *attachments = postern_message_document_get_attachments (doc);
  const char *subject = postern_message_document_get_subject (doc);
  g_autofree char *signature_text = NULL;
  const char *signature_icon;
  g_autofree char *lock_text = NULL;

  g_set_object (&self->document, doc);
  gtk_label_set_label (self->subject_label, subject && *subject ? subject : _ ("(no subject)"));
  gtk_label_set_label (self->from_label, postern_message_document_get_from (doc));
  set_optional (self->to_label, self->to_caption, postern_message_document_get_to (doc));
  set_optional (self->cc_label, self->cc_caption, postern_message_document_get_cc (doc));
  set_optional (self->date_label, self->date_caption, postern_message_document_get_date (doc));

  lock_text = g_strdup_printf ("%s — %s", postern_lock_get_title (lock),
                               postern_lock_get_received_description (lock));
  gtk_image_set_from_icon_name (self->lock_image, postern_lock_get_icon_name (lock));
  for (PosternLock l = POSTERN_LOCK_UNKNOWN; l <= POSTERN_LOCK_ONION; l++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->lock_image), postern_lock_get_css_class (l));
  gtk_widget_add_css_class (GTK_WIDGET (self->lock_image), postern_lock_get_css_class (lock));
  gtk_label_set_label (self->lock_label, lock_text);

  signature_text = describe_protection (doc, &signature_icon);
  gtk_image_set_from_icon_name (self->signature_image, signature_icon);
  gtk_label_set_label (self->signature_label, signature_text);
  show_body (self, doc);

  gtk_list_box_bind_model (self->attachments_list, attachments, create_attachment_row, NULL, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_box),
                          g_list_model_get_n_items (attachments) > 0);

  gtk_widget_set_visible (
    GTK_WIDGET (self->edit_draft_button),
    g_strcmp0 (postern_message_document_get_folder (doc), POSTERN_STORE_DRAFTS) == 0);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view),
                            postern_message_document_get_body (doc), -1);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
  gtk_stack_set_visible_child_name (self->stack, "message");
}

static void
loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PosternMessageView *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternMessageDocument) doc
    = postern_session_load_finish (POSTERN_SESSION (source), result, &error);

  if (doc == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_spinner_set_spinning (self->spinner, FALSE);
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  gtk_spinner_set_spinning (self->spinner, FALSE);
  show_document (self, doc);
}

/**
 * postern_message_view_show:
 * @item: (nullable): the message to show, loaded; %NULL shows nothing
 */
void
postern_message_view_show (PosternMessageView *self, PosternMessageItem *item)
{
  g_return_if_fail (POSTERN_IS_MESSAGE_VIEW (self));

  cancel_load (self);
  if (item == NULL || self->session == NULL || !postern_message_item_get_loaded (item))
    {
      g_clear_object (&self->document);
      gtk_spinner_set_spinning (self->spinner, FALSE);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  self->cancellable = g_cancellable_new ();
  gtk_spinner_set_spinning (self->spinner, TRUE);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  postern_session_load_async (self->session, postern_message_item_get_id (item),
                              postern_message_item_get_folder (item), self->cancellable, loaded,
                              self);
}

PosternMessageDocument *
postern_message_view_get_document (PosternMessageView *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_VIEW (self), NULL);
  return self->document;
}
