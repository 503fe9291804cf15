/* postern-composer.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "postern-attachment-row.h"
#include "postern-attachment.h"
#include "postern-composer-private.h"
#include "postern-lock-ui.h"
#include "postern-recipient-chip.h"
#include "postern-window.h"

/* A draft is saved this long after the last change. */
#define AUTOSAVE_SECONDS 2

G_DEFINE_FINAL_TYPE (PosternComposer, postern_composer, ADW_TYPE_WINDOW)

/* --- recipients ------------------------------------------------------- */

static void
chip_routed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PosternRecipientChip) chip = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) routes
    = postern_router_route_finish (POSTERN_ROUTER (source), result, &error);
  PosternComposer *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = POSTERN_COMPOSER (gtk_widget_get_ancestor (GTK_WIDGET (chip), POSTERN_TYPE_COMPOSER));
  if (routes == NULL || routes->len == 0)
    postern_recipient_chip_set_invalid (chip, error ? error->message : _ ("No route"));
  else
    postern_recipient_chip_set_route (chip, routes->pdata[0]);
  if (self != NULL)
    _postern_composer_update (self);
}

static void
remove_chip (PosternComposer *self, PosternRecipientChip *chip)
{
  GtkWidget *child = gtk_widget_get_parent (GTK_WIDGET (chip));

  g_ptr_array_remove (self->chips, chip);
  gtk_flow_box_remove (self->chips_box, child);
  self->dirty = TRUE;
  _postern_composer_update (self);
}

static gboolean
has_recipient (PosternComposer *self, const char *address)
{
  for (guint i = 0; i < self->chips->len; i++)
    if (g_ascii_strcasecmp (postern_recipient_chip_get_address (self->chips->pdata[i]), address)
        == 0)
      return TRUE;
  return FALSE;
}

/**
 * postern_composer_add_recipient:
 *
 * Adds a chip for @address and asks the router, in a worker, how mail to
 * it would travel; the chip spins until the answer comes.
 */
void
postern_composer_add_recipient (PosternComposer *self, const char *address)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (address));
  const char *recipients[] = { trimmed, NULL };
  GtkWidget *chip;

  g_return_if_fail (POSTERN_IS_COMPOSER (self));
  if (*trimmed == '\0' || has_recipient (self, trimmed))
    return;
  chip = postern_recipient_chip_new (trimmed);
  g_signal_connect_swapped (chip, "remove", G_CALLBACK (remove_chip), self);
  g_ptr_array_add (self->chips, chip);
  gtk_flow_box_append (self->chips_box, chip);
  gtk_widget_set_focusable (gtk_widget_get_parent (chip), FALSE);
  self->dirty = TRUE;
  _postern_composer_update (self);
  postern_router_route_async (postern_session_get_router (self->session), recipients,
                              self->cancellable, chip_routed, g_object_ref (chip));
}

/* Takes every complete address out of the entry; with @all, also what
 * is left after the last separator. */
static void
take_addresses (PosternComposer *self, gboolean all)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->to_entry));
  g_auto (GStrv) parts = g_regex_split_simple ("[,;\\s]+", text, 0, 0);
  guint n = g_strv_length (parts);
  gboolean trailing = n > 0 && *parts[n - 1] == '\0';

  if (n == 0 || (n == 1 && !all))
    return;
  for (guint i = 0; i < n; i++)
    if (*parts[i] != '\0' && (all || i < n - 1))
      postern_composer_add_recipient (self, parts[i]);
  gtk_editable_set_text (GTK_EDITABLE (self->to_entry), (all || trailing) ? "" : parts[n - 1]);
  gtk_editable_set_position (GTK_EDITABLE (self->to_entry), -1);
}

static void
to_changed (PosternComposer *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->to_entry));

  /* A separator after an address makes it a chip, as in most clients. */
  if (strpbrk (text, ",; ") != NULL)
    take_addresses (self, FALSE);
}

static void
to_activated (PosternComposer *self)
{
  take_addresses (self, TRUE);
}

/* --- the Send button and the banner ---------------------------------- */

