/* postern-window.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-composer.h"
#include "postern-demo.h"
#include "postern-folder-item.h"
#include "postern-window-private.h"

/* How often the store is checked for mail that other programs (a sync,
 * another client) delivered; the check only stats the folders. */
#define CHECK_SECONDS 10

/* Search results are capped: the list shows the newest matches. */
#define SEARCH_LIMIT 500

G_DEFINE_FINAL_TYPE (PosternWindow, postern_window, ADW_TYPE_APPLICATION_WINDOW)

static GSettings *
get_settings (PosternWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  return app ? postern_application_get_settings (POSTERN_APPLICATION (app)) : NULL;
}

static void
save_state (PosternWindow *self)
{
  GSettings *settings = get_settings (self);
  int width, height;

  if (settings == NULL)
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_delay (settings);
  if (!gtk_window_is_maximized (GTK_WINDOW (self)))
    {
      g_settings_set_int (settings, "window-width", CLAMP (width, 360, 32768));
      g_settings_set_int (settings, "window-height", CLAMP (height, 294, 32768));
    }
  g_settings_set_boolean (settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  if (gtk_widget_get_mapped (GTK_WIDGET (self->outer_paned)))
    {
      g_settings_set_int (settings, "sidebar-width",
                          CLAMP (gtk_paned_get_position (self->outer_paned), 120, 800));
      g_settings_set_int (settings, "message-list-width",
                          CLAMP (gtk_paned_get_position (self->inner_paned), 200, 2000));
    }
  g_settings_apply (settings);
}

static void
restore_state (PosternWindow *self)
{
  GSettings *settings = get_settings (self);

  if (settings == NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self), 1100, 720);
      gtk_paned_set_position (self->outer_paned, 220);
      gtk_paned_set_position (self->inner_paned, 380);
      return;
    }
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  gtk_paned_set_position (self->outer_paned, g_settings_get_int (settings, "sidebar-width"));
  gtk_paned_set_position (self->inner_paned, g_settings_get_int (settings, "message-list-width"));
}

static gboolean
postern_window_close_request (GtkWindow *window)
{
  save_state (POSTERN_WINDOW (window));
  return GTK_WINDOW_CLASS (postern_window_parent_class)->close_request (window);
}

static void
postern_window_dispose (GObject *object)
{
  PosternWindow *self = POSTERN_WINDOW (object);

  g_clear_handle_id (&self->check_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->search_cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->onion_service != NULL)
    postern_onion_service_stop (self->onion_service);
  g_clear_object (&self->onion_service);
  gtk_widget_dispose_template (GTK_WIDGET (self), POSTERN_TYPE_WINDOW);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_object (&self->folder_model);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (postern_window_parent_class)->dispose (object);
}

static void
postern_window_finalize (GObject *object)
{
  PosternWindow *self = POSTERN_WINDOW (object);

  g_free (self->folder);
  g_clear_pointer (&self->pending_compose, g_ptr_array_unref);
  G_OBJECT_CLASS (postern_window_parent_class)->finalize (object);
}

/* --- folders and messages -------------------------------------------- */

static void
model_loading_changed (PosternWindow *self)
{
  if (!self->searching && self->folder_model != NULL)
    postern_message_list_set_loading (self->message_list,
                                      postern_message_model_get_loading (self->folder_model));
}

static void
show_folder_model (PosternWindow *self)
{
  postern_message_list_set_model (self->message_list, G_LIST_MODEL (self->folder_model),
                                  _ ("No Messages"), _ ("This folder is empty"));
  model_loading_changed (self);
}

static void
folder_selected (PosternWindow *self, const char *folder)
{
  GSettings *settings = get_settings (self);
  g_autoptr (PosternFolderItem) probe = postern_folder_item_new (folder, 0, 0);

  g_free (self->folder);
  self->folder = g_strdup (folder);
  if (self->folder_model != NULL)
    g_signal_handlers_disconnect_by_data (self->folder_model, self);
  g_clear_object (&self->folder_model);
  self->folder_model = postern_message_model_new (self->session, folder);
  g_signal_connect_swapped (self->folder_model, "notify::loading",
                            G_CALLBACK (model_loading_changed), self);
  if (gtk_stack_get_visible_child_name (self->main_stack) != NULL
      && g_str_equal (gtk_stack_get_visible_child_name (self->main_stack), "mail"))
    adw_window_title_set_subtitle (self->window_title, postern_folder_item_get_title (probe));
  if (settings != NULL)
    g_settings_set_string (settings, "last-folder", folder);
  /* Picking a folder ends a search. */
  if (self->searching)
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  self->searching = FALSE;
  show_folder_model (self);
}