static char *
join_addresses (GPtrArray *routes)
{
  g_autoptr (GString) names = g_string_new (NULL);

  for (guint i = 0; i < routes->len; i++)
    {
      PosternRoute *r = routes->pdata[i];
      if (i > 0)
        g_string_append (names, i + 1 == routes->len ? _ (" and ") : ", ");
      g_string_append (names, r->address);
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* Recomputes what Send may do from the chips: the lock it shows, whether
 * it is enabled, and the banner when recipients would mix transports. */
void
_postern_composer_update (PosternComposer *self)
{
  g_autoptr (GPtrArray) routes = g_ptr_array_new ();
  g_autoptr (GPtrArray) conflicts = NULL;
  const char *keep = NULL;
  gboolean resolving = FALSE, invalid = FALSE, can_send;
  PosternLock lock = POSTERN_LOCK_UNKNOWN;
  g_autofree char *send_description = NULL;

  for (guint i = 0; i < self->chips->len; i++)
    {
      PosternRecipientChip *chip = self->chips->pdata[i];
      switch (postern_recipient_chip_get_state (chip))
        {
          case POSTERN_RECIPIENT_RESOLVING:
            resolving = TRUE;
            break;
          case POSTERN_RECIPIENT_INVALID:
            invalid = TRUE;
            break;
          case POSTERN_RECIPIENT_ROUTED:
          default:
            g_ptr_array_add (routes, (gpointer) postern_recipient_chip_get_route (chip));
            break;
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->chips_box), self->chips->len > 0);

  /* The same rule as the core's (and the CLI's exit 3). */
  conflicts = postern_routes_find_conflicts (routes, &keep);
  for (guint i = 0; i < self->chips->len; i++)
    {
      PosternRecipientChip *chip = self->chips->pdata[i];
      const PosternRoute *route = postern_recipient_chip_get_route (chip);
      postern_recipient_chip_set_conflict (chip, route != NULL
                                                   && g_strcmp0 (route->transport, keep) != 0);
    }

  if (conflicts->len > 0)
    {
      g_autofree char *names = join_addresses (conflicts);
      g_autofree char *text = NULL;
      g_autofree char *button = NULL;
      PosternRoute *first = conflicts->pdata[0];
      PosternLock keep_lock = POSTERN_LOCK_UNKNOWN;

      for (guint i = 0; i < routes->len; i++)
        if (g_strcmp0 (((PosternRoute *) routes->pdata[i])->transport, keep) == 0)
          keep_lock = ((PosternRoute *) routes->pdata[i])->lock;
      text = g_strdup_printf (
        ngettext ("Not sent: %s would travel by %s (%s), the other recipients by %s (%s). One "
                  "message never mixes transports: that would reveal the better protected "
                  "addresses over the weaker channel.",
                  "Not sent: %s would travel by %s (%s), the other recipients by %s (%s). One "
                  "message never mixes transports: that would reveal the better protected "
                  "addresses over the weaker channel.",
                  conflicts->len),
        names, postern_transport_get_title (first->transport), postern_lock_get_title (first->lock),
        postern_transport_get_title (keep), postern_lock_get_title (keep_lock));
      button = conflicts->len == 1 ? g_strdup_printf (_ ("Remove %s"), first->address)
                                   : g_strdup_printf (_ ("Remove %u Recipients"), conflicts->len);
      gtk_label_set_label (self->banner_label, text);
      gtk_button_set_label (self->banner_button, button);
    }
  gtk_revealer_set_reveal_child (self->banner_revealer, conflicts->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->banner_revealer), conflicts->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.remove-conflicts",
                                 conflicts->len > 0);

  /* One transport means one lock: the message's. */
  if (routes->len > 0 && conflicts->len == 0)
    {
      lock = ((PosternRoute *) routes->pdata[0])->lock;
      for (guint i = 1; i < routes->len; i++)
        lock = MIN (lock, ((PosternRoute *) routes->pdata[i])->lock);
    }
  can_send
    = self->chips->len > 0 && !resolving && !invalid && conflicts->len == 0 && !self->sending;
  gtk_image_set_from_icon_name (self->send_lock_image, postern_lock_get_icon_name (lock));
  if (conflicts->len > 0)
    send_description = g_strdup (_ ("Blocked: the recipients would mix transports"));
  else if (resolving)
    send_description = g_strdup (_ ("Finding out how the message would travel…"));
  else if (invalid)
    send_description = g_strdup (_ ("Blocked: a recipient is not a valid address"));
  else if (self->chips->len == 0)
    send_description = g_strdup (_ ("Add a recipient first"));
  else
    send_description = g_strdup_printf (_ ("Lock: %s. %s"), postern_lock_get_title (lock),
                                        postern_lock_get_sending_description (lock));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button), send_description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->send_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, send_description, -1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send", can_send);
  _postern_composer_save_draft (self);
}

void
_postern_composer_remove_conflicts (PosternComposer *self)
{
  g_autoptr (GPtrArray) doomed = g_ptr_array_new ();

  for (guint i = 0; i < self->chips->len; i++)
    if (postern_recipient_chip_get_conflict (self->chips->pdata[i]))
      g_ptr_array_add (doomed, self->chips->pdata[i]);
  for (guint i = 0; i < doomed->len; i++)
    remove_chip (self, doomed->pdata[i]);
}

/* --- the message ------------------------------------------------------ */

static PosternOutgoing *
collect (PosternComposer *self)
{
  PosternOutgoing *outgoing = postern_outgoing_new ();
  g_autoptr (GStrvBuilder) to = g_strv_builder_new ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  if (self->account != NULL)
    outgoing->from = g_strdup (postern_account_get_address (self->account));
  for (guint i = 0; i < self->chips->len; i++)
    g_strv_builder_add (to, postern_recipient_chip_get_address (self->chips->pdata[i]));
  outgoing->to = g_strv_builder_end (to);
  outgoing->subject = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->subject_entry)));
  outgoing->in_reply_to = g_strdup (self->in_reply_to);
  outgoing->references = g_strdup (self->references);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  outgoing->body = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->attachments)); i++)
    g_ptr_array_add (outgoing->attachments,
                     g_list_model_get_item (G_LIST_MODEL (self->attachments), i));
  return outgoing;
}

static gboolean
is_empty (PosternComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);

  return self->chips->len == 0 && gtk_text_buffer_get_char_count (buffer) == 0
         && *gtk_editable_get_text (GTK_EDITABLE (self->subject_entry)) == '\0'
         && g_list_model_get_n_items (G_LIST_MODEL (self->attachments)) == 0;
}

/* --- drafts ----------------------------------------------------------- */

/* A draft save outlives the composer when it is closed mid-way: it holds
 * the session, not the window. */
typedef struct
{
  PosternSession *session;
  char *replaces;
  GWeakRef composer;
} DraftSave;

static void
draft_save_free (DraftSave *save)
{
  g_clear_object (&save->session);
  g_free (save->replaces);
  g_weak_ref_clear (&save->composer);
  g_free (save);
}

static void
draft_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DraftSave *save = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *id
    = postern_session_save_draft_finish (POSTERN_SESSION (source), result, &error);
  g_autoptr (PosternComposer) self = g_weak_ref_get (&save->composer);

  if (self != NULL)
    {
      self->saving = FALSE;
      if (id != NULL)
        {
          g_autoptr (GDateTime) now = g_date_time_new_now_local ();
          g_autofree char *time = g_date_time_format (now, "%H:%M");
          g_autofree char *status = g_strdup_printf (_ ("Draft saved at %s"), time);
          g_free (self->draft_id);
          self->draft_id = g_steal_pointer (&id);
          gtk_label_set_label (self->status_label, status);
        }
      else
        gtk_label_set_label (self->status_label, error->message);
    }
  else if (id == NULL)
    g_warning ("cannot save the draft: %s", error->message);
  draft_save_free (save);
}

static void
draft_built (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DraftSave *save = user_data;
  g_autoptr (GBytes) bytes = postern_outgoing_build_finish (result, NULL);

  postern_session_save_draft_async (save->session, bytes, save->replaces, NULL, draft_saved, save);
}

static void
save_draft_now (PosternComposer *self)
{
  DraftSave *save;

  g_clear_handle_id (&self->autosave_id, g_source_remove);
  if (!self->dirty || self->sending || is_empty (self))
    return;
  save = g_new0 (DraftSave, 1);
  save->session = g_object_ref (self->session);
  save->replaces = g_strdup (self->draft_id);
  g_weak_ref_init (&save->composer, self);
  self->dirty = FALSE;
  self->saving = TRUE;
  postern_outgoing_build_async (collect (self), NULL, draft_built, save);
}