static void
marked_seen (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PosternMessageItem) item = user_data;
  g_autoptr (GError) error = NULL;
  PosternWindow *self;

  if (!postern_session_mark_seen_finish (POSTERN_SESSION (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("cannot mark the message seen: %s", error->message);
      return;
    }
  postern_message_item_set_unread (item, FALSE);
  self = g_object_get_data (G_OBJECT (item), "postern-window");
  if (self != NULL)
    postern_sidebar_refresh (self->sidebar);
}

static void
reply (PosternWindow *self, PosternMessageDocument *message, gboolean all)
{
  PosternAccount *account
    = self->session ? postern_session_get_default_account (self->session) : NULL;
  g_autoptr (PosternOutgoing) initial = postern_message_document_to_reply (
    message, all, account ? postern_account_get_address (account) : NULL);

  postern_window_compose (self, initial);
}

static void
edit_draft (PosternWindow *self, PosternMessageDocument *draft)
{
  postern_window_edit_draft (self, draft);
}

static void
message_selected (PosternWindow *self, PosternMessageItem *item)
{
  postern_message_view_show (self->message_view, item);
  /* Opening a message reads it: the S flag, and one fewer unread. */
  if (item != NULL && postern_message_item_get_unread (item) && self->session != NULL)
    {
      g_object_set_data (G_OBJECT (item), "postern-window", self);
      postern_session_mark_seen_async (self->session, postern_message_item_get_id (item),
                                       postern_message_item_get_folder (item), self->cancellable,
                                       marked_seen, g_object_ref (item));
    }
}

static void
searched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PosternWindow *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows
    = postern_session_search_finish (POSTERN_SESSION (source), result, &error);
  g_autoptr (GListStore) store = NULL;

  if (rows == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      postern_message_list_set_model (self->message_list, NULL, _ ("Cannot Search"),
                                      error->message);
      return;
    }
  store = g_list_store_new (POSTERN_TYPE_MESSAGE_ITEM);
  for (guint i = 0; i < rows->len; i++)
    {
      g_autoptr (PosternMessageItem) item = postern_message_item_new (rows->pdata[i]);
      g_list_store_append (store, item);
    }
  postern_message_list_set_loading (self->message_list, FALSE);
  postern_message_list_set_model (self->message_list, G_LIST_MODEL (store), _ ("No Results"),
                                  _ ("No message matches these words"));
}

static void
search_changed (PosternWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *query = g_strstrip (g_strdup (text));

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  if (self->session == NULL)
    return;
  if (*query == '\0')
    {
      if (self->searching && self->folder_model != NULL)
        show_folder_model (self);
      self->searching = FALSE;
      return;
    }
  self->searching = TRUE;
  self->search_cancellable = g_cancellable_new ();
  postern_message_list_set_loading (self->message_list, TRUE);
  postern_session_search_async (self->session, query, SEARCH_LIMIT, self->search_cancellable,
                                searched, self);
}