static gboolean
autosave_timeout (gpointer user_data)
{
  PosternComposer *self = user_data;

  self->autosave_id = 0;
  /* One save at a time: the next replaces the draft this one writes. */
  if (self->saving)
    {
      self->autosave_id = g_timeout_add_seconds (AUTOSAVE_SECONDS, autosave_timeout, self);
      return G_SOURCE_REMOVE;
    }
  save_draft_now (self);
  return G_SOURCE_REMOVE;
}

/* Schedules a save a moment after the last change. */
void
_postern_composer_save_draft (PosternComposer *self)
{
  if (!self->dirty)
    return;
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  self->autosave_id = g_timeout_add_seconds (AUTOSAVE_SECONDS, autosave_timeout, self);
}

static void
content_changed (PosternComposer *self)
{
  self->dirty = TRUE;
  _postern_composer_save_draft (self);
}

/* --- sending ---------------------------------------------------------- */

static void
sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PosternComposer) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternOutboxResult) outcome
    = postern_session_send_finish (POSTERN_SESSION (source), result, &error);
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  g_autofree char *note = NULL;

  self->sending = FALSE;
  if (outcome == NULL)
    {
      /* Nothing was queued: stay open so nothing typed is lost. */
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      _postern_composer_update (self);
      return;
    }
  if (self->draft_id != NULL)
    postern_session_discard_draft_async (self->session, self->draft_id, NULL, NULL, NULL);
  if (outcome->error == NULL)
    note = g_strdup (_ ("Message sent"));
  else
    note = g_strdup_printf (_ ("Queued in the Outbox: %s"), outcome->error->message);
  if (POSTERN_IS_WINDOW (parent))
    postern_window_show_toast (POSTERN_WINDOW (parent), note);
  self->dirty = FALSE;
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
send_built (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PosternComposer) self = user_data;
  g_autoptr (GBytes) bytes = postern_outgoing_build_finish (result, NULL);

  postern_session_send_async (self->session, bytes, self->account, NULL, sent, g_object_ref (self));
}

void
_postern_composer_send (PosternComposer *self)
{
  if (self->sending)
    return;
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  self->sending = TRUE;
  gtk_label_set_label (self->status_label, _ ("Sending…"));
  _postern_composer_update (self);
  postern_outgoing_build_async (collect (self), NULL, send_built, g_object_ref (self));
}

/* --- attachments ------------------------------------------------------ */

static void
remove_attachment (PosternComposer *self, PosternAttachmentRow *row)
{
  PosternAttachment *attachment = postern_attachment_row_get_attachment (row);
  guint position;

  if (g_list_store_find (self->attachments, attachment, &position))
    g_list_store_remove (self->attachments, position);
}

static GtkWidget *
create_attachment_row (gpointer item, gpointer user_data)
{
  GtkWidget *row = postern_attachment_row_new (item, TRUE);

  g_signal_connect_swapped (row, "remove", G_CALLBACK (remove_attachment), user_data);
  return row;
}

static void
attachments_changed (PosternComposer *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_box),
                          g_list_model_get_n_items (G_LIST_MODEL (self->attachments)) > 0);
  content_changed (self);
}

static void
file_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PosternComposer) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autofree char *name = g_file_get_basename (G_FILE (source));
  g_autofree char *type = NULL;
  g_autofree char *mime = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (PosternAttachment) attachment = NULL;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  type = g_content_type_guess (name, (const guchar *) contents, MIN (length, 4096), NULL);
  mime = g_content_type_get_mime_type (type);
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  attachment = postern_attachment_new (name, mime ? mime : "application/octet-stream", bytes);
  g_list_store_append (self->attachments, attachment);
}

void
_postern_composer_attach_file (PosternComposer *self, GFile *file)
{
  g_file_load_contents_async (file, self->cancellable, file_loaded, g_object_ref (self));
}

static gboolean
files_dropped (GtkDropTarget *target, const GValue *value, double x, double y, gpointer user_data)
{
  PosternComposer *self = user_data;
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  for (GSList *l = files; l != NULL; l = l->next)
    _postern_composer_attach_file (self, l->data);
  return files != NULL;
}

/* --- the window ------------------------------------------------------- */

static gboolean
postern_composer_close_request (GtkWindow *window)
{
  PosternComposer *self = POSTERN_COMPOSER (window);

  /* Closing keeps what was written: the draft is saved one last time. */
  save_draft_now (self);
  return GTK_WINDOW_CLASS (postern_composer_parent_class)->close_request (window);
}

static void
postern_composer_dispose (GObject *object)
{
  PosternComposer *self = POSTERN_COMPOSER (object);

  g_clear_handle_id (&self->autosave_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_object (&self->account);
  g_clear_object (&self->attachments);
  g_clear_pointer (&self->chips, g_ptr_array_unref);
  G_OBJECT_CLASS (postern_composer_parent_class)->dispose (object);
}

static void
postern_composer_finalize (GObject *object)
{
  PosternComposer *self = POSTERN_COMPOSER (object);

  g_free (self->draft_id);
  g_free (self->in_reply_to);
  g_free (self->references);
  G_OBJECT_CLASS (postern_composer_parent_class)->finalize (object);
}

static void
postern_composer_class_init (PosternComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = postern_composer_dispose;
  object_class->finalize = postern_composer_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = postern_composer_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/postern/Postern/ui/postern-composer.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PosternComposer, name)
  BIND (send_button);
  BIND (send_lock_image);
  BIND (banner_revealer);
  BIND (banner_label);
  BIND (banner_button);
  BIND (from_label);
  BIND (chips_box);
  BIND (to_entry);
  BIND (subject_entry);
  BIND (body_view);
  BIND (attachments_box);
  BIND (attachments_list);
  BIND (status_label);
  BIND (toast_overlay);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, to_activated);
  gtk_widget_class_bind_template_callback (widget_class, to_changed);
  gtk_widget_class_bind_template_callback (widget_class, content_changed);
  _postern_composer_class_add_actions (widget_class);
}

static void
postern_composer_init (PosternComposer *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->chips = g_ptr_array_new ();
  self->attachments = g_list_store_new (POSTERN_TYPE_ATTACHMENT);
  gtk_list_box_bind_model (self->attachments_list, G_LIST_MODEL (self->attachments),
                           create_attachment_row, self, NULL);
  g_signal_connect_swapped (self->attachments, "items-changed", G_CALLBACK (attachments_changed),
                            self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->body_view), "changed",
                            G_CALLBACK (content_changed), self);

  /* Files dropped anywhere on the composer are attached. */
  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (files_dropped), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

/**
 * postern_composer_new:
 * @parent: (nullable): the main window
 * @initial: (nullable): recipients, subject and body to start with
 */
PosternComposer *
postern_composer_new (GtkWindow *parent, PosternSession *session, const PosternOutgoing *initial)
{
  PosternComposer *self
    = g_object_new (POSTERN_TYPE_COMPOSER, "transient-for", parent, "application",
                    parent ? gtk_window_get_application (parent) : NULL, NULL);
  PosternAccount *account = postern_session_get_default_account (session);
  g_autofree char *from = NULL;

  self->session = g_object_ref (session);
  self->account = account ? g_object_ref (account) : NULL;
  from = account ? g_strdup_printf ("%s <%s>", postern_account_get_name (account),
                                    postern_account_get_address (account))
                 : g_strdup (_ ("No account: add one to send"));
  gtk_label_set_label (self->from_label, from);

  if (initial != NULL)
    {
      for (guint i = 0; initial->to != NULL && initial->to[i] != NULL; i++)
        postern_composer_add_recipient (self, initial->to[i]);
      if (initial->subject != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), initial->subject);
      if (initial->body != NULL)
        gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), initial->body, -1);
      self->in_reply_to = g_strdup (initial->in_reply_to);
      self->references = g_strdup (initial->references);
      for (guint i = 0; initial->attachments != NULL && i < initial->attachments->len; i++)
        g_list_store_append (self->attachments, initial->attachments->pdata[i]);
    }
  /* Only what the user changes from here on makes a draft. */
  self->dirty = FALSE;
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  _postern_composer_update (self);
  gtk_widget_grab_focus (
    GTK_WIDGET (self->chips->len ? (gpointer) self->subject_entry : (gpointer) self->to_entry));
  return self;
}

/**
 * postern_composer_set_draft_id:
 * @draft_id: (nullable): the stored draft this composer goes on with
 *
 * The next save replaces that draft, and sending discards it.
 */
void
postern_composer_set_draft_id (PosternComposer *self, const char *draft_id)
{
  g_return_if_fail (POSTERN_IS_COMPOSER (self));
  g_free (self->draft_id);
  self->draft_id = g_strdup (draft_id);
}