static void
stop_search (PosternWindow *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

/* After a listing, a folder shown whose size changed behind our back (new
 * mail from a sync, another client) is read again. */
static void
folders_counted (PosternWindow *self)
{
  gint64 total;

  if (self->folder_model == NULL || postern_message_model_get_loading (self->folder_model))
    return;
  total = postern_sidebar_get_total (self->sidebar,
                                     postern_message_model_get_folder (self->folder_model));
  if (total >= 0 && (guint64) total != g_list_model_get_n_items (G_LIST_MODEL (self->folder_model)))
    postern_message_model_reload (self->folder_model);
}

static void
retried (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PosternWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) results
    = postern_session_retry_finish (POSTERN_SESSION (source), result, &error);

  self->retrying = FALSE;
  if (results == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("retrying the Outbox failed: %s", error->message);
}

static gboolean
check_timeout (gpointer user_data)
{
  PosternWindow *self = user_data;

  if (self->session != NULL)
    postern_sidebar_refresh (self->sidebar);
  /* Queued mail (an onion service that was offline, say) goes out once
   * its retry is due, without the user asking. */
  if (self->session != NULL && !self->retrying)
    {
      self->retrying = TRUE;
      postern_session_retry_async (self->session,
                                   postern_session_get_default_account (self->session),
                                   self->cancellable, retried, g_object_ref (self));
    }
  return G_SOURCE_CONTINUE;
}

/* --- the session ----------------------------------------------------- */

static void
folder_changed (PosternWindow *self, const char *folder)
{
  postern_sidebar_refresh (self->sidebar);
  if (self->folder_model != NULL
      && g_strcmp0 (postern_message_model_get_folder (self->folder_model), folder) == 0)
    postern_message_model_reload (self->folder_model);
}

static void
update_page (PosternWindow *self)
{
  gboolean has_accounts
    = g_list_model_get_n_items (postern_session_get_accounts (self->session)) > 0;

  gtk_spinner_set_spinning (self->loading_spinner, FALSE);
  postern_onboarding_set_busy (self->onboarding, FALSE);
  gtk_stack_set_visible_child_name (self->main_stack, has_accounts ? "mail" : "onboarding");
  if (has_accounts && self->folder != NULL)
    {
      g_autoptr (PosternFolderItem) probe = postern_folder_item_new (self->folder, 0, 0);
      adw_window_title_set_subtitle (self->window_title, postern_folder_item_get_title (probe));
    }
  else
    adw_window_title_set_subtitle (self->window_title, has_accounts ? "" : _ ("Welcome"));
  gtk_widget_set_visible (GTK_WIDGET (self->search_entry), has_accounts);
  _postern_window_update_actions (self);
}

/* A profile that uses SMTorP gets its server and tor while the window is
 * open; the foot of the sidebar shows the progress, then the address. */
static void
update_onion_service (PosternWindow *self)
{
  PosternProfile *profile = self->session ? postern_session_get_profile (self->session) : NULL;

  if (self->onion_service != NULL || profile == NULL || !postern_onion_service_wanted (profile))
    return;
  self->onion_service = postern_onion_service_new (profile);
  postern_tor_status_set_service (self->tor_status, self->onion_service);
  postern_onion_service_start (self->onion_service);
}

static void
set_session (PosternWindow *self, PosternSession *session)
{
  GSettings *settings = get_settings (self);
  g_autofree char *last = settings ? g_settings_get_string (settings, "last-folder") : NULL;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  g_signal_connect_swapped (session, "folder-changed", G_CALLBACK (folder_changed), self);
  g_signal_connect_swapped (session, "accounts-changed", G_CALLBACK (update_page), self);
  g_signal_connect_swapped (session, "accounts-changed", G_CALLBACK (update_onion_service), self);
  if (self->onion_service != NULL)
    postern_onion_service_stop (self->onion_service);
  g_clear_object (&self->onion_service);
  postern_tor_status_set_service (self->tor_status, NULL);
  update_onion_service (self);
  g_clear_pointer (&self->folder, g_free);
  g_clear_object (&self->folder_model);
  postern_message_list_set_model (self->message_list, NULL, _ ("No Messages"), NULL);
  postern_message_view_set_session (self->message_view, session);
  postern_sidebar_set_session (self->sidebar, session);
  postern_sidebar_select_folder (self->sidebar, last && *last ? last : POSTERN_STORE_INBOX);
  update_page (self);
  for (guint i = 0; i < self->pending_compose->len; i++)
    postern_window_compose (self, self->pending_compose->pdata[i]);
  g_ptr_array_set_size (self->pending_compose, 0);
}

static void
session_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PosternWindow *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternSession) session = postern_session_open_finish (result, &error);

  if (session == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_spinner_set_spinning (self->loading_spinner, FALSE);
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->main_stack, "error");
      return;
    }
  set_session (self, session);
}

/**
 * postern_window_open_profile:
 * @path: (nullable): the profile folder; %NULL for the default one
 *
 * Opens (creating if needed) the profile at @path in a worker and shows it.
 */
void
postern_window_open_profile (PosternWindow *self, const char *path)
{
  g_return_if_fail (POSTERN_IS_WINDOW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  gtk_spinner_set_spinning (self->loading_spinner, TRUE);
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
  postern_session_open_async (path, TRUE, self->cancellable, session_opened, self);
}

static void
demo_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PosternWindow *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = postern_demo_ensure_finish (result, &error);

  if (path == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      postern_onboarding_set_busy (self->onboarding, FALSE);
      _postern_window_update_actions (self);
      postern_window_show_toast (self, error->message);
      return;
    }
  postern_window_open_profile (self, path);
}

/* Makes the demo profile (once) and switches to it. */
void
postern_window_open_demo (PosternWindow *self)
{
  g_return_if_fail (POSTERN_IS_WINDOW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  postern_onboarding_set_busy (self->onboarding, TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.try-demo", FALSE);
  postern_demo_ensure_async (NULL, self->cancellable, demo_ready, self);
}

PosternSession *
postern_window_get_session (PosternWindow *self)
{
  g_return_val_if_fail (POSTERN_IS_WINDOW (self), NULL);
  return self->session;
}

/**
 * postern_window_compose:
 * @initial: (nullable): what the new message starts with (from a mailto:)
 *
 * Opens a composer; before a profile is open, once it is.
 */
void
postern_window_compose (PosternWindow *self, const PosternOutgoing *initial)
{
  PosternComposer *composer;

  g_return_if_fail (POSTERN_IS_WINDOW (self));
  if (self->session == NULL)
    {
      PosternOutgoing *copy = postern_outgoing_new ();
      if (initial != NULL)
        {
          copy->to = g_strdupv (initial->to);
          copy->subject = g_strdup (initial->subject);
          copy->body = g_strdup (initial->body);
        }
      g_ptr_array_add (self->pending_compose, copy);
      return;
    }
  composer = postern_composer_new (GTK_WINDOW (self), self->session, initial);
  gtk_window_present (GTK_WINDOW (composer));
}

/* Opens a composer on a stored draft; its saves replace that draft. */
void
postern_window_edit_draft (PosternWindow *self, PosternMessageDocument *draft)
{
  g_autoptr (PosternOutgoing) initial = NULL;
  PosternComposer *composer;

  g_return_if_fail (POSTERN_IS_WINDOW (self));
  g_return_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (draft));
  if (self->session == NULL)
    return;
  initial = postern_message_document_to_outgoing (draft);
  composer = postern_composer_new (GTK_WINDOW (self), self->session, initial);
  postern_composer_set_draft_id (composer, postern_message_document_get_id (draft));
  gtk_window_present (GTK_WINDOW (composer));
}

void
postern_window_show_toast (PosternWindow *self, const char *text)
{
  g_return_if_fail (POSTERN_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/* --- class ----------------------------------------------------------- */

static void
postern_window_class_init (PosternWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = postern_window_dispose;
  object_class->finalize = postern_window_finalize;
  window_class->close_request = postern_window_close_request;

  g_type_ensure (POSTERN_TYPE_ONBOARDING);
  g_type_ensure (POSTERN_TYPE_SIDEBAR);
  g_type_ensure (POSTERN_TYPE_TOR_STATUS);
  g_type_ensure (POSTERN_TYPE_MESSAGE_LIST);
  g_type_ensure (POSTERN_TYPE_MESSAGE_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/postern/Postern/ui/postern-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PosternWindow, name)
  BIND (tor_status);
  BIND (window_title);
  BIND (search_entry);
  BIND (toast_overlay);
  BIND (main_stack);
  BIND (error_page);
  BIND (loading_spinner);
  BIND (onboarding);
  BIND (outer_paned);
  BIND (inner_paned);
  BIND (sidebar);
  BIND (message_list);
  BIND (message_view);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, folder_selected);
  gtk_widget_class_bind_template_callback (widget_class, message_selected);
  gtk_widget_class_bind_template_callback (widget_class, edit_draft);
  gtk_widget_class_bind_template_callback (widget_class, folders_counted);
  gtk_widget_class_bind_template_callback (widget_class, reply);
  gtk_widget_class_bind_template_callback (widget_class, search_changed);
  gtk_widget_class_bind_template_callback (widget_class, stop_search);

  _postern_window_class_add_actions (widget_class);
}

static void
postern_window_init (PosternWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->pending_compose = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_outgoing_free);
  self->check_id = g_timeout_add_seconds (CHECK_SECONDS, check_timeout, self);
  _postern_window_update_actions (self);
}

PosternWindow *
postern_window_new (PosternApplication *application)
{
  PosternWindow *self = g_object_new (POSTERN_TYPE_WINDOW, "application", application, NULL);

  restore_state (self);
  return self;
}
